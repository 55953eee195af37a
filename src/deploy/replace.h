// imago instances replace: the plain pattern for a stateful VM outside any
// group (docs/data.md). A release of such a VM is a new VM under the same
// name from a new image: stop it, detach its data disks, delete it (its boot
// disk goes with it), create it again from the new image with the same
// machine type, metadata, labels, tags, network address and deletion
// protection and the same data disks under the same device names, and wait
// until it is healthy. The time the VM does not serve is measured and
// reported.
//
// Crash safety: before anything changes, the plan (the old VM's id, the VM
// to create, its data disks) is written to the project's metadata under
// ReplaceKey(zone, name). Every step looks before it acts, so a rerun after
// kill -9 or Ctrl-C reads that record and finishes the replacement; a data
// disk is never deleted by any step.
#ifndef IMAGO_DEPLOY_REPLACE_H_
#define IMAGO_DEPLOY_REPLACE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/group_types.h"
#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"
#include "compute/vm_types.h"
#include "deploy/deployer.h"

namespace imago::deploy {

/// What `imago instances replace` was asked.
struct ReplaceRequest {
  std::string project, zone, instance;
  std::string image;         // An image name or URL; or
  std::string image_family;  // a family, resolved now to its head.
  /// Items to set on the new VM (a push-model configuration change); the
  /// other items are carried over.
  std::vector<std::pair<std::string, std::string>> metadata;
  /// The new VM counts as serving when HTTP GET of this path on this guest
  /// port answers 200 (from this host: the forwarded port on the local
  /// cloud, else the VM's address). Empty path: when it is RUNNING.
  std::string health_path;
  int health_port = 80;
  /// When set, judges the new VM instead of health_path and health_port
  /// (an environment's HTTP or TCP check, `imago deploy` of kind: instance).
  std::optional<compute::HealthCheck> check;
  int64_t timeout_sec = 600;  // How long the new VM may take to serve.
  /// The new VM's metadata is exactly `metadata` (items it lacks are
  /// dropped), not the old one's with `metadata` set on it.
  bool exact_metadata = false;
  compute::Labels labels;    // Set on the new VM (the old one's others are kept).
  std::string machine_type;  // The new VM's; empty: the old one's.
  /// Disks to attach to the new VM besides the old one's (by source and
  /// device name), when it has none of that device name.
  std::vector<compute::AttachedDisk> add_disks;
  /// Made by `imago deploy` of a kind: instance environment; otherwise a
  /// VM labelled as an environment's (imago-env) is refused: its deploys
  /// replace it, and the ledger would not know of a change made here.
  bool deploy = false;
};

/// A replacement, shown before it is done; also what the record holds.
struct ReplacePlan {
  std::string project, zone, instance;
  bool resume = false;  // Finishes a replacement an earlier run left unfinished.
  /// A resume that takes another image or metadata than the record holds
  /// (allowed until the new VM exists): the record is written anew first.
  bool retarget = false;
  bool changes = true;               // False: the VM already runs this image and metadata.
  uint64_t old_id = 0;               // The VM being replaced (a VM of another id is the new one).
  std::string old_image, new_image;  // Image URLs.
  std::string why;                   // "family db moved from db-v1 to db-v2".
  compute::Instance next;            // The VM to create.
  std::vector<compute::AttachedDisk> data_disks;  // Moved from the old VM to the new one.
  std::vector<std::string> metadata_changed;      // Keys set anew on the new VM.
  bool protect = false;  // deletionProtection: lifted for the delete, set on the new VM.
  std::string health_path;
  int health_port = 80;
  std::optional<compute::HealthCheck> check;  // As in ReplaceRequest.
  int64_t timeout_sec = 600;
  int64_t stop_started_us = 0;  // When an earlier run began to stop the old VM (resume).
  std::vector<PlanStep> steps;
};

/// How a replacement ended.
struct ReplaceResult {
  bool healthy = false;  // The new VM serves (or runs, without a health path).
  std::string message;   // One line.
  /// From the moment the old VM began to stop until the new one served:
  /// stopping, the disk swap (detach, delete, create with the disks) and
  /// the new VM's boot until healthy.
  double downtime_sec = 0, stop_sec = 0, swap_sec = 0, boot_sec = 0;
};

/// The project metadata key of the record of a replacement of `name`.
std::string ReplaceKey(const std::string& zone, const std::string& name);

/// What replacing `req.instance` will do. Only reads. Continues the
/// recorded replacement of that VM when there is one (resume), with the
/// image and metadata `req` asks for as long as the new VM does not exist
/// yet (its disks and settings stay the recorded ones). 404 when
/// the VM is missing; 400 for a VM a managed group made (its group
/// replaces it) or, unless req.deploy, an environment's VM (imago deploy does), a boot disk that
/// would outlive its VM (autoDelete off), an image that is missing, OBSOLETE or DELETED, or a
/// family with no image.
compute::Result<ReplacePlan> PlanReplace(compute::Service& svc, const ReplaceRequest& req);

std::string FormatReplacePlan(const ReplacePlan& p);
nlohmann::json ReplacePlanToJson(const ReplacePlan& p);

/// Waits until instance `name` is RUNNING and passes one probe of `check`
/// (null: RUNNING is enough), polling every 0.2 s from this host. True when
/// it does, false when `deadline` (clock's time) passes first; 503 when
/// `cancel` is set meanwhile; the API's error when the VM cannot be read.
compute::Result<bool> WaitServes(compute::Service& svc, const compute::Clock& clock,
                                 const std::string& project, const std::string& zone,
                                 const std::string& name, const compute::HealthCheck* check,
                                 compute::TimeUs deadline, const Listener& listener,
                                 const std::atomic<bool>* cancel);

/// Carries out `plan` (from PlanReplace): records it, stops, detaches,
/// deletes, creates, waits. Returns an error for what it could not do (an
/// API error, Ctrl-C: 503 "interrupted"); the record then stays and a
/// rerun continues. A new VM that never serves within the timeout is left
/// running with the data disks, and the result says how to go back
/// (healthy false). The record is removed when the new VM exists.
compute::Result<ReplaceResult> ApplyReplace(compute::Service& svc, const compute::Clock& clock,
                                            const ReplacePlan& plan, const Listener& listener,
                                            const std::atomic<bool>* cancel);

}  // namespace imago::deploy

#endif  // IMAGO_DEPLOY_REPLACE_H_
