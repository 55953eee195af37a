// compute::Zones: where zonal resources live (compute/v1 zones).
#ifndef IMAGO_COMPUTE_ZONES_H_
#define IMAGO_COMPUTE_ZONES_H_

#include <string>

#include "compute/cloud_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class Zones {
 public:
  virtual ~Zones() = default;

  /// One page of the project's zones, by name.
  virtual Result<ListPage<Zone>> List(const std::string& project, const ListOptions& opts) = 0;
  /// The zone `zone`; 404 naming its path when the project has no such zone.
  virtual Result<Zone> Get(const std::string& project, const std::string& zone) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_ZONES_H_
