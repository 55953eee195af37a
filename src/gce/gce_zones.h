// GceZones: compute::Zones over the REST API (projects/P/zones).
#ifndef IMAGO_GCE_GCE_ZONES_H_
#define IMAGO_GCE_GCE_ZONES_H_

#include <string>

#include "compute/zones.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceZones final : public compute::Zones {
 public:
  explicit GceZones(ApiCaller& caller) : c_(caller) {}
  GceZones(const GceZones&) = delete;
  GceZones& operator=(const GceZones&) = delete;

  compute::Result<compute::ListPage<compute::Zone>> List(const std::string& project,
                                                         const compute::ListOptions& opts) override;
  compute::Result<compute::Zone> Get(const std::string& project, const std::string& zone) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_ZONES_H_
