// LocalSnapshots: the local cloud's snapshots. A snapshot's content is a
// compressed qcow2 copy of the disk at one moment, kept in the content
// store like an image's.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_SNAPSHOTS_H_
#define IMAGO_LOCALCLOUD_LOCAL_SNAPSHOTS_H_

#include <string>

#include "compute/snapshots.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalSnapshots final : public compute::Snapshots {
 public:
  explicit LocalSnapshots(LocalStore& store) : s_(store) {}
  LocalSnapshots(const LocalSnapshots&) = delete;
  LocalSnapshots& operator=(const LocalSnapshots&) = delete;

  compute::Result<compute::Snapshot> Get(const std::string& project,
                                         const std::string& snapshot) override;
  compute::Result<compute::ListPage<compute::Snapshot>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project,
                                             const std::string& snapshot,
                                             const compute::MutationOptions& opts) override;

  /// Disks::CreateSnapshot: pauses a running instance that uses the disk
  /// for the copy (QMP stop/cont), so the snapshot is crash-consistent.
  compute::Result<compute::Operation> CreateFromDisk(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& disk,
                                                     const compute::Snapshot& snapshot,
                                                     const compute::MutationOptions& opts);

 private:
  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_SNAPSHOTS_H_
