// imago instances ...: virtual machines, shaped like `gcloud compute instances`.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/instance_flags.h"
#include "cli/resource_cmd.h"
#include "compute/json_codec.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"

namespace imago::cli {

using compute::Status;

namespace {

std::string PortsCell(const Json& j) {
  std::string out;
  if (!j.contains("forwardedPorts")) return out;
  for (const auto& p : j["forwardedPorts"]) {
    if (!out.empty()) out += ",";
    out += fmt::format("{}:{}->{}", p.value("hostIp", "127.0.0.1"), p.value("hostPort", 0),
                       p.value("guestPort", 0));
  }
  return out;
}

std::vector<Column> InstanceColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"ZONE", [](const Json& j) { return LastOf(j, "zone"); }},
          {"MACHINE_TYPE", [](const Json& j) { return LastOf(j, "machineType"); }},
          {"INTERNAL_IP", [](const Json& j) { return Field(j, "networkInterfaces.0.networkIP"); }},
          {"PORTS", PortsCell},
          {"STATUS", [](const Json& j) { return Field(j, "status"); }}};
}

// Prints the instance as it is now (after a start, stop, reset).
int Describe(Context& ctx, compute::Service& svc, const std::string& name) {
  auto in = svc.instances().Get(ctx.g.project, ctx.g.zone, name);
  if (!in.ok()) return ctx.Fail("instances.describe", in.status());
  PrintOne(ctx, *in, InstanceColumns());
  return kExitOk;
}

struct CreateFlags {
  std::string name, request_id, private_network_ip;
  InstanceFlags vm;
  std::vector<std::string> disks;
  bool deletion_protection = false;
};

int RunCreate(Context& ctx, const CreateFlags& f) {
  const char* cmd = "instances.create";
  auto made = InstanceFromFlags(f.vm);
  if (!made.ok()) {
    return made.status().code() == compute::Code::kRequired
               ? ctx.Usage(cmd, made.status().message())
               : ctx.Fail(cmd, made.status());
  }
  compute::Instance in = std::move(made.value());
  in.name = f.name;
  if (f.deletion_protection) in.extra["deletionProtection"] = true;
  if (!f.private_network_ip.empty()) {
    compute::NetworkInterface nic;
    nic.network_ip = f.private_network_ip;
    in.network_interfaces = {nic};
  }
  for (const auto& spec : f.disks) {
    auto kv = ParseKeyValues("--disk", spec);
    if (!kv.ok()) return ctx.Fail(cmd, kv.status());
    compute::AttachedDisk d;
    for (const auto& [k, v] : *kv) {
      if (k == "name") {
        d.source = v;
      } else if (k == "device-name") {
        d.device_name = v;
      } else if (k == "auto-delete") {
        d.auto_delete = v == "yes" || v == "true";
      } else {
        return ctx.Fail(cmd, Status::InvalidField("--disk", spec,
                                                  "Known keys: name, device-name, auto-delete."));
      }
    }
    if (d.source.empty()) {
      return ctx.Fail(cmd, Status::InvalidField("--disk", spec, "Give the disk as name=DISK."));
    }
    in.disks.push_back(d);
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  if (int rc = ctx.Check(cmd, svc->instances().Insert(ctx.g.project, ctx.g.zone, in, opts))) {
    return rc;
  }
  auto created = svc->instances().Get(ctx.g.project, ctx.g.zone, f.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  if (!f.vm.image_family.empty()) {
    auto disk = svc->disks().Get(ctx.g.project, ctx.g.zone,
                                 compute::LastSegment(created->disks.front().source));
    if (disk.ok()) {
      std::cerr << "Resolved family " << f.vm.image_family << " to image "
                << compute::LastSegment(disk->source_image) << "\n";
    }
  }
  std::cerr << "Created [" << created->self_link << "].\n";
  PrintOne(ctx, *created, InstanceColumns());
  return kExitOk;
}

int RunDescribe(Context& ctx, const std::string& name) {
  compute::Service* svc = ctx.Service("instances.describe");
  if (!svc) return ctx.exit_code;
  auto in = svc->instances().Get(ctx.g.project, ctx.g.zone, name);
  if (!in.ok() && in.status().code() == compute::Code::kNotFound) {
    // Another zone's, as gcloud finds it: when one zone holds the name, that one.
    auto zones = ZonesHolding(name, [&](const compute::ListOptions& o) {
      return svc->instances().AggregatedList(ctx.g.project, o);
    });
    if (zones.size() == 1) {
      std::cerr << "(instance " << name << " is in zone " << zones[0] << ")\n";
      in = svc->instances().Get(ctx.g.project, zones[0], name);
    } else {
      return ctx.Fail("instances.describe", WithZones(in.status(), "instance", name, zones));
    }
  }
  if (!in.ok()) return ctx.Fail("instances.describe", in.status());
  PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*in));
  return kExitOk;
}

