// The journal of long mutations. A mutation that copies files or boots a VM
// cannot run inside one transaction, so it first records, in the same
// transaction that inserts its rows, a RUNNING Operation with a WorkRecord:
// what to undo if its process dies half way. While it works it holds the
// lock HOME/tmp/OPERATION.lock; recovery (recovery.h) takes an unfinished
// operation whose lock is free for one whose process is gone, and undoes it.
//
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_JOURNAL_H_
#define IMAGO_LOCALCLOUD_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/file_lock.h"
#include "compute/status.h"
#include "compute/types.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

/// What an unfinished operation has done so far, and so what undoing it means.
struct WorkRecord {
  enum class Kind {
    kNone,
    /// An image import: the PENDING image row `image_id`, the temporary copy
    /// `tmp`, and `digest` once the content is being published.
    kImport,
    /// Rows made CREATING/PROVISIONING by an insert: `disks`, `instance`
    /// (with its QEMU and run directory), and `attached`, existing disks
    /// that were given to the instance (their users lose it again).
    kCreate,
    /// start/stop/reset/delete of `instance`: its status is set from
    /// whether its QEMU runs.
    kVm,
    /// A snapshot of a disk: the CREATING `snapshot` row and the copy
    /// `tmp`; `instance`, when set, was paused for the copy and is resumed.
    kPause,
  };
  Kind kind = Kind::kNone;
  uint64_t image_id = 0;
  std::string tmp;
  std::string digest;
  std::vector<uint64_t> disks;
  uint64_t instance = 0;
  std::vector<uint64_t> attached;
  uint64_t snapshot = 0;

  /// The record as stored in operations.work (JSON, ids as strings).
  std::string ToJson() const;
  /// Reads a stored record. "" is kNone. 500 naming what is wrong for a
  /// record that is not one of ToJson's (never throws).
  static compute::Result<WorkRecord> Parse(const std::string& text);
};

/// A long mutation in progress: its RUNNING operation is in the journal and
/// the operation's lock is held.
struct Work {
  compute::Operation op;
  std::string project;
  WorkRecord record;
  base::FileLock lock;
  bool replayed = false;  // The request id was seen: `op` is the earlier operation.
};

/// Starts a long mutation: in one write transaction (with the store's lock
/// held) `fn` checks, inserts the rows it needs and fills the record; then
/// the RUNNING operation is journaled with it. On a replay (a known request
/// id) `fn` is not called and the earlier operation is returned in a Work
/// marked `replayed`. On failure nothing was written.
using BeginFn = std::function<compute::Status(compute::Operation* op, WorkRecord* record)>;
compute::Result<Work> BeginWork(LocalStore& s, const std::string& project, const std::string& zone,
                                const char* type, const compute::MutationOptions& opts,
                                const BeginFn& fn);

/// Finishes it: runs `fn` in a write transaction that also marks the
/// operation DONE and drops the record, then releases the lock.
compute::Result<compute::Operation> EndWork(LocalStore& s, Work& w,
                                            const std::function<compute::Status()>& fn);

/// Fails it: undoes what the record says (see UndoWork), marks the
/// operation DONE with `why` as its error, and returns `why`. If the undo
/// itself fails, the record stays for recovery to finish.
compute::Status FailWork(LocalStore& s, Work& w, const compute::Status& why);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_JOURNAL_H_
