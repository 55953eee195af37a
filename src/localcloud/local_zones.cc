#include "localcloud/local_zones.h"

#include <algorithm>

#include "compute/cloud_codec.h"
#include "compute/filter.h"
#include "localcloud/host_quotas.h"
#include "localcloud/list_util.h"
#include "localcloud/qemu.h"

namespace imago::localcloud {

using compute::ListOptions;
using compute::ListPage;
using compute::Region;
using compute::Result;
using compute::Status;
using compute::Zone;

namespace {

// A fixed timestamp: the local cloud's zones and regions exist from the start.
constexpr const char* kCreated = "2026-01-01T00:00:00.000-00:00";

}  // namespace

std::string RegionOfZone(const std::string& zone) {
  size_t dash = zone.rfind('-');
  return dash == std::string::npos ? zone : zone.substr(0, dash);
}

Zone LocalZones::Make(const std::string& project, size_t index) const {
  const std::string& z = s_.options().zones[index];
  Zone zone;
  zone.id = 2001 + index;
  zone.creation_timestamp = kCreated;
  zone.name = z;
  zone.description = z + " (imago local cloud)";
  zone.status = "UP";
  zone.region = s_.Link("projects/" + project + "/regions/" + RegionOfZone(z));
  zone.self_link = s_.ZoneLink(project, z);
  zone.available_cpu_platforms = {KvmUsable() ? "Host (KVM)" : "QEMU TCG (software emulation)"};
  return zone;
}

Result<ListPage<Zone>> LocalZones::List(const std::string& project, const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::vector<Zone> all;
  for (size_t i = 0; i < s_.options().zones.size(); ++i) all.push_back(Make(project, i));
  return internal::PageOfList("zones", project, "", std::move(all), opts,
                              compute::ZoneFilterSchema());
}

Result<Zone> LocalZones::Get(const std::string& project, const std::string& zone) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  const auto& zones = s_.options().zones;
  size_t i = std::find(zones.begin(), zones.end(), zone) - zones.begin();
  return Make(project, i);
}

std::vector<std::string> LocalRegions::Names() const {
  std::vector<std::string> names;
  for (const auto& z : s_.options().zones) {
    std::string r = RegionOfZone(z);
    if (std::find(names.begin(), names.end(), r) == names.end()) names.push_back(r);
  }
  return names;
}

Result<Region> LocalRegions::Make(const std::string& project, const std::string& name) {
  std::vector<std::string> names = Names();
  auto at = std::find(names.begin(), names.end(), name);
  if (at == names.end()) {
    return Status::ResourceNotFound("projects/" + project + "/regions/" + name);
  }
  Region r;
  r.id = 1001 + static_cast<uint64_t>(at - names.begin());
  r.creation_timestamp = kCreated;
  r.name = name;
  r.description = name + " (imago local cloud)";
  r.status = "UP";
  std::vector<std::string> zones;
  for (const auto& z : s_.options().zones) {
    if (RegionOfZone(z) != name) continue;
    zones.push_back(z);
    r.zones.push_back(s_.ZoneLink(project, z));
  }
  auto quotas = ZoneQuotas(s_, project, zones);
  if (!quotas.ok()) return quotas.status();
  r.quotas = std::move(quotas.value());
  r.self_link = s_.Link("projects/" + project + "/regions/" + name);
  return r;
}

Result<ListPage<Region>> LocalRegions::List(const std::string& project, const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::vector<Region> all;
  for (const auto& name : Names()) {
    auto r = Make(project, name);
    if (!r.ok()) return r.status();
    all.push_back(std::move(r.value()));
  }
  return internal::PageOfList("regions", project, "", std::move(all), opts,
                              compute::RegionFilterSchema());
}

Result<Region> LocalRegions::Get(const std::string& project, const std::string& region) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return Make(project, region);
}

}  // namespace imago::localcloud
