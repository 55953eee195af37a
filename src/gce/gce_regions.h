// GceRegions: compute::Regions over the REST API (projects/P/regions).
#ifndef IMAGO_GCE_GCE_REGIONS_H_
#define IMAGO_GCE_GCE_REGIONS_H_

#include <string>

#include "compute/regions.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceRegions final : public compute::Regions {
 public:
  explicit GceRegions(ApiCaller& caller) : c_(caller) {}
  GceRegions(const GceRegions&) = delete;
  GceRegions& operator=(const GceRegions&) = delete;

  compute::Result<compute::ListPage<compute::Region>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Region> Get(const std::string& project,
                                       const std::string& region) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_REGIONS_H_
