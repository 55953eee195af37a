#include "localcloud/local_instances.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "compute/aggregate.h"
#include "compute/filter.h"
#include "compute/names.h"
#include "compute/vm_codec.h"
#include "localcloud/content_gc.h"
#include "localcloud/instance_checks.h"
#include "localcloud/journal.h"
#include "localcloud/list_util.h"
#include "localcloud/local_disks.h"
#include "localcloud/local_zones.h"
#include "localcloud/machine_types.h"
#include "localcloud/qemu.h"
#include "localcloud/unsupported.h"
#include "localcloud/vm_boot.h"
#include "localcloud/vpc.h"

namespace imago::localcloud {

using compute::AttachedDisk;
using compute::Disk;
using compute::Instance;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Metadata;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

constexpr const char* kBootCmdline = "root=/dev/nvme0n1 rw console=ttyS0 panic=-1";

// "projects/..." of a resource URL (the form GCE's messages use).
std::string PathOf(const std::string& url) {
  size_t p = url.find("projects/");
  return p == std::string::npos ? url : url.substr(p);
}

Status InUse(const std::string& project, const std::string& zone, const Disk& d) {
  return Status::ResourceInUse(fmt::format("The disk resource '{}' is already being used by '{}'",
                                           compute::ZonalPath(project, zone, "disks", d.name),
                                           PathOf(d.users.at(0))));
}

Status StoppedOnly(const std::string& project, const std::string& zone, const std::string& name,
                   const std::string& status, const char* verb) {
  return Status::NotReady(fmt::format(
      "The instance '{}' is {}: the local cloud {} disks {} stopped instances only. Stop it "
      "first (imago instances stop {}).",
      compute::ZonalPath(project, zone, "instances", name), status, verb,
      std::string(verb) == "attaches" ? "to" : "from", name));
}

}  // namespace

// ---------------------------------------------------------------- liveness

Status LocalInstances::MarkDeadLocked(ResourceRow* row) {
  if (row->status() != "RUNNING" || VmAlive(row->local.value("pid", 0), s_.RunDir(row->id))) {
    return Status::OK();
  }
  row->resource["status"] = "TERMINATED";
  row->resource["lastStopTimestamp"] = s_.Now3339();
  row->resource.erase("forwardedPorts");
  row->local["pid"] = 0;
  return s_.catalog().UpdateResource(*row);
}

Status LocalInstances::Refresh(ResourceRow* row) {
  if (row->status() != "RUNNING" || VmAlive(row->local.value("pid", 0), s_.RunDir(row->id))) {
    return Status::OK();
  }
  std::lock_guard lock(s_.mu());
  return s_.catalog().db().WriteTxn([&]() -> Status {
    auto again = s_.catalog().FindResourceById(row->id);
    if (!again.ok()) return again.status();
    if (!again->has_value()) return Status::OK();
    *row = std::move(**again);
    return MarkDeadLocked(row);
  });
}

// ---------------------------------------------------------------- boot

