// Dev from prod: `imago env clone-data --from prod --to dev` makes the data
// disks of an environment (the target) from snapshots of another's (the
// source), restores the newest database backup on them and runs the
// target's scrub step in a VM of the source's image, all before the target
// serves; it records what it used in the project's metadata beside the
// target's ledger. docs/data.md explains it.
#ifndef IMAGO_DEPLOY_CLONE_DATA_H_
#define IMAGO_DEPLOY_CLONE_DATA_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"
#include "deploy/environment.h"

namespace imago::deploy {

/// The base instance name of an environment's stateful group: sequential
/// names (PREFIX-001, PREFIX-002, ...), so that the disks a clone makes
/// beforehand are the ones its VMs reattach (PREFIX-001-DEVICE).
std::string StatefulBaseName(const std::string& prefix);
/// The name of the `index`th (from 1) VM of that group.
std::string StatefulInstanceName(const std::string& prefix, int index);
/// The VM that keeps the `index`th (from 1) set of env's data disks, whose
/// disks are VM-DEVICE: a stateful group's StatefulInstanceName, or a
/// kind: instance environment's one VM (SERVICE-ENV).
std::string DataVmName(const Environment& env, int index);

/// What became of a clone.
namespace clone_state {
inline constexpr const char* kCloning = "CLONING";  // Under way (or its process died).
inline constexpr const char* kDone = "DONE";        // Restored and scrubbed: ready to serve.
inline constexpr const char* kFailed = "FAILED";    // Stopped; the target must not serve it.
}  // namespace clone_state

/// One source disk and what the clone makes of it.
struct CloneDisk {
  std::string device;          // The device name (data_disks key).
  std::string source_disk;     // The source environment's disk.
  std::string snapshot;        // The snapshot the target disk is made from.
  bool take_snapshot = false;  // Made by this clone (else an existing one, the newest).
  std::string target_disk;     // PREFIX-00N-DEVICE.
  int64_t size_gb = 0;
};

/// The record of a clone, kept under CloneKey(service, env).
struct CloneRecord {
  std::string service, env;  // Whose (the key says it too, but not unambiguously).
  std::string id;            // YYYYMMDD-HHMMSS of its start; labels what it made (imago-clone).
  std::string state;
  std::string from, zone, image;              // The source, where, and the image its job VM ran.
  std::string started, finished, who, owner;  // owner: "user@host pid N" while CLONING.
  std::vector<CloneDisk> disks;
  std::string backup;  // The backup file restored (empty: none).
  int64_t backup_bytes = 0;
  std::string backup_sha256;
  std::string result;  // One line: "restored and scrubbed", "scrub failed: exit 3".
};

nlohmann::json ToJson(const CloneRecord& r);
compute::Result<CloneRecord> CloneRecordFromJson(const nlohmann::json& j);

/// The project metadata key of environment SERVICE-ENV's clone record.
std::string CloneKey(const std::string& service, const std::string& env);
/// What every clone record's key starts with.
inline constexpr const char* kClonePrefix = "imago-clone-";

/// The clone record of SERVICE-ENV in `project`; nullopt when it has none.
compute::Result<std::optional<CloneRecord>> ReadClone(compute::Projects& projects,
                                                      const std::string& project,
                                                      const std::string& service,
                                                      const std::string& env);

/// What a clone will do, for a human to read before it runs.
struct ClonePlan {
  Environment target;
  std::string from;
  std::string zone;         // The target's (its disks and the job VM).
  std::string source_zone;  // The source's live release's (its disks).
  std::string image;        // The source's live image (its job VM's boot disk).
  std::string job_vm;
  std::vector<CloneDisk> disks;
  std::string backup;  // Path of the newest backup; empty: none.
  int64_t backup_bytes = 0;
  std::string backup_sha256;
  std::string backup_mtime;             // RFC 3339.
  std::optional<CloneRecord> previous;  // A clone that did not finish: undone first.
  std::vector<std::string> notes;
};

/// Plans a clone of `from`'s data into `target` (its file has data_disks
/// and, for restore and scrub, clone_data). Only reads. Errors, one line
/// each, before anything changes: the source has no live release or fewer
/// VMs' disks than the target's size; a device the source lacks; the target
/// has data disks already (destroy it first) or a finished clone; with
/// `newest_snapshots`, a source disk without a READY snapshot; a backup that
/// is corrupt (a .gz that gzip rejects, or a FILE.sha256 beside it that
/// does not match).
compute::Result<ClonePlan> PlanClone(compute::Service& svc, const compute::Clock& clock,
                                     const Environment& target, const std::string& from,
                                     bool newest_snapshots);

std::string FormatClonePlan(const ClonePlan& plan);
nlohmann::json ClonePlanToJson(const ClonePlan& plan);

/// Serves one file to the job VM: Offer returns the URL a guest fetches it
/// from (the local cloud's guests reach the host's loopback at 169.254.0.2).
class BackupChannel {
 public:
  virtual ~BackupChannel() = default;
  virtual compute::Result<std::string> Offer(const std::string& path) = 0;
};

/// A BackupChannel on a loopback port of this process (cpp-httplib), with
/// a random path; the server stops with the object.
std::unique_ptr<BackupChannel> NewLoopbackBackupChannel();

/// Carries `plan` out: undoes a previous unfinished clone's job VM and disks
/// (copies that never served), takes the snapshots, makes the target's
/// disks, runs restore and scrub in a job VM, deletes the VM, records DONE.
/// Each step is reported to `step`. The source is only read (its disks are
/// snapshotted, never attached or changed). On a failure the record says
/// FAILED and why, the job VM is deleted, the disks made stay for
/// inspection (the target's deploy refuses them), and the error is one
/// line; a rerun undoes them and starts again. `backups` may be null when
/// the plan has no backup.
compute::Status ApplyClone(compute::Service& svc, const compute::Clock& clock,
                           const ClonePlan& plan, BackupChannel* backups,
                           const std::function<void(const std::string&)>& step,
                           const std::atomic<bool>* cancel = nullptr);

/// Whether `target` may be deployed on its data: OK without a record or
/// with a DONE one; 412 naming the state and what to do otherwise.
compute::Status CheckCloneFinished(compute::Service& svc, const Environment& target);

}  // namespace imago::deploy

#endif  // IMAGO_DEPLOY_CLONE_DATA_H_
