// imago instances ...: virtual machines, shaped like `gcloud compute instances`.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
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

// Reads KEY=PATH pairs into metadata items.
Status AddMetadataFromFiles(const std::string& flag, const std::string& text,
                            std::vector<std::pair<std::string, std::string>>* items) {
  auto pairs = ParseKeyValues(flag, text);
  if (!pairs.ok()) return pairs.status();
  for (const auto& [key, path] : *pairs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::InvalidField(flag, key + "=" + path, "Cannot read the file " + path + ".");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    items->emplace_back(key, ss.str());
  }
  return Status::OK();
}

// Sets `key` in items, replacing an earlier value.
void SetItem(std::vector<std::pair<std::string, std::string>>* items, const std::string& key,
             const std::string& value) {
  for (auto& [k, v] : *items) {
    if (k == key) {
      v = value;
      return;
    }
  }
  items->emplace_back(key, value);
}

struct CreateFlags {
  std::string name, image, image_family, image_project, machine_type, metadata, metadata_from_file,
      labels, ports, description, request_id;
  std::vector<std::string> disks;
  int64_t boot_disk_size = 0;
  bool keep_boot_disk = false;
  bool deletion_protection = false;
};

int RunCreate(Context& ctx, const CreateFlags& f) {
  const char* cmd = "instances.create";
  if (f.image.empty() == f.image_family.empty()) {
    return ctx.Usage(cmd, "give exactly one of --image and --image-family");
  }
  compute::Instance in;
  in.name = f.name;
  in.description = f.description;
  in.machine_type = f.machine_type;
  if (f.deletion_protection) in.extra["deletionProtection"] = true;
  auto labels = ParseKeyValues("--labels", f.labels);
  if (!labels.ok()) return ctx.Fail(cmd, labels.status());
  in.labels = *labels;
  auto md = ParseKeyValues("--metadata", f.metadata);
  if (!md.ok()) return ctx.Fail(cmd, md.status());
  for (const auto& [k, v] : *md) in.metadata.items.emplace_back(k, v);
  Status st =
      AddMetadataFromFiles("--metadata-from-file", f.metadata_from_file, &in.metadata.items);
  if (!st.ok()) return ctx.Fail(cmd, st);
  if (!f.ports.empty()) SetItem(&in.metadata.items, "imago-ports", f.ports);
  std::string project = f.image_project.empty() ? "" : "projects/" + f.image_project + "/";
  compute::AttachedDisk boot;
  boot.boot = true;
  boot.auto_delete = !f.keep_boot_disk;
  compute::InitializeParams params;
  params.source_image = f.image.empty() ? project + "global/images/family/" + f.image_family
                        : f.image.find('/') == std::string::npos
                            ? project + "global/images/" + f.image
                            : f.image;
  params.disk_size_gb = f.boot_disk_size;
  boot.initialize_params = params;
  in.disks.push_back(boot);
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
  if (!f.image_family.empty()) {
    auto disk = svc->disks().Get(ctx.g.project, ctx.g.zone,
                                 compute::LastSegment(created->disks.front().source));
    if (disk.ok()) {
      std::cerr << "Resolved family " << f.image_family << " to image "
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
    c->add_option("--image", f->image, "Boot image: a name or a URL");
    c->add_option("--image-family", f->image_family,
                  "Boot from the family's newest usable image (resolved now, then recorded)");
    c->add_option("--image-project", f->image_project, "Project of the image");
    c->add_option("--machine-type", f->machine_type,
                  "e2-micro (default), e2-small, e2-medium, ... or custom-CPUS-MEMORY_MB");
    c->add_option("--metadata", f->metadata, "KEY=VALUE,... for the metadata server");
    c->add_option("--metadata-from-file", f->metadata_from_file,
                  "KEY=PATH,... e.g. startup-script=boot.sh");
    c->add_option("--labels", f->labels, "KEY=VALUE,...");
    c->add_option("--ports", f->ports,
                  "Guest TCP ports to forward to 127.0.0.1: GUEST (a free host port) or "
                  "HOST:GUEST, comma-separated");
    c->add_option("--disk", f->disks,
                  "Attach an existing disk: name=DISK[,device-name=X][,auto-delete=yes]");
    c->add_option("--boot-disk-size", f->boot_disk_size, "Boot disk size in GB");
    c->add_flag("--keep-boot-disk", f->keep_boot_disk,
                "Keep the boot disk when the instance is deleted (autoDelete off)");
    c->add_option("--description", f->description, "Description");
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
    auto filter = std::make_shared<std::string>();
    auto limit = std::make_shared<int64_t>(-1);
    CLI::App* c = g->add_subcommand("list", "List instances of the zone");
    c->add_option("--filter", *filter, "API filter, e.g. 'status = RUNNING'");
    c->add_option("--limit", *limit, "At most this many");
    c->footer("Example:\n  imago instances list --filter 'labels.env = dev'");
    c->callback([&ctx, filter, limit] {
      compute::Service* svc = ctx.Service("instances.list");
      if (!svc) return;
      ctx.exit_code =
          RunList<compute::Instance>(ctx, "instances.list", *filter, *limit, InstanceColumns(),
                                     [&](const compute::ListOptions& o) {
                                       return svc->instances().List(ctx.g.project, ctx.g.zone, o);
                                     });
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
        [&ctx, fn](compute::Service& svc, const std::string& n) {
          return (svc.instances().*fn)(ctx.g.project, ctx.g.zone, n, {});
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
}

}  // namespace imago::cli