int RunSerialOutput(Context& ctx, const std::string& name, int64_t start) {
  const char* cmd = "instances.get-serial-port-output";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto out = svc->instances().GetSerialPortOutput(ctx.g.project, ctx.g.zone, name, 1, start);
  if (!out.ok()) return ctx.Fail(cmd, out.status());
  Format f = ctx.OutputFormat(Format::kTable);
  if (f == Format::kTable) {
    std::cout << out->contents;
    std::cerr << "\nSpecify --start=" << out->next << " in the next call to get only the new "
              << "output.\n";
  } else {
    PrintResource(std::cout, f, compute::ToJson(*out));
  }
  return kExitOk;
}

struct DiskFlags {
  std::string name, disk, device;
  bool auto_delete = false;
};

int RunUpdate(Context& ctx, const std::string& name, bool protect, bool unprotect) {
  const char* cmd = "instances.update";
  if (protect == unprotect) {
    return ctx.Usage(cmd, "give one of --deletion-protection and --no-deletion-protection");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  if (int rc = ctx.Check(cmd, svc->instances().SetDeletionProtection(ctx.g.project, ctx.g.zone,
                                                                     name, protect, {}))) {
    return rc;
  }
  std::cerr << "Updated [" << name << "]: deletion protection " << (protect ? "on" : "off")
            << ".\n";
  return Describe(ctx, *svc, name);
}

int RunAttachDisk(Context& ctx, const DiskFlags& f) {
  const char* cmd = "instances.attach-disk";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::AttachedDisk d;
  d.source = f.disk;
  d.device_name = f.device;
  d.auto_delete = f.auto_delete;
  if (int rc =
          ctx.Check(cmd, svc->instances().AttachDisk(ctx.g.project, ctx.g.zone, f.name, d, {}))) {
    return rc;
  }
  std::cerr << "Attached disk " << f.disk << " to [" << f.name << "].\n";
  return kExitOk;
}

int RunDetachDisk(Context& ctx, const DiskFlags& f) {
  const char* cmd = "instances.detach-disk";
  if (f.disk.empty() == f.device.empty()) {
    return ctx.Usage(cmd, "give exactly one of --disk and --device-name");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  std::string dev = f.device;
  if (dev.empty()) {
    auto in = svc->instances().Get(ctx.g.project, ctx.g.zone, f.name);
    if (!in.ok()) return ctx.Fail(cmd, in.status());
    for (const auto& d : in->disks) {
      if (compute::LastSegment(d.source) == f.disk) dev = d.device_name;
    }
    if (dev.empty()) {
      return ctx.Fail(cmd, Status::InvalidField("--disk", f.disk,
                                                "This disk is not attached to " + f.name + "."));
    }
  }
  if (int rc =
          ctx.Check(cmd, svc->instances().DetachDisk(ctx.g.project, ctx.g.zone, f.name, dev, {}))) {
    return rc;
  }
  std::cerr << "Detached disk " << (f.disk.empty() ? dev : f.disk) << " from [" << f.name << "].\n";
  return kExitOk;
}

int RunAddMetadata(Context& ctx, const std::string& name, const std::string& metadata,
                   const std::string& from_file) {
  const char* cmd = "instances.add-metadata";
  auto md = ParseKeyValues("--metadata", metadata);
  if (!md.ok()) return ctx.Fail(cmd, md.status());
  std::vector<std::pair<std::string, std::string>> add;
  for (const auto& [k, v] : *md) add.emplace_back(k, v);
  Status st = AddMetadataFromFiles("--metadata-from-file", from_file, &add);
  if (!st.ok()) return ctx.Fail(cmd, st);
  if (add.empty()) return ctx.Usage(cmd, "give --metadata or --metadata-from-file");
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  // Read, change, write with the fingerprint; retry when someone else wrote meanwhile.
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto in = svc->instances().Get(ctx.g.project, ctx.g.zone, name);
    if (!in.ok()) return ctx.Fail(cmd, in.status());
    compute::Metadata m = in->metadata;
    for (const auto& [k, v] : add) SetItem(&m.items, k, v);
    auto op = svc->instances().SetMetadata(ctx.g.project, ctx.g.zone, name, m, {});
    if (!op.ok() && op.status().code() == compute::Code::kConditionNotMet) continue;
    if (int rc = ctx.Check(cmd, op)) return rc;
    std::cerr << "Updated [" << in->self_link << "].\n";
    return kExitOk;
  }
  return ctx.Fail(cmd, Status::ConditionNotMet("the metadata kept changing; try again"));
}

}  // namespace

void AddInstancesCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("instances", "Virtual machines (QEMU on the local cloud)");
  g->require_subcommand(1);
  {
    auto f = std::make_shared<CreateFlags>();
    CLI::App* c = g->add_subcommand("create", "Create and start an instance from an image");
    c->add_option("NAME", f->name, "Instance name")->required();
    AddInstanceFlags(c, &f->vm,
                     "Boot from the family's newest usable image (resolved now, then recorded)");
    c->add_option("--disk", f->disks,
                  "Attach an existing disk: name=DISK[,device-name=X][,auto-delete=yes]");
    c->add_option("--private-network-ip", f->private_network_ip,
                  "Its address on the project's network (10.128.0.0/20; default: the next free)");
    c->add_flag("--deletion-protection", f->deletion_protection,
                "Refuse to delete the instance until this is cleared (instances update)");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer(
        "Example:\n  imago instances create web-1 --image-family app --ports 80 \\\n"
        "      --metadata-from-file startup-script=boot.sh\n"
        "  curl http://$(imago instances describe web-1 --format json | "
        "jq -r '.forwardedPorts[0] | \"\\(.hostIp):\\(.hostPort)\"')/health");
    c->callback([&ctx, f] { ctx.exit_code = RunCreate(ctx, *f); });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    auto zones = std::make_shared<std::vector<std::string>>();
    CLI::App* c = g->add_subcommand("list", "List instances of every zone (or of --zones)");
    AddListFlags(c, lf.get(), "status = RUNNING");
    c->add_option("--zones", *zones, "Only these zones (ZONE,...); default: every zone, as gcloud")
        ->delimiter(',');
    c->footer(
        "Example:\n  imago instances list --filter 'labels.env = dev'\n  imago instances list "
        "--zones local-a");
    c->callback([&ctx, lf, zones] {
      compute::Service* svc = ctx.Service("instances.list");
      if (!svc) return;
      auto only = ListZones(ctx, *svc, *zones);
      if (!only.ok()) {
        ctx.exit_code = ctx.Fail("instances.list", only.status());
        return;
      }
      ctx.exit_code = RunList<compute::Instance>(
          ctx, "instances.list", *lf, InstanceColumns(),
          ZonalList<compute::Instance>(*only, [&](const compute::ListOptions& o) {
            return svc->instances().AggregatedList(ctx.g.project, o);
          }));
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("describe", "Show one instance");
    c->add_option("NAME", *name, "Instance name or id")->required();
    c->footer("Example:\n  imago instances describe web-1 --format json");
    c->callback([&ctx, name] { ctx.exit_code = RunDescribe(ctx, *name); });
  }
  using Method = compute::Result<compute::Operation> (compute::Instances::*)(
      const std::string&, const std::string&, const std::string&, const compute::MutationOptions&);
  struct Verb {
    const char* name;
    const char* help;
    const char* cmd;
    const char* progress;
    Method fn;
    bool describe_after;
  };
  for (const Verb& v : {
           Verb{"start", "Start stopped instances", "instances.start", "Starting",
                &compute::Instances::Start, true},
           Verb{"stop", "Power instances off (ACPI; ended after a grace period)", "instances.stop",
                "Stopping", &compute::Instances::Stop, true},
           Verb{"reset", "Hard-reset running instances", "instances.reset", "Resetting",
                &compute::Instances::Reset, true},
           Verb{"delete", "Delete instances and their auto-delete disks", "instances.delete",
                "Deleting", &compute::Instances::Delete, false},
       }) {
    CLI::App* c = g->add_subcommand(v.name, v.help);
    c->footer(std::string("Example:\n  imago instances ") + v.name + " web-1");
    Method fn = v.fn;
    std::function<int(compute::Service&, const std::string&)> describe;
    if (v.describe_after) {
      describe = [&ctx](compute::Service& svc, const std::string& n) {
        return Describe(ctx, svc, n);
      };
    }
    AddNamesVerb(
        c, ctx, v.cmd, v.progress,
        [&ctx, fn](compute::Service& svc,
                   const std::string& n) -> compute::Result<compute::Operation> {
          auto op = (svc.instances().*fn)(ctx.g.project, ctx.g.zone, n, {});
          if (op.ok()) return op;
          // Never acted on in another zone: said where it is.
          return WithZones(op.status(), "instance", n,
                           ZonesHolding(n, [&](const compute::ListOptions& o) {
                             return svc.instances().AggregatedList(ctx.g.project, o);
                           }));
        },
        describe);
  }
  {
    auto name = std::make_shared<std::string>();
    auto on = std::make_shared<bool>(false);
    auto off = std::make_shared<bool>(false);
    CLI::App* c = g->add_subcommand("update", "Change an instance's deletion protection");
    c->add_option("NAME", *name, "Instance name")->required();
    c->add_flag("--deletion-protection", *on, "Refuse deletes of this instance");
    c->add_flag("--no-deletion-protection", *off, "Allow deletes again");
    c->footer("Example:\n  imago instances update db-1 --deletion-protection");
    c->callback([&ctx, name, on, off] { ctx.exit_code = RunUpdate(ctx, *name, *on, *off); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto start = std::make_shared<int64_t>(0);
    CLI::App* c = g->add_subcommand("get-serial-port-output", "Print the serial console");
    c->add_option("NAME", *name, "Instance name")->required();
    c->add_option("--start", *start, "Byte offset to start from (negative: from the end)");
    c->footer("Example:\n  imago instances get-serial-port-output web-1 --start -2000");
    c->callback([&ctx, name, start] { ctx.exit_code = RunSerialOutput(ctx, *name, *start); });
  }
  {
    auto f = std::make_shared<DiskFlags>();
    CLI::App* c = g->add_subcommand("attach-disk", "Attach a disk to a stopped instance");
    c->add_option("NAME", f->name, "Instance name")->required();
    c->add_option("--disk", f->disk, "The disk")->required();
    c->add_option("--device-name", f->device, "Device name in the guest (default: the disk's)");
    c->add_flag("--auto-delete", f->auto_delete, "Delete the disk with the instance");
    c->footer("Example:\n  imago instances attach-disk db-2 --disk data");
    c->callback([&ctx, f] { ctx.exit_code = RunAttachDisk(ctx, *f); });
  }
  {
    auto f = std::make_shared<DiskFlags>();
    CLI::App* c = g->add_subcommand("detach-disk", "Detach a disk from a stopped instance");
    c->add_option("NAME", f->name, "Instance name")->required();
    c->add_option("--disk", f->disk, "The disk");
    c->add_option("--device-name", f->device, "Or its device name");
    c->footer("Example:\n  imago instances detach-disk db-1 --disk data");
    c->callback([&ctx, f] { ctx.exit_code = RunDetachDisk(ctx, *f); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto metadata = std::make_shared<std::string>();
    auto from_file = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("add-metadata", "Add or change metadata items");
    c->add_option("NAME", *name, "Instance name")->required();
    c->add_option("--metadata", *metadata, "KEY=VALUE,...");
    c->add_option("--metadata-from-file", *from_file, "KEY=PATH,...");
    c->footer("Example:\n  imago instances add-metadata web-1 --metadata env=dev");
    c->callback([&ctx, name, metadata, from_file] {
      ctx.exit_code = RunAddMetadata(ctx, *name, *metadata, *from_file);
    });
  }
  AddInstancesSshCommand(g, ctx);
  AddInstancesReplaceCommand(g, ctx);
}

}  // namespace imago::cli