Status LocalInstances::Boot(const std::string& project, Instance* in, ResourceRow* row) {
  std::string zone = compute::LastSegment(in->zone);
  auto type = ResolveMachineType("instance.machineType", compute::LastSegment(in->machine_type));
  if (!type.ok()) return type.status();
  BootRequest req;
  req.vm.name = in->name;
  req.vm.run_dir = s_.RunDir(in->id);
  req.vm.cpus = type->cpus;
  req.vm.memory_mb = type->memory_mb;
  req.vm.cmdline = kBootCmdline;
  std::string boot_content;
  req.boot_format = "qcow2";
  {
    std::lock_guard lock(s_.mu());
    std::vector<const AttachedDisk*> order;
    for (const auto& d : in->disks) {
      if (d.boot) {
        order.insert(order.begin(), &d);
      } else {
        order.push_back(&d);
      }
    }
    for (const AttachedDisk* d : order) {
      auto disk =
          s_.catalog().FindResource(kDiskKind, project, zone, compute::LastSegment(d->source));
      if (!disk.ok()) return disk.status();
      if (!disk->has_value()) return Status::ResourceNotFound(d->source);
      req.vm.disks.push_back({s_.DiskFile((*disk)->id), "qcow2", d->device_name});
      if (d->boot) {
        boot_content = (*disk)->content;
        auto blob = s_.catalog().FindBlob(boot_content);
        if (blob.ok() && blob->has_value()) req.boot_format = (*blob)->disk.format;
      }
    }
  }
  mkdir((s_.home() + "/boot").c_str(), 0700);
  mkdir((s_.home() + "/run").c_str(), 0700);
  if (!boot_content.empty()) {
    req.boot_content = s_.store().BlobPath(boot_content);
    req.boot_cache_dir = s_.home() + "/boot/" + boot_content.substr(0, 32);
  }
  if (!s_.options().metadata_program.empty()) {
    req.vm.metadata_command = base::ShellQuote(s_.options().metadata_program) +
                              " __metadata --home " + base::ShellQuote(s_.home()) + " --project " +
                              project + " --zone " + zone + " --instance " + std::to_string(in->id);
  }
  // The instances' network: a second NIC on the project's switch.
  if (!in->network_interfaces.empty() && !in->network_interfaces[0].network_ip.empty()) {
    auto sock = EnsureSwitch(s_.home(), project);
    if (!sock.ok()) return sock.status();
    req.vm.vpc_socket = *sock;
    req.vm.vpc_mac = VpcMac(in->network_interfaces[0].network_ip);
  }
  auto wanted = ParsePorts(in->metadata.Get(kPortsKey).value_or(""));
  if (!wanted.ok()) return wanted.status();
  req.wanted = *wanted;
  if (std::none_of(req.wanted.begin(), req.wanted.end(),
                   [](const compute::ForwardedPort& p) { return p.guest_port == kSshGuestPort; })) {
    compute::ForwardedPort ssh;
    ssh.guest_port = kSshGuestPort;
    req.wanted.push_back(ssh);
  }
  // Keep the host ports of the last run when they are still free.
  for (const auto& p : in->forwarded_ports) req.previous[p.guest_port] = p.host_port;
  if (row->local.contains("ports") && row->local["ports"].is_object()) {
    for (const auto& [g, h] : row->local["ports"].items()) {
      if (h.is_number_integer()) req.previous[atoi(g.c_str())] = h.get<int>();
    }
  }
  auto booted = BootVm(std::move(req));
  if (!booted.ok()) return booted.status();
  in->forwarded_ports = booted->ports;
  row->local["pid"] = booted->pid;
  Json ports = Json::object();
  for (const auto& p : booted->ports) ports[std::to_string(p.guest_port)] = p.host_port;
  row->local["ports"] = ports;
  in->status = "RUNNING";
  in->last_start_timestamp = s_.Now3339();
  in->cpu_platform = KvmUsable() ? "Host (KVM)" : "QEMU TCG (software emulation)";
  return Status::OK();
}

// ---------------------------------------------------------------- insert

