// Registration of the imago command groups on the root command.
#ifndef IMAGO_CLI_COMMANDS_H_
#define IMAGO_CLI_COMMANDS_H_

#include "cli/context.h"  // Declares CLI::App; the files that build commands include CLI11.

namespace imago::cli {

void AddImagesCommands(CLI::App& root, Context& ctx);
void AddOperationsCommands(CLI::App& root, Context& ctx);
void AddNamesCommands(CLI::App& root, Context& ctx);
void AddRotateCommands(CLI::App& root, Context& ctx);
void AddInstancesCommands(CLI::App& root, Context& ctx);
/// `instances ssh`, under the `instances` command.
void AddInstancesSshCommand(CLI::App* instances, Context& ctx);
/// `instances replace`, under the `instances` command (in deploy_cmd.cc).
void AddInstancesReplaceCommand(CLI::App* instances, Context& ctx);
void AddDisksCommands(CLI::App& root, Context& ctx);
void AddSnapshotsCommands(CLI::App& root, Context& ctx);
void AddInstanceTemplatesCommands(CLI::App& root, Context& ctx);
void AddHealthChecksCommands(CLI::App& root, Context& ctx);
void AddControllerCommands(CLI::App& root, Context& ctx);
void AddInstanceGroupsCommands(CLI::App& root, Context& ctx);
void AddLoadBalancerCommands(CLI::App& root, Context& ctx);
/// set-named-ports and get-named-ports under `g` (`prefix`: its command path).
void AddNamedPortsCommands(CLI::App* g, Context& ctx, const std::string& prefix);
void AddZonesCommands(CLI::App& root, Context& ctx);
void AddMetadataCommand(CLI::App& root, Context& ctx);
void AddServeCommand(CLI::App& root, Context& ctx);
void AddBakeCommands(CLI::App& root, Context& ctx);
void AddDeployCommands(CLI::App& root, Context& ctx);
void AddProjectInfoCommands(CLI::App& root, Context& ctx);
void AddUpdateCheckCommand(CLI::App& root, Context& ctx);
void AddPipelineCommands(CLI::App& root, Context& ctx);
void AddConfigCommands(CLI::App& root, Context& ctx);
/// `imago completion bash|zsh`, from the tree of commands added before it.
void AddCompletionCommand(CLI::App& root, Context& ctx);

/// Runs the imago command line; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace imago::cli

#endif  // IMAGO_CLI_COMMANDS_H_
