// LocalZones and LocalRegions: where the local cloud's zonal resources
// live. The zones are the options' (local-a, local-b, local-c); each zone
// prefix is a region (local). A region's quotas are what this host holds.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_ZONES_H_
#define IMAGO_LOCALCLOUD_LOCAL_ZONES_H_

#include <string>
#include <vector>

#include "compute/regions.h"
#include "compute/zones.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalZones final : public compute::Zones {
 public:
  explicit LocalZones(LocalStore& store) : s_(store) {}
  LocalZones(const LocalZones&) = delete;
  LocalZones& operator=(const LocalZones&) = delete;

  compute::Result<compute::ListPage<compute::Zone>> List(const std::string& project,
                                                         const compute::ListOptions& opts) override;
  compute::Result<compute::Zone> Get(const std::string& project, const std::string& zone) override;

 private:
  compute::Zone Make(const std::string& project, size_t index) const;
  LocalStore& s_;
};

class LocalRegions final : public compute::Regions {
 public:
  explicit LocalRegions(LocalStore& store) : s_(store) {}
  LocalRegions(const LocalRegions&) = delete;
  LocalRegions& operator=(const LocalRegions&) = delete;

  compute::Result<compute::ListPage<compute::Region>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Region> Get(const std::string& project,
                                       const std::string& region) override;

 private:
  // The regions' names in order of first appearance among the zones.
  std::vector<std::string> Names() const;
  compute::Result<compute::Region> Make(const std::string& project, const std::string& name);
  LocalStore& s_;
};

/// The region of a zone: its name up to the last '-' (local-a -> local).
std::string RegionOfZone(const std::string& zone);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_ZONES_H_