Result<Operation> LocalInstances::Insert(const std::string& project, const std::string& zone,
                                         const Instance& req, const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("instance.name", req.name));
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels("instance.labels", req.labels));
  IMAGO_RETURN_IF_ERROR(ValidateMetadata(req.metadata));
  IMAGO_RETURN_IF_ERROR(CheckSupported(req, "instance"));
  auto ports = ParsePorts(req.metadata.Get(kPortsKey).value_or(""));
  if (!ports.ok()) return ports.status();
  IMAGO_RETURN_IF_ERROR(CheckHostPortsFree(*ports));
  std::string type_name =
      req.machine_type.empty() ? kDefaultMachineType : compute::LastSegment(req.machine_type);
  auto type = ResolveMachineType("instance.machineType", type_name);
  if (!type.ok()) return type.status();
  if (req.disks.empty()) {
    return Status::Required(
        "Required field 'instance.disks' not specified: an instance needs a boot disk.");
  }
  int boots = 0;
  for (const auto& d : req.disks) boots += d.boot;
  if (boots > 1) return Status::Invalid("Only one disk of an instance may be the boot disk.");

  Instance in = req;
  in.metadata.fingerprint = compute::MetadataFingerprint(in.metadata.items);
  in.label_fingerprint = compute::LabelFingerprint(in.labels);
  in.zone = s_.ZoneLink(project, zone);
  in.machine_type = s_.Link(compute::ZonalPath(project, zone, "machineTypes", type_name));
  in.self_link = s_.Link(compute::ZonalPath(project, zone, "instances", in.name));
  compute::NetworkInterface nic;
  if (!req.network_interfaces.empty()) nic = req.network_interfaces[0];  // Its other fields stay.
  nic.name = "nic0";
  nic.network = s_.Link("projects/" + project + "/global/networks/default");
  if (!nic.subnetwork.empty()) {
    nic.subnetwork =
        s_.Link("projects/" + project + "/regions/" + RegionOfZone(zone) + "/subnetworks/default");
  }
  const std::string requested_ip = nic.network_ip;  // Allocated in the transaction below.
  compute::AccessConfig nat;
  if (!nic.access_configs.empty()) nat.extra = nic.access_configs[0].extra;
  nat.nat_ip = "127.0.0.1";
  nic.access_configs = {nat};
  in.network_interfaces = {nic};
  in.forwarded_ports.clear();
  in.status = "PROVISIONING";
  ResourceRow row;
  std::vector<ResourceRow> new_disks;
  auto w = BeginWork(s_, project, zone, "insert", opts, [&](Operation* op, WorkRecord* work) {
    Catalog& c = s_.catalog();
    auto existing = c.FindResource(kInstanceKind, project, zone, in.name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::ZonalPath(project, zone, "instances", in.name));
    }
    auto ip = AllocateNetworkIp(c, project, requested_ip);
    if (!ip.ok()) return ip.status();
    in.network_interfaces[0].network_ip = *ip;
    row.kind = kInstanceKind;
    row.project = project;
    row.zone = zone;
    row.name = in.name;
    row.id = s_.NewId();
    in.id = row.id;
    row.creation_us = s_.NowUs();
    in.creation_timestamp = compute::FormatRfc3339(row.creation_us);
    work->kind = WorkRecord::Kind::kCreate;
    work->instance = row.id;
    std::set<std::string> devices;
    for (size_t i = 0; i < in.disks.size(); ++i) {
      AttachedDisk& d = in.disks[i];
      std::string field = fmt::format("instance.disks[{}]", i);
      if (boots == 0 && i == 0) d.boot = true;
      d.index = static_cast<int>(i);
      d.type = "PERSISTENT";
      d.mode = "READ_WRITE";
      d.interface_ = "NVME";
      ResourceRow disk;
      Disk dv;
      if (d.initialize_params && d.source.empty()) {
        const auto& p = *d.initialize_params;
        Disk want;
        want.name = !p.disk_name.empty() ? p.disk_name
                    : d.boot             ? in.name
                                         : fmt::format("{}-{}", in.name, i);
        want.source_image = p.source_image;
        want.source_snapshot = p.source_snapshot;
        want.size_gb = p.disk_size_gb;
        want.type = p.disk_type;
        want.labels = p.labels;
        want.description = p.description;
        want.extra = p.extra;  // licenses, provisionedIops, ...: the disk's own fields.
        if (d.boot && want.source_image.empty() && want.source_snapshot.empty()) {
          return Status::Invalid(field +
                                 ".initializeParams: a boot disk needs a sourceImage or a "
                                 "sourceSnapshot.");
        }
        auto r = disks_.NewRow(project, zone, want, field + ".initializeParams", op);
        if (!r.ok()) return r.status();
        disk = std::move(r.value());
        for (const auto& nd : new_disks) {
          if (nd.name == disk.name) {
            return Status::ResourceExists(compute::ZonalPath(project, zone, "disks", disk.name));
          }
        }
        disk.resource["users"] = {in.self_link};
        IMAGO_RETURN_IF_ERROR(c.InsertResource(disk));
        work->disks.push_back(disk.id);
        new_disks.push_back(disk);
      } else if (!d.source.empty()) {
        auto ref = compute::ParseResourceRef(field + ".source", d.source, "disks", true);
        if (!ref.ok()) return ref.status();
        if (!ref->zone.empty() && ref->zone != zone) {
          return Status::InvalidField(field + ".source", d.source,
                                      "The disk must be in the instance's zone (" + zone + ").");
        }
        auto r = s_.LoadRow(kDiskKind, "disks", project, zone, ref->name);
        if (!r.ok()) return r.status();
        disk = std::move(r.value());
        auto parsed = compute::DiskFromJson(disk.resource);
        if (!parsed.ok()) return parsed.status();
        if (parsed->status != "READY") {
          return Status::NotReady("The disk " + disk.name + " is not READY.");
        }
        if (!parsed->users.empty()) return InUse(project, zone, *parsed);
        disk.resource["users"] = {in.self_link};
        disk.resource["lastAttachTimestamp"] = s_.Now3339();
        IMAGO_RETURN_IF_ERROR(c.UpdateResource(disk));
        work->attached.push_back(disk.id);
      } else {
        return Status::Invalid(field + ": give a source disk or initializeParams.");
      }
      auto parsed = compute::DiskFromJson(disk.resource);
      if (!parsed.ok()) return parsed.status();
      d.source = parsed->self_link;
      d.disk_size_gb = parsed->size_gb;
      if (d.device_name.empty()) d.device_name = disk.name;
      if (!devices.insert(d.device_name).second) {
        return Status::InvalidField(field + ".deviceName", d.device_name,
                                    "Device names must differ within an instance.");
      }
      d.initialize_params.reset();
      if (d.boot) row.source_image_id = disk.source_image_id;
    }
    row.resource = compute::ToJson(in);
    row.local = {{"pid", 0}};
    IMAGO_RETURN_IF_ERROR(c.InsertResource(row));
    op->target_link = in.self_link;
    op->target_id = row.id;
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  for (const auto& d : new_disks) {
    Status st = disks_.CreateFile(d);
    if (!st.ok()) return FailWork(s_, *w, st);
  }
  {
    std::lock_guard lock(s_.mu());
    Status st = s_.catalog().db().WriteTxn([&]() -> Status {
      for (auto& d : new_disks) {
        d.resource["status"] = "READY";
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(d));
      }
      in.status = "STAGING";
      row.resource = compute::ToJson(in);
      return s_.catalog().UpdateResource(row);
    });
    if (!st.ok()) return FailWork(s_, *w, st);
  }
  s_.MaybePause("instance-disks");
  Status st = Boot(project, &in, &row);
  if (!st.ok()) {
    auto failed = FailWork(s_, *w, st);
    (void)StopSwitchIfIdle(s_, project);  // Its boot may have started one.
    return failed;
  }
  s_.MaybePause("instance-launched");
  return EndWork(s_, *w, [&]() -> Status {
    row.resource = compute::ToJson(in);
    return s_.catalog().UpdateResource(row);
  });
}

