// imago disks ... and imago snapshots ...: persistent disks and their
// snapshots, shaped like `gcloud compute disks` and `gcloud compute snapshots`.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/json_codec.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"

namespace imago::cli {

using compute::Status;

namespace {

std::vector<Column> DiskColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"ZONE", [](const Json& j) { return LastOf(j, "zone"); }},
          {"SIZE_GB", [](const Json& j) { return Field(j, "sizeGb"); }},
          {"SOURCE",
           [](const Json& j) {
             std::string s = LastOf(j, "sourceImage");
             return s.empty() ? LastOf(j, "sourceSnapshot") : s;
           }},
          {"USERS",
           [](const Json& j) {
             std::string out;
             if (j.contains("users")) {
               for (const auto& u : j["users"]) {
                 out += (out.empty() ? "" : ",") + compute::LastSegment(u.get<std::string>());
               }
             }
             return out;
           }},
          {"STATUS", [](const Json& j) { return Field(j, "status"); }}};
}

std::vector<Column> SnapshotColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"DISK_SIZE_GB", [](const Json& j) { return Field(j, "diskSizeGb"); }},
          {"SRC_DISK",
           [](const Json& j) {
             std::string d = Field(j, "sourceDisk");
             size_t p = d.find("/zones/");
             return p == std::string::npos ? d : d.substr(p + 7);
           }},
          {"STORAGE_BYTES", [](const Json& j) { return Field(j, "storageBytes"); }},
          {"STATUS", [](const Json& j) { return Field(j, "status"); }}};
}

struct CreateFlags {
  std::string name, image, image_family, snapshot, labels, description, request_id;
  std::string size;  // gcloud's forms: 10, 10GB, 1TB.
};

