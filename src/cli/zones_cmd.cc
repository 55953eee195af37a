// imago zones | regions | machine-types: where things run, shaped like
// `gcloud compute zones list` and friends.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/cloud_codec.h"

namespace imago::cli {

namespace {

// `GROUP list` with --filter and --limit over a zonal or global lister.
template <typename T, typename ListFn>
void AddList(CLI::App* g, Context& ctx, const char* cmd, const char* help, const char* example,
             std::vector<Column> cols, ListFn list) {
  auto lf = std::make_shared<ListFlags>();
  CLI::App* c = g->add_subcommand("list", help);
  AddListFlags(c, lf.get(), "name = local-a");
  c->footer(std::string("Example:\n  ") + example);
  c->callback([&ctx, cmd, lf, cols, list] {
    compute::Service* svc = ctx.Service(cmd);
    if (!svc) return;
    ctx.exit_code = RunList<T>(ctx, cmd, *lf, cols,
                               [&](const compute::ListOptions& o) { return list(*svc, o); });
  });
}

std::string QuotaCell(const Json& j, const std::string& metric) {
  if (!j.contains("quotas")) return "";
  for (const auto& q : j["quotas"]) {
    if (q.value("metric", "") == metric) {
      return std::to_string(static_cast<long>(q.value("usage", 0.0))) + "/" +
             std::to_string(static_cast<long>(q.value("limit", 0.0)));
    }
  }
  return "";
}

}  // namespace

void AddZonesCommands(CLI::App& root, Context& ctx) {
  CLI::App* zones = root.add_subcommand("zones", "Zones of the cloud");
  zones->require_subcommand(1);
  AddList<compute::Zone>(zones, ctx, "zones.list", "List zones", "imago zones list",
                         {{"NAME", [](const Json& j) { return Field(j, "name"); }},
                          {"REGION", [](const Json& j) { return LastOf(j, "region"); }},
                          {"STATUS", [](const Json& j) { return Field(j, "status"); }}},
                         [&ctx](compute::Service& svc, const compute::ListOptions& o) {
                           return svc.zones().List(ctx.g.project, o);
                         });

  CLI::App* regions = root.add_subcommand("regions", "Regions of the cloud, with their quotas");
  regions->require_subcommand(1);
  AddList<compute::Region>(
      regions, ctx, "regions.list", "List regions", "imago regions list",
      {{"NAME", [](const Json& j) { return Field(j, "name"); }},
       {"CPUS", [](const Json& j) { return QuotaCell(j, "CPUS"); }},
       {"DISKS_GB", [](const Json& j) { return QuotaCell(j, "DISKS_TOTAL_GB"); }},
       {"INSTANCES", [](const Json& j) { return QuotaCell(j, "INSTANCES"); }},
       {"STATUS", [](const Json& j) { return Field(j, "status"); }}},
      [&ctx](compute::Service& svc, const compute::ListOptions& o) {
        return svc.regions().List(ctx.g.project, o);
      });

  CLI::App* types = root.add_subcommand("machine-types", "Machine types of a zone");
  types->require_subcommand(1);
  AddList<compute::MachineType>(types, ctx, "machine-types.list",
                                "List the machine types of the zone",
                                "imago machine-types list --zone local-a",
                                {{"NAME", [](const Json& j) { return Field(j, "name"); }},
                                 {"ZONE", [](const Json& j) { return Field(j, "zone"); }},
                                 {"CPUS", [](const Json& j) { return Field(j, "guestCpus"); }},
                                 {"MEMORY_MB", [](const Json& j) { return Field(j, "memoryMb"); }}},
                                [&ctx](compute::Service& svc, const compute::ListOptions& o) {
                                  return svc.machine_types().List(ctx.g.project, ctx.g.zone, o);
                                });
}

}  // namespace imago::cli