// ---------------------------------------------------------------- reads

Result<Instance> LocalInstances::Get(const std::string& project, const std::string& zone,
                                     const std::string& instance) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  ResourceRow row;
  {
    std::lock_guard lock(s_.mu());
    auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
  }
  IMAGO_RETURN_IF_ERROR(Refresh(&row));
  return compute::InstanceFromJson(row.resource);
}

Result<ListPage<Instance>> LocalInstances::List(const std::string& project, const std::string& zone,
                                                const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  auto plan = internal::PlanList("instances", project, opts, compute::InstanceFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  // Liveness first, so that the filter sees each instance's real status.
  std::vector<ResourceRow> rows;
  {
    std::lock_guard lock(s_.mu());
    IMAGO_RETURN_IF_ERROR(s_.catalog().db().ReadTxn([&]() -> Status {
      return s_.catalog().ScanResources(kInstanceKind, project, zone, {}, [&](ResourceRow&& r) {
        if (r.status() == "RUNNING") rows.push_back(std::move(r));
        return true;
      });
    }));
  }
  for (auto& r : rows) IMAGO_RETURN_IF_ERROR(Refresh(&r));
  std::lock_guard lock(s_.mu());
  return internal::FillPage<Instance>(s_.catalog(), kInstanceKind, project, zone, *plan,
                                      [](const Json& j) { return compute::InstanceFromJson(j); });
}

Result<compute::AggregatedPage<Instance>> LocalInstances::AggregatedList(const std::string& project,
                                                                         const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::vector<std::string> scopes;
  for (const auto& z : s_.options().zones) scopes.push_back("zones/" + z);
  return compute::AggregateList<Instance>(scopes, opts,
                                          [&](const std::string& scope, const ListOptions& o) {
                                            return List(project, scope.substr(6), o);
                                          });
}

// ---------------------------------------------------------------- disks and metadata

Result<Operation> LocalInstances::AttachDisk(const std::string& project, const std::string& zone,
                                             const std::string& instance, const AttachedDisk& req,
                                             const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  if (req.boot) {
    return Status::Invalid("attachDisk attaches data disks; boot disks come with insert.");
  }
  // A RUNNING instance gets the disk hot-plugged once the catalog says it
  // is attached (run_dir set); when QEMU refuses, the catalog is put back.
  std::string run_dir, disk_file, device;
  auto op = s_.Mutate(
      project, "attachDisk", opts,
      [&](Operation* op) -> Status {
        run_dir.clear();
        auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        IMAGO_RETURN_IF_ERROR(MarkDeadLocked(&r.value()));
        if (r->status() != "TERMINATED" && r->status() != "RUNNING") {
          return StoppedOnly(project, zone, r->name, r->status(), "attaches");
        }
        auto ref = compute::ParseResourceRef("attachedDisk.source", req.source, "disks", true);
        if (!ref.ok()) return ref.status();
        auto dr = s_.LoadRow(kDiskKind, "disks", project, zone, ref->name);
        if (!dr.ok()) return dr.status();
        auto d = compute::DiskFromJson(dr->resource);
        if (!d.ok()) return d.status();
        if (!d->users.empty()) return InUse(project, zone, *d);
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        AttachedDisk a;
        a.source = d->self_link;
        a.device_name = req.device_name.empty() ? d->name : req.device_name;
        a.auto_delete = req.auto_delete;
        a.interface_ = "NVME";
        a.disk_size_gb = d->size_gb;
        int index = 0;
        for (const auto& x : in->disks) {
          if (x.device_name == a.device_name) {
            return Status::InvalidField("attachedDisk.deviceName", a.device_name,
                                        "The instance already has a disk with this device name.");
          }
          index = std::max(index, x.index + 1);
        }
        a.index = index;
        in->disks.push_back(a);
        if (r->status() == "RUNNING") {
          run_dir = s_.RunDir(r->id);
          disk_file = s_.DiskFile(dr->id);
          device = a.device_name;
        }
        dr->resource["users"] = {in->self_link};
        dr->resource["lastAttachTimestamp"] = s_.Now3339();
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*dr));
        r->resource = compute::ToJson(*in);
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*r));
        op->target_link = in->self_link;
        op->target_id = in->id;
        return Status::OK();
      },
      zone);
  if (!op.ok() || op->failed() || run_dir.empty()) return op;
  Status plugged = HotPlugDisk(run_dir, device, disk_file);
  if (plugged.ok()) return op;
  (void)ForgetDisk(project, zone, instance, device);
  return Status::Unavailable(
      fmt::format("Could not attach the disk to the running instance '{}': "
                  "{}; nothing changed.",
                  instance, plugged.message()));
}