int RunCreate(Context& ctx, const CreateFlags& f) {
  const char* cmd = "disks.create";
  if (!f.image.empty() + !f.image_family.empty() + !f.snapshot.empty() > 1) {
    return ctx.Usage(cmd, "give at most one of --image, --image-family, --source-snapshot");
  }
  compute::Disk d;
  d.name = f.name;
  d.description = f.description;
  if (!f.size.empty()) {
    auto gb = ParseSizeGb("--size", f.size);
    if (!gb.ok()) return ctx.Fail(cmd, gb.status());
    d.size_gb = *gb;
  }
  auto labels = ParseKeyValues("--labels", f.labels);
  if (!labels.ok()) return ctx.Fail(cmd, labels.status());
  d.labels = *labels;
  d.source_image = !f.image_family.empty() ? "global/images/family/" + f.image_family : f.image;
  d.source_snapshot = f.snapshot;
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  if (int rc = ctx.Check(cmd, svc->disks().Insert(ctx.g.project, ctx.g.zone, d, opts))) return rc;
  auto created = svc->disks().Get(ctx.g.project, ctx.g.zone, f.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  std::cerr << "Created [" << created->self_link << "].\n";
  PrintOne(ctx, *created, DiskColumns());
  return kExitOk;
}

int RunSnapshot(Context& ctx, const std::string& disk, const std::string& name,
                const std::string& description) {
  const char* cmd = "disks.snapshot";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::Snapshot s;
  s.name = name;
  if (s.name.empty()) {
    // gcloud generates a name; here one that says what and when.
    std::string stamp = compute::FormatRfc3339(ctx.Clock().Now());
    std::string digits;
    for (char c : stamp.substr(0, 19)) {
      if (isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    s.name = disk.substr(0, 47) + "-" + digits.substr(0, 8) + "-" + digits.substr(8, 6);
  }
  s.description = description;
  std::cerr << "Creating snapshot(s) " << s.name << "...";
  auto op = svc->disks().CreateSnapshot(ctx.g.project, ctx.g.zone, disk, s, {});
  std::cerr << (op.ok() && !op->failed() ? "done.\n" : "failed.\n");
  if (int rc = ctx.Check(cmd, op)) return rc;
  auto created = svc->snapshots().Get(ctx.g.project, s.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  PrintOne(ctx, *created, SnapshotColumns());
  return kExitOk;
}

}  // namespace

void AddDisksCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("disks", "Persistent disks (copy-on-write over images)");
  g->require_subcommand(1);
  {
    auto f = std::make_shared<CreateFlags>();
    CLI::App* c = g->add_subcommand("create", "Create a disk: blank, from an image or a snapshot");
    c->add_option("NAME", f->name, "Disk name")->required();
    c->add_option("--image", f->image, "Source image");
    c->add_option("--image-family", f->image_family, "Source family (resolved now)");
    c->add_option("--source-snapshot", f->snapshot, "Source snapshot");
    c->add_option("--size", f->size,
                  "Size: 10 or 10GB, 1TB, 2048MB (default: the source's, or 10 GB when blank)");
    c->add_option("--labels", f->labels, "KEY=VALUE,...");
    c->add_option("--description", f->description, "Description");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer("Example:\n  imago disks create data --image-family base --size 2");
    c->callback([&ctx, f] { ctx.exit_code = RunCreate(ctx, *f); });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    auto zones = std::make_shared<std::vector<std::string>>();
    CLI::App* c = g->add_subcommand("list", "List disks of every zone (or of --zones)");
    AddListFlags(c, lf.get(), "status = READY");
    c->add_option("--zones", *zones, "Only these zones (ZONE,...); default: every zone, as gcloud")
        ->delimiter(',');
    c->footer("Example:\n  imago disks list --format json\n  imago disks list --zones local-b");
    c->callback([&ctx, lf, zones] {
      compute::Service* svc = ctx.Service("disks.list");
      if (!svc) return;
      auto only = ListZones(ctx, *svc, *zones);
      if (!only.ok()) {
        ctx.exit_code = ctx.Fail("disks.list", only.status());
        return;
      }
      ctx.exit_code = RunList<compute::Disk>(
          ctx, "disks.list", *lf, DiskColumns(),
          ZonalList<compute::Disk>(*only, [&](const compute::ListOptions& o) {
            return svc->disks().AggregatedList(ctx.g.project, o);
          }));
    });
  }
  AddDescribe(g, ctx, "disks.describe", "Show one disk", "imago disks describe data",
              [&ctx](compute::Service& svc, const std::string& n) -> compute::Result<Json> {
                auto d = svc.disks().Get(ctx.g.project, ctx.g.zone, n);
                if (d.ok() || d.status().code() != compute::Code::kNotFound) return JsonOf(d);
                auto zones = ZonesHolding(n, [&](const compute::ListOptions& o) {
                  return svc.disks().AggregatedList(ctx.g.project, o);
                });
                if (zones.size() != 1) return WithZones(d.status(), "disk", n, zones);
                std::cerr << "(disk " << n << " is in zone " << zones[0] << ")\n";
                return JsonOf(svc.disks().Get(ctx.g.project, zones[0], n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete disks (refused while attached)");
    c->footer("Example:\n  imago disks delete data");
    AddNamesVerb(
        c, ctx, "disks.delete", "Deleting",
        [&ctx](compute::Service& svc, const std::string& n) -> compute::Result<compute::Operation> {
          auto op = svc.disks().Delete(ctx.g.project, ctx.g.zone, n, {});
          if (op.ok()) return op;
          return WithZones(op.status(), "disk", n,
                           ZonesHolding(n, [&](const compute::ListOptions& o) {
                             return svc.disks().AggregatedList(ctx.g.project, o);
                           }));
        });
  }
  {
    auto disk = std::make_shared<std::string>();
    auto names = std::make_shared<std::string>();
    auto description = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("snapshot", "Snapshot a disk (a running VM pauses briefly)");
    c->add_option("DISK", *disk, "Disk name")->required();
    c->add_option("--snapshot-names", *names,
                  "Name of the snapshot (default: DISK-YYYYMMDD-HHMMSS, as gcloud generates one)");
    c->add_option("--description", *description, "Description");
    c->footer("Example:\n  imago disks snapshot data --snapshot-names data-20261126");
    c->callback([&ctx, disk, names, description] {
      ctx.exit_code = RunSnapshot(ctx, *disk, *names, *description);
    });
  }
}

void AddSnapshotsCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("snapshots", "Disk snapshots (global)");
  g->require_subcommand(1);
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List snapshots");
    AddListFlags(c, lf.get(), "name = web-*");
    c->footer("Example:\n  imago snapshots list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("snapshots.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::Snapshot>(
          ctx, "snapshots.list", *lf, SnapshotColumns(),
          [&](const compute::ListOptions& o) { return svc->snapshots().List(ctx.g.project, o); });
    });
  }
  AddDescribe(g, ctx, "snapshots.describe", "Show one snapshot",
              "imago snapshots describe data-20261126",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.snapshots().Get(ctx.g.project, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete snapshots");
    c->footer("Example:\n  imago snapshots delete data-20261126");
    AddNamesVerb(c, ctx, "snapshots.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.snapshots().Delete(ctx.g.project, n, {});
                 });
  }
}

}  // namespace imago::cli
