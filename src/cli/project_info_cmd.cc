// imago project-info: the project and its common instance metadata, in the
// words of `gcloud compute project-info` (describe, add-metadata,
// remove-metadata). The deploy ledger and pull configurations live there.
#include <algorithm>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/instance_flags.h"
#include "cli/output.h"
#include "compute/cloud_codec.h"

namespace imago::cli {

namespace {

using compute::Status;

using Items = std::vector<std::pair<std::string, std::string>>;

// Reads the project's metadata, applies `edit`, writes it with the
// fingerprint read; again on 412 (another writer in between), 5 times.
int EditMetadata(Context& ctx, const char* cmd, const std::function<Status(Items*)>& edit) {
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  for (int attempt = 0;; ++attempt) {
    auto p = svc->projects().Get(ctx.g.project);
    if (!p.ok()) return ctx.Fail(cmd, p.status());
    compute::Metadata m = p->common_instance_metadata;
    Status st = edit(&m.items);
    if (!st.ok()) return ctx.Fail(cmd, st);
    auto op = svc->projects().SetCommonInstanceMetadata(ctx.g.project, m, {});
    Status done = compute::OperationStatus(op);
    if (done.code() == compute::Code::kConditionNotMet && attempt < 4) continue;
    if (!done.ok()) return ctx.Fail(cmd, done);
    std::cerr << "Updated [" << ctx.g.project << "].\n";
    return kExitOk;
  }
}

}  // namespace

void AddProjectInfoCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("project-info", "The project and its common instance metadata");
  g->require_subcommand(1);
  {
    CLI::App* c = g->add_subcommand("describe", "Show the project: metadata, quotas");
    c->footer("Example:\n  imago project-info describe --format json");
    c->callback([&ctx] {
      const char* cmd = "project-info.describe";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto p = svc->projects().Get(ctx.g.project);
      if (!p.ok()) return void(ctx.exit_code = ctx.Fail(cmd, p.status()));
      PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*p));
    });
  }
  {
    auto kv = std::make_shared<std::string>();
    auto files = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand(
        "add-metadata", "Add or change items of the metadata every instance of the project reads");
    c->add_option("--metadata", *kv, "KEY=VALUE,...");
    c->add_option("--metadata-from-file", *files, "KEY=PATH,...: the values are the files' text");
    c->footer("Example:\n  imago project-info add-metadata --metadata team=web,tier=gold");
    c->callback([&ctx, kv, files] {
      const char* cmd = "project-info.add-metadata";
      if (kv->empty() && files->empty()) {
        ctx.exit_code = ctx.Usage(cmd, "give --metadata or --metadata-from-file");
        return;
      }
      ctx.exit_code = EditMetadata(ctx, cmd, [&](Items* items) -> Status {
        auto pairs = ParseKeyValues("--metadata", *kv);
        if (!pairs.ok()) return pairs.status();
        for (const auto& [k, v] : *pairs) SetItem(items, k, v);
        return AddMetadataFromFiles("--metadata-from-file", *files, items);
      });
    });
  }
  {
    auto keys = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    CLI::App* c = g->add_subcommand("remove-metadata", "Remove items of the project's metadata");
    c->add_option("--keys", *keys, "KEY,...")->delimiter(',');
    c->add_flag("--all", *all, "Remove every item");
    c->footer("Example:\n  imago project-info remove-metadata --keys team");
    c->callback([&ctx, keys, all] {
      const char* cmd = "project-info.remove-metadata";
      if (keys->empty() == !*all) {
        ctx.exit_code = ctx.Usage(cmd, "give --keys or --all");
        return;
      }
      ctx.exit_code = EditMetadata(ctx, cmd, [&](Items* items) -> Status {
        if (*all) {
          items->clear();
          return Status::OK();
        }
        for (const auto& k : *keys) {
          auto it = std::find_if(items->begin(), items->end(),
                                 [&](const auto& kv) { return kv.first == k; });
          if (it == items->end()) {
            return Status::ResourceNotFound("metadata item '" + k + "' of project " +
                                            ctx.g.project);
          }
          items->erase(it);
        }
        return Status::OK();
      });
    });
  }
}

}  // namespace imago::cli
