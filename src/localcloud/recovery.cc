#include "localcloud/recovery.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include "base/file_lock.h"
#include "base/strings.h"
#include "localcloud/content_gc.h"
#include "localcloud/list_util.h"
#include "localcloud/local_instances.h"
#include "localcloud/qemu.h"
#include "localcloud/vpc.h"

namespace imago::localcloud {

using compute::Json;
using compute::Result;
using compute::Status;

namespace {

// Removes `link` from a disk row's users.
void DropUser(ResourceRow* disk, const std::string& link) {
  Json kept = Json::array();
  for (const auto& u : disk->resource.value("users", Json::array())) {
    if (u != link) kept.push_back(u);
  }
  if (kept.empty()) {
    disk->resource.erase("users");
  } else {
    disk->resource["users"] = kept;
  }
}

// The lock whose holder is the operation's process: an import holds its
// temporary file, every other long mutation its operation lock.
std::string LivenessLock(const LocalStore& s, const OperationRow& row, const WorkRecord& r) {
  return r.kind == WorkRecord::Kind::kImport ? r.tmp : s.OperationLockPath(row.op.name);
}

}  // namespace

Status UndoWork(LocalStore& s, const std::string& project, const WorkRecord& r) {
  using Kind = WorkRecord::Kind;
  // Processes first, outside the catalog: a VM the operation launched, or
  // one it paused.
  if (r.instance && (r.kind == Kind::kCreate || r.kind == Kind::kPause)) {
    std::string run = s.RunDir(r.instance);
    if (r.kind == Kind::kPause) {
      int pid = 0;
      {
        std::lock_guard lock(s.mu());
        auto row = s.catalog().FindResourceById(r.instance);
        if (!row.ok()) return row.status();
        if (row->has_value()) pid = (*row)->local.value("pid", 0);
      }
      if (VmAlive(pid, run)) (void)QmpCommand(run + "/qmp", "cont");
    } else {
      for (const auto& [pid, dir] : FindVms(s.home() + "/run/")) {
        if (dir == run) IMAGO_RETURN_IF_ERROR(KillVm(pid, dir));
      }
      std::error_code ec;
      std::filesystem::remove_all(run, ec);
    }
  }
  std::vector<uint64_t> disk_files;
  std::lock_guard lock(s.mu());
  Catalog& c = s.catalog();
  IMAGO_RETURN_IF_ERROR(c.db().WriteTxn([&]() -> Status {
    disk_files.clear();
    if (r.kind == Kind::kImport && r.image_id) {
      auto image = c.FindImageById(project, r.image_id);
      if (!image.ok()) return image.status();
      if (image->has_value() && (*image)->image.status == "PENDING") {
        IMAGO_RETURN_IF_ERROR(c.DeleteImage(project, r.image_id));
      }
      if (!r.digest.empty()) {
        auto exists = c.BlobExists(r.digest);
        if (!exists.ok()) return exists.status();
        if (!*exists) IMAGO_RETURN_IF_ERROR(c.AddTrash(r.digest));
      }
    }
    for (uint64_t id : r.disks) {
      auto row = c.FindResourceById(id);
      if (!row.ok()) return row.status();
      if (!row->has_value()) continue;
      disk_files.push_back(id);
      IMAGO_RETURN_IF_ERROR(c.DeleteResource(id));
    }
    if (r.snapshot) {
      auto row = c.FindResourceById(r.snapshot);
      if (!row.ok()) return row.status();
      if (row->has_value() && (*row)->status() != "READY") {
        IMAGO_RETURN_IF_ERROR(c.DeleteResource(r.snapshot));
      }
    }
    if (r.instance && (r.kind == Kind::kCreate || r.kind == Kind::kVm)) {
      auto row = c.FindResourceById(r.instance);
      if (!row.ok()) return row.status();
      if (!row->has_value()) return Status::OK();
      ResourceRow& in = **row;
      if (r.kind == Kind::kCreate) {
        std::string link = in.resource.value("selfLink", "");
        for (uint64_t d : r.attached) {
          auto disk = c.FindResourceById(d);
          if (!disk.ok()) return disk.status();
          if (!disk->has_value()) continue;
          DropUser(&**disk, link);
          IMAGO_RETURN_IF_ERROR(c.UpdateResource(**disk));
        }
        IMAGO_RETURN_IF_ERROR(c.DeleteResource(r.instance));
      } else {
        bool alive = VmAlive(in.local.value("pid", 0), s.RunDir(in.id));
        in.resource["status"] = alive ? "RUNNING" : "TERMINATED";
        if (!alive) {
          in.local["pid"] = 0;
          in.resource.erase("forwardedPorts");
        }
        IMAGO_RETURN_IF_ERROR(c.UpdateResource(in));
      }
    }
    return Status::OK();
  }));
  for (uint64_t id : disk_files) unlink(s.DiskFile(id).c_str());
  if (!r.tmp.empty()) unlink(r.tmp.c_str());
  return Status::OK();
}

Result<RecoveryReport> Recover(LocalStore& s, LocalInstances& instances) {
  RecoveryReport report;
  Catalog& c = s.catalog();
  std::vector<OperationRow> unfinished;
  {
    std::lock_guard lock(s.mu());
    auto ops = c.UnfinishedOperations();
    if (!ops.ok()) return ops.status();
    unfinished = std::move(ops.value());
  }
  // 1. Long mutations whose process died: undo them.
  std::set<uint64_t> busy;  // Instances a live operation is working on.
  for (OperationRow& row : unfinished) {
    auto record = WorkRecord::Parse(row.work);
    std::string lock_path =
        record.ok() ? LivenessLock(s, row, *record) : s.OperationLockPath(row.op.name);
    // An import renames its temporary file into the store when it publishes
    // (the file's lock goes with it) and commits under the store lock: with
    // that lock held here, a missing temporary file means a dead importer.
    base::FileLock store_lock;
    if (record.ok() && record->kind == WorkRecord::Kind::kImport) {
      auto l = base::FileLock::Acquire(StoreLockPath(s));
      if (!l.ok()) return l.status();
      store_lock = std::move(l.value());
    }
    bool held = false;
    auto lock = base::FileLock::TryAcquire(lock_path, &held);
    if (held) {
      if (record.ok() && record->instance) busy.insert(record->instance);
      continue;  // Its process is alive.
    }
    if (!lock.ok() && lock.status().code() != compute::Code::kNotFound) {
      return lock.status();
    }
    // The lock is free: its owner is gone, or it finished (it marks the
    // operation DONE before it lets go of the lock). Only read now does the
    // status tell which.
    bool finished = false;
    {
      std::lock_guard g(s.mu());
      auto again = c.FindOperation(row.project, row.op.name);
      if (!again.ok()) return again.status();
      finished = !again->has_value() || (*again)->op.done();
    }
    if (!finished && record.ok()) {
      bool had_tmp = !record->tmp.empty() && access(record->tmp.c_str(), F_OK) == 0;
      IMAGO_RETURN_IF_ERROR(UndoWork(s, row.project, *record));
      if (had_tmp && access(record->tmp.c_str(), F_OK) != 0) ++report.temp_files_removed;
    }
    if (!finished) {
      std::lock_guard g(s.mu());
      IMAGO_RETURN_IF_ERROR(c.db().WriteTxn([&]() -> Status {
        auto again = c.FindOperation(row.project, row.op.name);
        if (!again.ok()) return again.status();
        if (!again->has_value() || (*again)->op.done()) return Status::OK();
        if (!record.ok()) {
          internal::MarkFailed(
              &row.op,
              Status::Internal("The operation was interrupted and its journal record cannot be "
                               "read (" +
                               record.status().message() +
                               "); nothing was undone. Check the resources it names."),
              "OPERATION_JOURNAL_UNREADABLE", s.Now3339());
          ++report.unreadable_records;
        } else {
          bool import = record->kind == WorkRecord::Kind::kImport;
          internal::MarkFailed(
              &row.op,
              Status::Unavailable(import ? "The import was interrupted (its process ended); "
                                           "nothing of it was kept. Run it again."
                                         : "The operation was interrupted (its process ended); "
                                           "what it had done was undone. Run it again."),
              "OPERATION_INTERRUPTED", s.Now3339());
          ++report.operations_undone;
        }
        row.work.clear();
        return c.UpdateOperation(row);
      }));
    }
    if (lock.ok()) unlink(lock_path.c_str());
  }
  // 2. Disk files no disk row owns (a create undone while its qemu-img still
  //    ran, a delete cut between its commit and the unlink) are removed: a
  //    disk's row is made before its file and removed before its file.
  {
    std::set<uint64_t> disk_ids;
    {
      std::lock_guard lock(s.mu());
      auto all = c.AllResources(kDiskKind);
      if (!all.ok()) return all.status();
      for (const auto& d : *all) disk_ids.insert(d.id);
    }
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(s.home() + "/disks", ec)) {
      std::string name = e.path().filename().string();
      uint64_t id = 0;
      if (name.ends_with(".qcow2") && base::ParseUint64(name.substr(0, name.size() - 6), &id) &&
          !disk_ids.count(id)) {
        std::filesystem::remove(e.path(), ec);
        ++report.temp_files_removed;
      }
    }
  }
  // 3. Instances whose QEMU died are TERMINATED.
  std::vector<ResourceRow> rows;
  {
    std::lock_guard lock(s.mu());
    auto all = c.AllResources(kInstanceKind);
    if (!all.ok()) return all.status();
    rows = std::move(all.value());
  }
  for (ResourceRow& r : rows) {
    if (r.status() != "RUNNING" || busy.count(r.id)) continue;
    IMAGO_RETURN_IF_ERROR(instances.Refresh(&r));
    if (r.status() == "TERMINATED") ++report.instances_terminated;
  }
  // 4. VMs of this home that no instance owns are stopped. The row is read
  //    again for each: another process may be creating or starting that very
  //    instance (its row is PROVISIONING or STAGING until the pid is
  //    recorded), and that VM is not an orphan.
  for (const auto& [pid, run_dir] : FindVms(s.home() + "/run/")) {
    uint64_t id = 0;
    base::ParseUint64(run_dir.substr(run_dir.rfind('/') + 1), &id);
    std::optional<ResourceRow> row;
    {
      std::lock_guard lock(s.mu());
      auto r = c.FindResourceById(id);
      if (!r.ok()) return r.status();
      row = std::move(r.value());
    }
    if (row && row->kind == kInstanceKind) {
      std::string status = row->status();
      if (busy.count(id) || row->local.value("pid", 0) == pid || status == "PROVISIONING" ||
          status == "STAGING" || status == "STOPPING") {
        continue;
      }
    }
    IMAGO_RETURN_IF_ERROR(KillVm(pid, run_dir));
    if (!row) {
      std::error_code ec;
      std::filesystem::remove_all(run_dir, ec);
    }
    ++report.orphan_vms_stopped;
  }
  // 5. Switches of projects where no VM runs or is about to (a process was
  //    killed between its last VM's end and the switch's, or the VM died).
  auto switches = StopIdleSwitches(s);
  if (!switches.ok()) return switches.status();
  report.idle_switches_stopped = *switches;
  // 6. Temporary files whose writer is gone, and the content trash.
  report.temp_files_removed += s.store().RemoveAbandoned();
  bool trash = false;
  {
    std::lock_guard lock(s.mu());
    auto t = c.ListTrash();
    if (!t.ok()) return t.status();
    trash = !t->empty();
  }
  if (trash) {
    auto store_lock = base::FileLock::Acquire(StoreLockPath(s));
    if (!store_lock.ok()) return store_lock.status();
    std::lock_guard lock(s.mu());
    IMAGO_RETURN_IF_ERROR(EmptyTrash(s, &report.content_files_removed));
  }
  return report;
}

}  // namespace imago::localcloud
