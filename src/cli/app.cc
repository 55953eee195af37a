#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace imago::cli {

int Main(int argc, char** argv) {
  Context ctx;
  CLI::App app{"imago: immutable infrastructure for virtual machines"};
  app.name("imago");
  app.fallthrough();  // Global flags may follow the subcommand.
  app.require_subcommand(1);
  app.set_version_flag("--version", "imago 0.1.0");
  ctx.AddFlags(app);
  AddImagesCommands(app, ctx);
  AddOperationsCommands(app, ctx);
  AddNamesCommands(app, ctx);
  AddRotateCommands(app, ctx);
  AddInstancesCommands(app, ctx);
  AddDisksCommands(app, ctx);
  AddSnapshotsCommands(app, ctx);
  AddInstanceTemplatesCommands(app, ctx);
  AddHealthChecksCommands(app, ctx);
  AddLoadBalancerCommands(app, ctx);
  AddInstanceGroupsCommands(app, ctx);
  AddControllerCommands(app, ctx);
  AddZonesCommands(app, ctx);
  AddMetadataCommand(app, ctx);
  AddServeCommand(app, ctx);
  AddBakeCommands(app, ctx);
  AddDeployCommands(app, ctx);
  AddProjectInfoCommands(app, ctx);
  AddUpdateCheckCommand(app, ctx);
  app.footer(
      "Examples:\n"
      "  imago images create image-v1 --source-file v1.qcow2 --family my-image-family\n"
      "  imago images describe-from-family my-image-family\n"
      "  imago images list --format json\n"
      "  imago instances create web-1 --image-family my-image-family --ports 80\n\n"
      "Exit codes: 0 ok, 1 internal, 2 usage, 3 invalid value, 4 not found, 5 already exists,\n"
      "6 changed meanwhile (412), 7 not ready / in use, 8 unavailable (retry), 9 auth,\n"
      "10 some changes of a batch failed (the others took effect), 11 a bake's provisioner\n"
      "failed, 130 interrupted.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line that says what was wrong and where to look.
    std::cerr << "ERROR: (imago) " << e.what() << " (see imago --help, or COMMAND --help)\n";
    return kExitUsage;
  }
  return ctx.exit_code;
}

}  // namespace imago::cli
