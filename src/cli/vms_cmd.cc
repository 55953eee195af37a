// imago instances | disks | snapshots | zones: virtual machines on the
// local cloud, shaped like `gcloud compute instances` and friends.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "compute/json_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"
#include "localcloud/local_cloud.h"

namespace imago::cli {

using compute::Status;

namespace {

std::string Last(const Json& j, const std::string& key) {
  return compute::LastSegment(Field(j, key));
}

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
          {"ZONE", [](const Json& j) { return Last(j, "zone"); }},
          {"MACHINE_TYPE", [](const Json& j) { return Last(j, "machineType"); }},
          {"INTERNAL_IP", [](const Json& j) { return Field(j, "networkInterfaces.0.networkIP"); }},
          {"PORTS", PortsCell},
          {"STATUS", [](const Json& j) { return Field(j, "status"); }}};
}

std::vector<Column> DiskColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"ZONE", [](const Json& j) { return Last(j, "zone"); }},
          {"SIZE_GB", [](const Json& j) { return Field(j, "sizeGb"); }},
          {"SOURCE",
           [](const Json& j) {
             std::string s = Last(j, "sourceImage");
             return s.empty() ? Last(j, "sourceSnapshot") : s;
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

template <typename T>
void PrintOne(Context& ctx, const T& resource, const std::vector<Column>& cols) {
  Json j = compute::ToJson(resource);
  Format f = ctx.OutputFormat(Format::kTable);
  if (f == Format::kTable) {
    PrintTable(std::cout, {j}, cols);
  } else {
    PrintResource(std::cout, f, j);
  }
}

// Shared by the list commands: every page, then --limit.
template <typename T, typename ListFn>
void RunList(Context& ctx, const char* cmd, const std::string& filter, int64_t limit,
             const std::vector<Column>& cols, const ListFn& list) {
  compute::ListOptions opts;
  opts.filter = filter;
  std::vector<Json> rows;
  while (true) {
    compute::Result<compute::ListPage<T>> page = list(opts);
    if (!page.ok()) {
      ctx.Fail(cmd, page.status());
      return;
    }
    for (const auto& x : page->items) rows.push_back(compute::ToJson(x));
    if (page->next_page_token.empty()) break;
    opts.page_token = page->next_page_token;
  }
  if (limit >= 0 && rows.size() > static_cast<size_t>(limit)) rows.resize(limit);
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows, cols);
}

struct CreateInstanceFlags {
  std::string name, image, image_family, image_project, machine_type, metadata, metadata_from_file,
      labels, ports, description, request_id;
  std::vector<std::string> disks;
  int64_t boot_disk_size = 0;
  bool keep_boot_disk = false;
};

int RunCreateInstance(Context& ctx, const CreateInstanceFlags& f) {
  const char* cmd = "instances.create";
  if (f.image.empty() == f.image_family.empty()) {
    return ctx.Usage(cmd, "give exactly one of --image and --image-family");
  }
  compute::Instance in;
  in.name = f.name;
  in.description = f.description;
  in.machine_type = f.machine_type;
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
  if (int rc = ctx.Check(cmd, svc->InsertInstance(ctx.g.project, ctx.g.zone, in, opts))) return rc;
  auto created = svc->GetInstance(ctx.g.project, ctx.g.zone, f.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  if (!f.image_family.empty()) {
    auto disk = svc->GetDisk(ctx.g.project, ctx.g.zone,
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

// Adds a NAME... positional and runs `fn` for each, stopping at the first failure.
void EachName(CLI::App* c, Context& ctx, const char* cmd, const char* verb,
              const std::function<compute::Result<compute::Operation>(compute::Service&,
                                                                      const std::string&)>& fn,
              bool describe_after) {
  auto names = std::make_shared<std::vector<std::string>>();
  c->add_option("NAME", *names, "Names")->required();
  c->callback([&ctx, names, cmd, verb, fn, describe_after] {
    compute::Service* svc = ctx.Service(cmd);
    if (!svc) return;
    for (const auto& name : *names) {
      std::cerr << verb << " [" << name << "]...";
      auto op = fn(*svc, name);
      std::cerr << (op.ok() && !op->failed() ? "done.\n" : "failed.\n");
      if (ctx.Check(cmd, op)) return;
      if (describe_after) {
        auto in = svc->GetInstance(ctx.g.project, ctx.g.zone, name);
        if (!in.ok()) {
          ctx.Fail(cmd, in.status());
          return;
        }
        PrintOne(ctx, *in, InstanceColumns());
      } else if (ctx.OutputFormat(Format::kTable) != Format::kTable) {
        PrintResource(std::cout, ctx.OutputFormat(Format::kJson), compute::ToJson(*op));
      }
    }
  });
}

void AddInstances(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("instances", "Virtual machines (QEMU on the local cloud)");
  g->require_subcommand(1);
  {
    auto f = std::make_shared<CreateInstanceFlags>();
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
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer(
        "Example:\n  imago instances create web-1 --image-family app --ports 80 \\\n"
        "      --metadata-from-file startup-script=boot.sh\n"
        "  curl http://$(imago instances describe web-1 --format json | "
        "jq -r '.forwardedPorts[0] | \"\\(.hostIp):\\(.hostPort)\"')/health");
    c->callback([&ctx, f] { ctx.exit_code = RunCreateInstance(ctx, *f); });
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
      RunList<compute::Instance>(ctx, "instances.list", *filter, *limit, InstanceColumns(),
                                 [&](const compute::ListOptions& o) {
                                   return svc->ListInstances(ctx.g.project, ctx.g.zone, o);
                                 });
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("describe", "Show one instance");
    c->add_option("NAME", *name, "Instance name or id")->required();
    c->footer("Example:\n  imago instances describe web-1 --format json");
    c->callback([&ctx, name] {
      compute::Service* svc = ctx.Service("instances.describe");
      if (!svc) return;
      auto in = svc->GetInstance(ctx.g.project, ctx.g.zone, *name);
      if (!in.ok()) {
        ctx.Fail("instances.describe", in.status());
        return;
      }
      PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*in));
    });
  }
  struct Verb {
    const char* name;
    const char* help;
    const char* cmd;
    const char* progress;
    compute::Result<compute::Operation> (compute::Service::*fn)(const std::string&,
                                                                const std::string&,
                                                                const std::string&,
                                                                const compute::MutationOptions&);
    bool describe_after;
  };
  for (const Verb& v : {
           Verb{"start", "Start stopped instances", "instances.start", "Starting",
                &compute::Service::StartInstance, true},
           Verb{"stop", "Power instances off (ACPI; ended after a grace period)", "instances.stop",
                "Stopping", &compute::Service::StopInstance, true},
           Verb{"reset", "Hard-reset running instances", "instances.reset", "Resetting",
                &compute::Service::ResetInstance, true},
           Verb{"delete", "Delete instances and their auto-delete disks", "instances.delete",
                "Deleting", &compute::Service::DeleteInstance, false},
       }) {
    CLI::App* c = g->add_subcommand(v.name, v.help);
    c->footer(std::string("Example:\n  imago instances ") + v.name + " web-1");
    auto fn = v.fn;
    EachName(
        c, ctx, v.cmd, v.progress,
        [&ctx, fn](compute::Service& svc, const std::string& name) {
          return (svc.*fn)(ctx.g.project, ctx.g.zone, name, {});
        },
        v.describe_after);
  }
  {
    auto name = std::make_shared<std::string>();
    auto start = std::make_shared<int64_t>(0);
    CLI::App* c = g->add_subcommand("get-serial-port-output", "Print the serial console");
    c->add_option("NAME", *name, "Instance name")->required();
    c->add_option("--start", *start, "Byte offset to start from (negative: from the end)");
    c->footer("Example:\n  imago instances get-serial-port-output web-1 --start -2000");
    c->callback([&ctx, name, start] {
      const char* cmd = "instances.get-serial-port-output";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto out = svc->GetSerialPortOutput(ctx.g.project, ctx.g.zone, *name, 1, *start);
      if (!out.ok()) {
        ctx.Fail(cmd, out.status());
        return;
      }
      Format f = ctx.OutputFormat(Format::kTable);
      if (f == Format::kTable) {
        std::cout << out->contents;
        std::cerr << "\nSpecify --start=" << out->next << " in the next call to get only the new "
                  << "output.\n";
      } else {
        PrintResource(std::cout, f, compute::ToJson(*out));
      }
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto disk = std::make_shared<std::string>();
    auto device = std::make_shared<std::string>();
    auto auto_delete = std::make_shared<bool>(false);
    CLI::App* c = g->add_subcommand("attach-disk", "Attach a disk to a stopped instance");
    c->add_option("NAME", *name, "Instance name")->required();
    c->add_option("--disk", *disk, "The disk")->required();
    c->add_option("--device-name", *device, "Device name in the guest (default: the disk's)");
    c->add_flag("--auto-delete", *auto_delete, "Delete the disk with the instance");
    c->footer("Example:\n  imago instances attach-disk db-2 --disk data");
    c->callback([&ctx, name, disk, device, auto_delete] {
      const char* cmd = "instances.attach-disk";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      compute::AttachedDisk d;
      d.source = *disk;
      d.device_name = *device;
      d.auto_delete = *auto_delete;
      if (ctx.Check(cmd, svc->AttachDisk(ctx.g.project, ctx.g.zone, *name, d, {}))) return;
      std::cerr << "Attached disk " << *disk << " to [" << *name << "].\n";
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto disk = std::make_shared<std::string>();
    auto device = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("detach-disk", "Detach a disk from a stopped instance");
    c->add_option("NAME", *name, "Instance name")->required();
    c->add_option("--disk", *disk, "The disk");
    c->add_option("--device-name", *device, "Or its device name");
    c->footer("Example:\n  imago instances detach-disk db-1 --disk data");
    c->callback([&ctx, name, disk, device] {
      const char* cmd = "instances.detach-disk";
      if (disk->empty() == device->empty()) {
        ctx.Usage(cmd, "give exactly one of --disk and --device-name");
        return;
      }
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      std::string dev = *device;
      if (dev.empty()) {
        auto in = svc->GetInstance(ctx.g.project, ctx.g.zone, *name);
        if (!in.ok()) {
          ctx.Fail(cmd, in.status());
          return;
        }
        for (const auto& d : in->disks) {
          if (compute::LastSegment(d.source) == *disk) dev = d.device_name;
        }
        if (dev.empty()) {
          ctx.Fail(cmd, Status::InvalidField("--disk", *disk,
                                             "This disk is not attached to " + *name + "."));
          return;
        }
      }
      if (ctx.Check(cmd, svc->DetachDisk(ctx.g.project, ctx.g.zone, *name, dev, {}))) return;
      std::cerr << "Detached disk " << (disk->empty() ? dev : *disk) << " from [" << *name
                << "].\n";
    });
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
      const char* cmd = "instances.add-metadata";
      auto md = ParseKeyValues("--metadata", *metadata);
      if (!md.ok()) {
        ctx.Fail(cmd, md.status());
        return;
      }
      std::vector<std::pair<std::string, std::string>> add;
      for (const auto& [k, v] : *md) add.emplace_back(k, v);
      Status st = AddMetadataFromFiles("--metadata-from-file", *from_file, &add);
      if (!st.ok()) {
        ctx.Fail(cmd, st);
        return;
      }
      if (add.empty()) {
        ctx.Usage(cmd, "give --metadata or --metadata-from-file");
        return;
      }
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      // Read, change, write with the fingerprint; retry when someone else wrote meanwhile.
      for (int attempt = 0; attempt < 20; ++attempt) {
        auto in = svc->GetInstance(ctx.g.project, ctx.g.zone, *name);
        if (!in.ok()) {
          ctx.Fail(cmd, in.status());
          return;
        }
        compute::Metadata m = in->metadata;
        for (const auto& [k, v] : add) SetItem(&m.items, k, v);
        auto op = svc->SetInstanceMetadata(ctx.g.project, ctx.g.zone, *name, m, {});
        if (!op.ok() && op.status().code() == compute::Code::kConditionNotMet) continue;
        if (ctx.Check(cmd, op)) return;
        std::cerr << "Updated [" << in->self_link << "].\n";
        return;
      }
      ctx.Fail(cmd, Status::ConditionNotMet("the metadata kept changing; try again"));
    });
  }
}

void AddDisks(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("disks", "Persistent disks (copy-on-write over images)");
  g->require_subcommand(1);
  {
    struct Flags {
      std::string name, image, image_family, snapshot, labels, description, request_id;
      int64_t size = 0;
    };
    auto f = std::make_shared<Flags>();
    CLI::App* c = g->add_subcommand("create", "Create a disk: blank, from an image or a snapshot");
    c->add_option("NAME", f->name, "Disk name")->required();
    c->add_option("--image", f->image, "Source image");
    c->add_option("--image-family", f->image_family, "Source family (resolved now)");
    c->add_option("--source-snapshot", f->snapshot, "Source snapshot");
    c->add_option("--size", f->size, "Size in GB (default: the source's, or 10 when blank)");
    c->add_option("--labels", f->labels, "KEY=VALUE,...");
    c->add_option("--description", f->description, "Description");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer("Example:\n  imago disks create data --image-family base --size 2");
    c->callback([&ctx, f] {
      const char* cmd = "disks.create";
      if (!f->image.empty() + !f->image_family.empty() + !f->snapshot.empty() > 1) {
        ctx.Usage(cmd, "give at most one of --image, --image-family, --source-snapshot");
        return;
      }
      compute::Disk d;
      d.name = f->name;
      d.description = f->description;
      d.size_gb = f->size;
      auto labels = ParseKeyValues("--labels", f->labels);
      if (!labels.ok()) {
        ctx.Fail(cmd, labels.status());
        return;
      }
      d.labels = *labels;
      d.source_image =
          !f->image_family.empty() ? "global/images/family/" + f->image_family : f->image;
      d.source_snapshot = f->snapshot;
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      compute::MutationOptions opts;
      opts.request_id = f->request_id;
      if (ctx.Check(cmd, svc->InsertDisk(ctx.g.project, ctx.g.zone, d, opts))) return;
      auto created = svc->GetDisk(ctx.g.project, ctx.g.zone, f->name);
      if (!created.ok()) {
        ctx.Fail(cmd, created.status());
        return;
      }
      std::cerr << "Created [" << created->self_link << "].\n";
      PrintOne(ctx, *created, DiskColumns());
    });
  }
  {
    auto filter = std::make_shared<std::string>();
    auto limit = std::make_shared<int64_t>(-1);
    CLI::App* c = g->add_subcommand("list", "List disks of the zone");
    c->add_option("--filter", *filter, "API filter, e.g. 'status = READY'");
    c->add_option("--limit", *limit, "At most this many");
    c->footer("Example:\n  imago disks list --format json");
    c->callback([&ctx, filter, limit] {
      compute::Service* svc = ctx.Service("disks.list");
      if (!svc) return;
      RunList<compute::Disk>(ctx, "disks.list", *filter, *limit, DiskColumns(),
                             [&](const compute::ListOptions& o) {
                               return svc->ListDisks(ctx.g.project, ctx.g.zone, o);
                             });
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("describe", "Show one disk");
    c->add_option("NAME", *name, "Disk name or id")->required();
    c->footer("Example:\n  imago disks describe data");
    c->callback([&ctx, name] {
      compute::Service* svc = ctx.Service("disks.describe");
      if (!svc) return;
      auto d = svc->GetDisk(ctx.g.project, ctx.g.zone, *name);
      if (!d.ok()) {
        ctx.Fail("disks.describe", d.status());
        return;
      }
      PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*d));
    });
  }
  {
    CLI::App* c = g->add_subcommand("delete", "Delete disks (refused while attached)");
    c->footer("Example:\n  imago disks delete data");
    EachName(
        c, ctx, "disks.delete", "Deleting",
        [&ctx](compute::Service& svc, const std::string& name) {
          return svc.DeleteDisk(ctx.g.project, ctx.g.zone, name, {});
        },
        false);
  }
  {
    auto disk = std::make_shared<std::string>();
    auto names = std::make_shared<std::string>();
    auto description = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("snapshot", "Snapshot a disk (a running VM pauses briefly)");
    c->add_option("DISK", *disk, "Disk name")->required();
    c->add_option("--snapshot-names", *names, "Name of the snapshot")->required();
    c->add_option("--description", *description, "Description");
    c->footer("Example:\n  imago disks snapshot data --snapshot-names data-20261126");
    c->callback([&ctx, disk, names, description] {
      const char* cmd = "disks.snapshot";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      compute::Snapshot s;
      s.name = *names;
      s.description = *description;
      std::cerr << "Creating snapshot(s) " << *names << "...";
      auto op = svc->CreateSnapshot(ctx.g.project, ctx.g.zone, *disk, s, {});
      std::cerr << (op.ok() && !op->failed() ? "done.\n" : "failed.\n");
      if (ctx.Check(cmd, op)) return;
      auto created = svc->GetSnapshot(ctx.g.project, *names);
      if (!created.ok()) {
        ctx.Fail(cmd, created.status());
        return;
      }
      PrintOne(ctx, *created, SnapshotColumns());
    });
  }
}

void AddSnapshots(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("snapshots", "Disk snapshots (global)");
  g->require_subcommand(1);
  {
    auto filter = std::make_shared<std::string>();
    auto limit = std::make_shared<int64_t>(-1);
    CLI::App* c = g->add_subcommand("list", "List snapshots");
    c->add_option("--filter", *filter, "API filter");
    c->add_option("--limit", *limit, "At most this many");
    c->footer("Example:\n  imago snapshots list");
    c->callback([&ctx, filter, limit] {
      compute::Service* svc = ctx.Service("snapshots.list");
      if (!svc) return;
      RunList<compute::Snapshot>(
          ctx, "snapshots.list", *filter, *limit, SnapshotColumns(),
          [&](const compute::ListOptions& o) { return svc->ListSnapshots(ctx.g.project, o); });
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("describe", "Show one snapshot");
    c->add_option("NAME", *name, "Snapshot name or id")->required();
    c->footer("Example:\n  imago snapshots describe data-20261126");
    c->callback([&ctx, name] {
      compute::Service* svc = ctx.Service("snapshots.describe");
      if (!svc) return;
      auto s = svc->GetSnapshot(ctx.g.project, *name);
      if (!s.ok()) {
        ctx.Fail("snapshots.describe", s.status());
        return;
      }
      PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*s));
    });
  }
  {
    CLI::App* c = g->add_subcommand("delete", "Delete snapshots");
    c->footer("Example:\n  imago snapshots delete data-20261126");
    EachName(
        c, ctx, "snapshots.delete", "Deleting",
        [&ctx](compute::Service& svc, const std::string& name) {
          return svc.DeleteSnapshot(ctx.g.project, name, {});
        },
        false);
  }
}

void AddZones(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("zones", "Zones of the cloud");
  g->require_subcommand(1);
  CLI::App* c = g->add_subcommand("list", "List zones");
  c->footer("Example:\n  imago zones list");
  c->callback([&ctx] {
    compute::Service* svc = ctx.Service("zones.list");
    if (!svc) return;
    auto zones = svc->ListZones(ctx.g.project);
    if (!zones.ok()) {
      ctx.Fail("zones.list", zones.status());
      return;
    }
    std::vector<Json> rows;
    for (const auto& z : *zones) rows.push_back(compute::ToJson(z));
    PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows,
              {{"NAME", [](const Json& j) { return Field(j, "name"); }},
               {"REGION", [](const Json& j) { return Last(j, "region"); }},
               {"STATUS", [](const Json& j) { return Field(j, "status"); }}});
  });
}

// `imago __metadata`: run by QEMU for each guest connection to the metadata
// server, with the connection on stdin/stdout. Not for people.
void AddMetadataServer(CLI::App& root, Context& ctx) {
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
    localcloud::LocalCloudOptions opts;
    opts.home = f->home;
    opts.recover = false;  // Only reads; never acts on VMs.
    auto cloud = localcloud::LocalCloud::Open(opts);
    if (!cloud.ok()) {
      ctx.exit_code = kExitUnavailable;
      return;
    }
    (*cloud)->ServeMetadata(f->project, f->zone, f->instance);
  });
}

}  // namespace

void AddVmCommands(CLI::App& root, Context& ctx) {
  AddInstances(root, ctx);
  AddDisks(root, ctx);
  AddSnapshots(root, ctx);
  AddZones(root, ctx);
  AddMetadataServer(root, ctx);
}

}  // namespace imago::cli
