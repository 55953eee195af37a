// Crash recovery of the local cloud, all in one place. Open() runs it; so
// does every failed long mutation for its own record (UndoWork). It:
//  1. undoes the unfinished operations whose process is gone (their lock
//     is free), by their WorkRecords: imports, creations, VM state changes,
//     snapshots; a record that cannot be read marks its operation failed;
//  2. removes disk files no disk row owns and temporary files no writer holds;
//  3. marks TERMINATED the RUNNING instances whose VM has ended;
//  4. stops the VMs of this home that no instance owns - identified by their
//     pid file, parent and executable, so that no VM an instance owns is
//     ever taken for one;
//  5. ends the network switches of projects where no VM runs;
//  6. empties the content trash.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_RECOVERY_H_
#define IMAGO_LOCALCLOUD_RECOVERY_H_

#include <string>

#include "compute/status.h"
#include "localcloud/journal.h"
#include "localcloud/local_options.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalInstances;

/// Undoes what `record` says an unfinished operation did: rows it made,
/// their files, the VM it launched, a pause it left. Takes the store's lock
/// itself; call it with no lock held. Safe to run twice on one record.
compute::Status UndoWork(LocalStore& s, const std::string& project, const WorkRecord& record);

/// Runs steps 1-6 above and says what it did.
compute::Result<RecoveryReport> Recover(LocalStore& s, LocalInstances& instances);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_RECOVERY_H_
