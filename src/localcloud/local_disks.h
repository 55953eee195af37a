// LocalDisks: the local cloud's persistent disks. A disk is a qcow2 file,
// HOME/disks/ID.qcow2, copy-on-write over the content of the image or
// snapshot it was made from (blank disks stand alone).
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_DISKS_H_
#define IMAGO_LOCALCLOUD_LOCAL_DISKS_H_

#include <string>

#include "compute/disks.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalSnapshots;

class LocalDisks final : public compute::Disks {
 public:
  LocalDisks(LocalStore& store, LocalSnapshots& snapshots) : s_(store), snapshots_(snapshots) {}
  LocalDisks(const LocalDisks&) = delete;
  LocalDisks& operator=(const LocalDisks&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project, const std::string& zone,
                                             const compute::Disk& disk,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Disk> Get(const std::string& project, const std::string& zone,
                                     const std::string& disk) override;
  compute::Result<compute::ListPage<compute::Disk>> List(const std::string& project,
                                                         const std::string& zone,
                                                         const compute::ListOptions& opts) override;
  compute::Result<compute::AggregatedPage<compute::Disk>> AggregatedList(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& zone,
                                             const std::string& disk,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> CreateSnapshot(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& disk,
                                                     const compute::Snapshot& snapshot,
                                                     const compute::MutationOptions& opts) override;

  /// Within a transaction: a new CREATING disk row for `disk` (validated,
  /// its source resolved; `field` names it in errors). Not yet inserted and
  /// without a file. Used by Insert and by instances made with new disks.
  compute::Result<ResourceRow> NewRow(const std::string& project, const std::string& zone,
                                      const compute::Disk& disk, const std::string& field,
                                      compute::Operation* op);
  /// Creates the qcow2 file of a row NewRow made (no lock held). On failure
  /// no file remains.
  compute::Status CreateFile(const ResourceRow& disk);

 private:
  LocalStore& s_;
  LocalSnapshots& snapshots_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_DISKS_H_
