// compute::Disks: zonal persistent disks (compute/v1 disks).
#ifndef IMAGO_COMPUTE_DISKS_H_
#define IMAGO_COMPUTE_DISKS_H_

#include <string>

#include "compute/status.h"
#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::compute {

class Disks {
 public:
  virtual ~Disks() = default;

  /// Creates a disk from at most one source: `source_image` (any ImageRef
  /// form; a family is resolved now and recorded as sourceImage +
  /// sourceImageId), `source_snapshot`, or neither (a blank disk).
  /// `size_gb` defaults to the source's size (10 when blank) and may not be
  /// smaller. Source states are checked as for Images::Insert. On success
  /// the disk is READY. 404 for an unknown zone, 409 for a taken name.
  virtual Result<Operation> Insert(const std::string& project, const std::string& zone,
                                   const Disk& disk, const MutationOptions& opts) = 0;
  virtual Result<Disk> Get(const std::string& project, const std::string& zone,
                           const std::string& disk) = 0;
  virtual Result<ListPage<Disk>> List(const std::string& project, const std::string& zone,
                                      const ListOptions& opts) = 0;
  /// The disks of every zone of the project, a page at a time.
  virtual Result<AggregatedPage<Disk>> AggregatedList(const std::string& project,
                                                      const ListOptions& opts) = 0;
  /// Deletes the disk and its content (an image or snapshot made from it
  /// keeps its own). 400 resourceInUseByAnotherResource while an instance
  /// uses it.
  virtual Result<Operation> Delete(const std::string& project, const std::string& zone,
                                   const std::string& disk, const MutationOptions& opts) = 0;
  /// Makes the global snapshot `snapshot.name` of the disk's content as it
  /// is now. A running instance using the disk is paused for the copy, so
  /// the snapshot is crash-consistent. 409 when the snapshot name is taken.
  virtual Result<Operation> CreateSnapshot(const std::string& project, const std::string& zone,
                                           const std::string& disk, const Snapshot& snapshot,
                                           const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_DISKS_H_