Status LocalInstances::TakeOffLocked(const std::string& project, const std::string& zone,
                                     ResourceRow* row, compute::Instance* in,
                                     std::vector<AttachedDisk>::iterator it, Operation* op) {
  auto d = s_.catalog().FindResource(kDiskKind, project, zone, compute::LastSegment(it->source));
  if (!d.ok()) return d.status();
  if (d->has_value()) {
    (*d)->resource.erase("users");
    (*d)->resource["lastDetachTimestamp"] = s_.Now3339();
    IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(**d));
  }
  in->disks.erase(it);
  row->resource = compute::ToJson(*in);
  IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*row));
  op->target_link = in->self_link;
  op->target_id = in->id;
  return Status::OK();
}

Status LocalInstances::ForgetDisk(const std::string& project, const std::string& zone,
                                  const std::string& instance, const std::string& device_name) {
  auto op = s_.Mutate(
      project, "detachDisk", {},
      [&](Operation* op) -> Status {
        auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        auto it = std::find_if(in->disks.begin(), in->disks.end(),
                               [&](const AttachedDisk& d) { return d.device_name == device_name; });
        if (it == in->disks.end()) return Status::OK();
        return TakeOffLocked(project, zone, &r.value(), &in.value(), it, op);
      },
      zone);
  return op.ok() ? Status::OK() : op.status();
}

