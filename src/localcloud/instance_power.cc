// LocalInstances' power: start, stop, reset and delete. Each journals a
// kVm record (delete also owns the disks it removes), acts on the QEMU
// process, and records the outcome; a crash in between leaves the status
// to recovery, which reads it from whether the VM runs.
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "compute/names.h"
#include "compute/vm_codec.h"
#include "localcloud/content_gc.h"
#include "localcloud/journal.h"
#include "localcloud/local_instances.h"
#include "localcloud/qemu.h"
#include "localcloud/vpc.h"

namespace imago::localcloud {

using compute::Instance;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

Result<Operation> LocalInstances::StateChange(const std::string& project, const std::string& zone,
                                              const std::string& instance, const char* type,
                                              const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  const std::string t = type;
  ResourceRow row;
  bool nothing_to_do = false;
  auto w = BeginWork(s_, project, zone, type, opts, [&](Operation* op, WorkRecord* work) {
    auto r = s_.LoadRow(kInstanceKind, "instances", project, zone, instance);
    if (!r.ok()) return r.status();
    row = std::move(r.value());
    std::string status = row.status();
    if (status == "PROVISIONING" || status == "STAGING" || status == "STOPPING") {
      return Status::NotReady(
          fmt::format("The instance '{}' is {}; try again when it is RUNNING or TERMINATED.",
                      compute::ZonalPath(project, zone, "instances", row.name), status));
    }
    if (t == "delete" && row.resource.value("deletionProtection", false)) {
      return Status::InvalidUsage(fmt::format(
          "Invalid resource usage: 'Resource cannot be deleted if it's protected against "
          "deletion.' Clear deletionProtection on '{}' first (imago instances update {} "
          "--no-deletion-protection).",
          compute::ZonalPath(project, zone, "instances", row.name), row.name));
    }
    bool running = status == "RUNNING" && VmAlive(row.local.value("pid", 0), s_.RunDir(row.id));
    if (t == "reset" && !running) {
      return Status::NotReady(
          fmt::format("The instance '{}' is not RUNNING; reset needs a running instance.",
                      compute::ZonalPath(project, zone, "instances", row.name)));
    }
    nothing_to_do =
        (t == "start" && running) || (t == "stop" && !running && status == "TERMINATED");
    if (!nothing_to_do && t != "reset") {
      row.resource["status"] = t == "start" ? "STAGING" : "STOPPING";
      IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(row));
    }
    work->kind = WorkRecord::Kind::kVm;
    work->instance = row.id;
    op->target_link = row.resource.value("selfLink", "");
    op->target_id = row.id;
    return Status::OK();
  });
  if (!w.ok()) return w.status();
  if (w->replayed) return w->op;
  if (nothing_to_do) return EndWork(s_, *w, [] { return Status::OK(); });
  auto parsed = compute::InstanceFromJson(row.resource);
  if (!parsed.ok()) return FailWork(s_, *w, parsed.status());
  Instance in = std::move(parsed.value());
  int pid = row.local.value("pid", 0);
  std::string run = s_.RunDir(row.id);
  if (t == "reset") {
    auto r = QmpCommand(run + "/qmp", "system_reset");
    if (!r.ok()) return FailWork(s_, *w, r.status());
    return EndWork(s_, *w, [] { return Status::OK(); });
  }
  if (t == "start") {
    Status st = Boot(project, &in, &row);
    if (!st.ok()) {
      auto failed = FailWork(s_, *w, st);
      (void)StopSwitchIfIdle(s_, project);  // Its boot may have started one.
      return failed;
    }
    return EndWork(s_, *w, [&]() -> Status {
      row.resource = compute::ToJson(in);
      return s_.catalog().UpdateResource(row);
    });
  }
  // stop and delete: the guest gets the ACPI power button, then is ended.
  std::chrono::milliseconds grace = s_.options().stop_grace;
  if (t == "delete") grace = std::min(grace, std::chrono::milliseconds(10000));
  Status stopped = StopVm(pid, run, grace);
  if (!stopped.ok()) return FailWork(s_, *w, stopped);
  if (t == "stop") {
    auto op = EndWork(s_, *w, [&]() -> Status {
      in.status = "TERMINATED";
      in.last_stop_timestamp = s_.Now3339();
      in.forwarded_ports.clear();
      row.resource = compute::ToJson(in);
      row.local["pid"] = 0;
      return s_.catalog().UpdateResource(row);
    });
    // The project's last VM: its switch goes. Best effort; the next
    // recovery retries.
    if (op.ok()) (void)StopSwitchIfIdle(s_, project);
    return op;
  }
  std::vector<uint64_t> deleted_disks;
  auto op = EndWork(s_, *w, [&]() -> Status {
    Catalog& c = s_.catalog();
    deleted_disks.clear();
    for (const auto& d : in.disks) {
      auto disk = c.FindResource(kDiskKind, project, zone, compute::LastSegment(d.source));
      if (!disk.ok()) return disk.status();
      if (!disk->has_value()) continue;
      ResourceRow& dr = **disk;
      if (d.auto_delete) {
        deleted_disks.push_back(dr.id);
        IMAGO_RETURN_IF_ERROR(c.DeleteResource(dr.id));
        if (!dr.content.empty()) IMAGO_RETURN_IF_ERROR(ReleaseContent(s_, dr.content));
      } else {
        dr.resource.erase("users");
        dr.resource["lastDetachTimestamp"] = s_.Now3339();
        IMAGO_RETURN_IF_ERROR(c.UpdateResource(dr));
      }
    }
    return c.DeleteResource(row.id);
  });
  if (!op.ok()) return op;
  for (uint64_t id : deleted_disks) unlink(s_.DiskFile(id).c_str());
  std::error_code ec;
  std::filesystem::remove_all(run, ec);
  IMAGO_RETURN_IF_ERROR(CollectTrash(s_));
  (void)StopSwitchIfIdle(s_, project);
  return op;
}

Result<Operation> LocalInstances::Delete(const std::string& project, const std::string& zone,
                                         const std::string& instance, const MutationOptions& opts) {
  return StateChange(project, zone, instance, "delete", opts);
}
Result<Operation> LocalInstances::Start(const std::string& project, const std::string& zone,
                                        const std::string& instance, const MutationOptions& opts) {
  return StateChange(project, zone, instance, "start", opts);
}
Result<Operation> LocalInstances::Stop(const std::string& project, const std::string& zone,
                                       const std::string& instance, const MutationOptions& opts) {
  return StateChange(project, zone, instance, "stop", opts);
}
Result<Operation> LocalInstances::Reset(const std::string& project, const std::string& zone,
                                        const std::string& instance, const MutationOptions& opts) {
  return StateChange(project, zone, instance, "reset", opts);
}

}  // namespace imago::localcloud
