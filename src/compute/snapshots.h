// compute::Snapshots: global, read-only copies of disks (compute/v1 snapshots).
// They are made by Disks::CreateSnapshot.
#ifndef IMAGO_COMPUTE_SNAPSHOTS_H_
#define IMAGO_COMPUTE_SNAPSHOTS_H_

#include <string>

#include "compute/status.h"
#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::compute {

class Snapshots {
 public:
  virtual ~Snapshots() = default;

  virtual Result<Snapshot> Get(const std::string& project, const std::string& snapshot) = 0;
  virtual Result<ListPage<Snapshot>> List(const std::string& project, const ListOptions& opts) = 0;
  /// Deletes the snapshot; disks and images made from it keep their
  /// content. 400 resourceNotReady while it is being created.
  virtual Result<Operation> Delete(const std::string& project, const std::string& snapshot,
                                   const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_SNAPSHOTS_H_
