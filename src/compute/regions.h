// compute::Regions: the groups of zones (compute/v1 regions), with the
// quotas that apply to each.
#ifndef IMAGO_COMPUTE_REGIONS_H_
#define IMAGO_COMPUTE_REGIONS_H_

#include <string>

#include "compute/cloud_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class Regions {
 public:
  virtual ~Regions() = default;

  /// One page of the project's regions, by name.
  virtual Result<ListPage<Region>> List(const std::string& project, const ListOptions& opts) = 0;
  /// The region `region` with its zones and quotas; 404 naming its path.
  virtual Result<Region> Get(const std::string& project, const std::string& region) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_REGIONS_H_
