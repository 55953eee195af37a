// GceSnapshots: compute::Snapshots over the REST API (projects/P/global/snapshots).
#ifndef IMAGO_GCE_GCE_SNAPSHOTS_H_
#define IMAGO_GCE_GCE_SNAPSHOTS_H_

#include <string>

#include "compute/snapshots.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceSnapshots final : public compute::Snapshots {
 public:
  explicit GceSnapshots(ApiCaller& caller) : c_(caller) {}
  GceSnapshots(const GceSnapshots&) = delete;
  GceSnapshots& operator=(const GceSnapshots&) = delete;

  compute::Result<compute::Snapshot> Get(const std::string& project,
                                         const std::string& snapshot) override;
  compute::Result<compute::ListPage<compute::Snapshot>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project,
                                             const std::string& snapshot,
                                             const compute::MutationOptions& opts) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_SNAPSHOTS_H_
