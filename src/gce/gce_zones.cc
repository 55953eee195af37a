#include "gce/gce_zones.h"

#include "compute/cloud_codec.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::Result;
using compute::Zone;

namespace {

Result<Zone> ReadZone(const Json& x) {
  return compute::ZoneFromJson(x);
}

}  // namespace

Result<ListPage<Zone>> GceZones::List(const std::string& project, const ListOptions& opts) {
  auto j = c_.Get(ProjectPath(project) + "zones", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Zone>(*j, ReadZone);
}

Result<Zone> GceZones::Get(const std::string& project, const std::string& zone) {
  auto j = c_.Get(ProjectPath(project) + "zones/" + UrlEncode(zone));
  if (!j.ok()) return j.status();
  return ReadAnswer<Zone>(*j, ReadZone);
}

}  // namespace imago::gce
