// `imago __metadata`: run by QEMU for each guest connection to the metadata
// server, with the connection on stdin/stdout. Not for people.
#include <CLI/CLI.hpp>

#include "cli/cloud_factory.h"
#include "cli/commands.h"

namespace imago::cli {

void AddMetadataCommand(CLI::App& root, Context& ctx) {
  struct Flags {
    std::string home, project, zone, instance;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = root.add_subcommand("__metadata", "");  // Hidden: empty description.
  c->group("");
  c->add_option("--home", f->home)->required();
  c->add_option("--project", f->project)->required();
  c->add_option("--zone", f->zone)->required();
  c->add_option("--instance", f->instance)->required();
  c->callback([&ctx, f] {
    if (!ServeGuestMetadata(f->home, f->project, f->zone, f->instance).ok()) {
      ctx.exit_code = kExitUnavailable;
    }
  });
}

}  // namespace imago::cli