Result<Operation> LocalInstances::DetachDisk(const std::string& project, const std::string& zone,
                                             const std::string& instance,
                                             const std::string& device_name,
                                             const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  // RUNNING: the guest lets go of the disk first (a disk it booted with is
  // a namespace of the boot controller, which QEMU cannot unplug).
  {
    std::string run_dir, disk_file;
    {
      std::lock_guard lock(s_.mu());
      auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
      if (!r.ok()) return r.status();
      auto in = compute::InstanceFromJson(r->resource);
      if (!in.ok()) return in.status();
      const AttachedDisk* attached = nullptr;
      for (const auto& d : in->disks) {
        if (d.device_name == device_name && !d.boot) attached = &d;
      }
      // Anything else gets its error from the checks below.
      if (r->status() == "RUNNING" && attached) {
        run_dir = s_.RunDir(r->id);
        auto d = s_.catalog().FindResource(kDiskKind, project, zone,
                                           compute::LastSegment(attached->source));
        if (d.ok() && d->has_value()) disk_file = s_.DiskFile((*d)->id);
      }
    }
    if (!run_dir.empty()) {
      Status st = HotUnplugDisk(run_dir, device_name);
      // Not hot-plugged and not in the VM at all: an attach was cut short
      // between the catalog and QEMU; the catalog alone is put right.
      if (st.code() == compute::Code::kNotFound && !disk_file.empty() &&
          !VmUsesFile(run_dir, disk_file)) {
        st = Status::OK();
      }
      if (st.code() == compute::Code::kNotFound) {
        return Status::NotReady(fmt::format(
            "The disk '{}' of the running instance '{}' was attached when it booted: the local "
            "cloud detaches such a disk from a stopped instance only (imago instances stop {}); "
            "disks attached while it runs detach while it runs.",
            device_name, instance, instance));
      }
      if (!st.ok()) return st;
    }
  }
  return s_.Mutate(
      project, "detachDisk", opts,
      [&](Operation* op) -> Status {
        auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        IMAGO_RETURN_IF_ERROR(MarkDeadLocked(&r.value()));
        if (r->status() != "TERMINATED" && r->status() != "RUNNING") {
          return StoppedOnly(project, zone, r->name, r->status(), "detaches");
        }
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        auto it = std::find_if(in->disks.begin(), in->disks.end(),
                               [&](const AttachedDisk& d) { return d.device_name == device_name; });
        if (it == in->disks.end()) {
          return Status::InvalidField("deviceName", device_name,
                                      "No disk with this device name is attached to the instance.");
        }
        if (it->boot) {
          return Status::InvalidField("deviceName", device_name,
                                      "The boot disk cannot be detached; delete the instance "
                                      "with --keep-disks=boot to keep it.");
        }
        return TakeOffLocked(project, zone, &r.value(), &in.value(), it, op);
      },
      zone);
}

Result<Operation> LocalInstances::SetMetadata(const std::string& project, const std::string& zone,
                                              const std::string& instance, const Metadata& metadata,
                                              const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  IMAGO_RETURN_IF_ERROR(ValidateMetadata(metadata));
  auto ports = ParsePorts(metadata.Get(kPortsKey).value_or(""));
  if (!ports.ok()) return ports.status();
  return s_.Mutate(
      project, "setMetadata", opts,
      [&](Operation* op) -> Status {
        auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        auto in = compute::InstanceFromJson(r->resource);
        if (!in.ok()) return in.status();
        if (metadata.fingerprint != in->metadata.fingerprint) {
          Status st = Status::ConditionNotMet(
              "Supplied fingerprint does not match current metadata fingerprint.");
          st.WithLocation("If-Match");
          return st;
        }
        in->metadata.items = metadata.items;
        in->metadata.fingerprint = compute::MetadataFingerprint(metadata.items);
        r->resource = compute::ToJson(*in);
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*r));
        op->target_link = in->self_link;
        op->target_id = in->id;
        return Status::OK();
      },
      zone);
}

Result<Operation> LocalInstances::SetDeletionProtection(const std::string& project,
                                                        const std::string& zone,
                                                        const std::string& instance, bool protect,
                                                        const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  return s_.Mutate(
      project, "setDeletionProtection", opts,
      [&](Operation* op) -> Status {
        auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
        if (!r.ok()) return r.status();
        // Unset is false: the field is kept only while true, as sent.
        if (protect) {
          r->resource["deletionProtection"] = true;
        } else {
          r->resource.erase("deletionProtection");
        }
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*r));
        op->target_link = r->resource.value("selfLink", "");
        op->target_id = r->id;
        return Status::OK();
      },
      zone);
}

}  // namespace imago::localcloud
