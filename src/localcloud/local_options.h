// How a LocalCloud is opened, and what opening it recovered.
#ifndef IMAGO_LOCALCLOUD_LOCAL_OPTIONS_H_
#define IMAGO_LOCALCLOUD_LOCAL_OPTIONS_H_

#include <chrono>
#include <string>
#include <vector>

#include "compute/resource_ref.h"
#include "compute/time_util.h"

namespace imago::localcloud {

/// Which files Image.rawDisk.source may name (import_source.h).
struct ImportPolicy {
  /// Any file this process can read: the imago command, whose user names
  /// their own files.
  bool host_files = true;
  /// Otherwise only files below these directories (imago serve
  /// --import-root DIR). Buckets (HOME/buckets) are open to both.
  std::vector<std::string> roots;
};

struct LocalCloudOptions {
  std::string home;                       // Created when missing.
  const compute::Clock* clock = nullptr;  // Not owned; nullptr: the system clock.
  std::string self_link_base = compute::kDefaultSelfLinkBase;
  std::string user = "imago@localhost";  // Operation.user.
  /// The zones instances and disks may live in.
  std::vector<std::string> zones = {"local-a", "local-b", "local-c"};
  /// The imago program QEMU runs (`PROGRAM __metadata ...`) for each guest
  /// connection to the metadata server. Empty: guests get no metadata server.
  std::string metadata_program;
  /// Run crash recovery and VM reconciliation on Open (the metadata server,
  /// which only reads, turns it off).
  bool recover = true;
  /// How long a stop waits for the guest to power off before ending it.
  std::chrono::milliseconds stop_grace = std::chrono::seconds(30);
  /// For crash tests: a step name ("instance-disks", "instance-launched",
  /// or "mutation-N": after this process's Nth journaled mutation) at which
  /// it announces itself on stderr and sleeps, so that a test can kill the
  /// process exactly there. Empty in normal use.
  std::string pause_at;
  /// What rawDisk.source may name.
  ImportPolicy import_policy;
};

/// What Open() cleaned up after earlier crashes.
struct RecoveryReport {
  int operations_undone = 0;
  int temp_files_removed = 0;
  int content_files_removed = 0;
  int instances_terminated = 0;   // Their QEMU had died.
  int orphan_vms_stopped = 0;     // QEMU processes no instance owned.
  int unreadable_records = 0;     // Journal records that could not be read (marked failed).
  int idle_switches_stopped = 0;  // Network switches of projects with no running VM.
  bool empty() const {
    return operations_undone == 0 && temp_files_removed == 0 && content_files_removed == 0 &&
           instances_terminated == 0 && orphan_vms_stopped == 0 && unreadable_records == 0 &&
           idle_switches_stopped == 0;
  }
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_OPTIONS_H_
