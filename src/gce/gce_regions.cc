#include "gce/gce_regions.h"

#include "compute/cloud_codec.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Region;
using compute::Result;

namespace {

Result<Region> ReadRegion(const Json& x) {
  return compute::RegionFromJson(x);
}

}  // namespace

Result<ListPage<Region>> GceRegions::List(const std::string& project, const ListOptions& opts) {
  auto j = c_.Get(ProjectPath(project) + "regions", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Region>(*j, ReadRegion);
}

Result<Region> GceRegions::Get(const std::string& project, const std::string& region) {
  auto j = c_.Get(ProjectPath(project) + "regions/" + UrlEncode(region));
  if (!j.ok()) return j.status();
  return ReadAnswer<Region>(*j, ReadRegion);
}

}  // namespace imago::gce
