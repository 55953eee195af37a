// GceDisks: compute::Disks over the REST API (projects/P/zones/Z/disks).
#ifndef IMAGO_GCE_GCE_DISKS_H_
#define IMAGO_GCE_GCE_DISKS_H_

#include <string>

#include "compute/disks.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceDisks final : public compute::Disks {
 public:
  explicit GceDisks(ApiCaller& caller) : c_(caller) {}
  GceDisks(const GceDisks&) = delete;
  GceDisks& operator=(const GceDisks&) = delete;

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

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_DISKS_H_
