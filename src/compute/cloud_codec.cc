#include "compute/cloud_codec.h"

#include "compute/json_read.h"
#include "compute/vm_codec.h"

namespace imago::compute {

using json_read::PutExtra;
using json_read::PutId;
using json_read::PutIfSet;
using json_read::Reader;

namespace {

Json QuotasJson(const std::vector<Quota>& quotas) {
  Json a = Json::array();
  for (const auto& q : quotas)
    a.push_back({{"metric", q.metric}, {"limit", q.limit}, {"usage", q.usage}});
  return a;
}

Status ReadQuotas(Reader& r, std::vector<Quota>* out) {
  r.Arr("quotas", [out](const Json& v, const std::string& w) -> Status {
    Quota q;
    if (!v.is_object()) return json_read::CheckObject(v, w);
    if (v.contains("metric") && v["metric"].is_string()) q.metric = v["metric"];
    if (v.contains("limit") && v["limit"].is_number()) q.limit = v["limit"];
    if (v.contains("usage") && v["usage"].is_number()) q.usage = v["usage"];
    out->push_back(std::move(q));
    return Status::OK();
  });
  return Status::OK();
}

}  // namespace

Json ToJson(const Zone& z) {
  Json j = {{"kind", "compute#zone"}};
  PutId(j, z.id);
  PutIfSet(j, "creationTimestamp", z.creation_timestamp);
  j["name"] = z.name;
  PutIfSet(j, "description", z.description);
  PutIfSet(j, "status", z.status);
  PutIfSet(j, "region", z.region);
  if (!z.available_cpu_platforms.empty()) j["availableCpuPlatforms"] = z.available_cpu_platforms;
  PutIfSet(j, "selfLink", z.self_link);
  PutExtra(j, z.extra);
  return j;
}

Result<Zone> ZoneFromJson(const Json& j) {
  Zone z;
  Reader r(j, "zone", "Zone");
  r.Kind("compute#zone")
      .U64("id", &z.id)
      .Str("creationTimestamp", &z.creation_timestamp)
      .Str("name", &z.name)
      .Str("description", &z.description)
      .Str("status", &z.status)
      .Str("region", &z.region)
      .Str("selfLink", &z.self_link)
      .Strs("availableCpuPlatforms", &z.available_cpu_platforms);
  IMAGO_RETURN_IF_ERROR(r.Done(&z.extra));
  return z;
}

Json ToJson(const Region& x) {
  Json j = {{"kind", "compute#region"}};
  PutId(j, x.id);
  PutIfSet(j, "creationTimestamp", x.creation_timestamp);
  j["name"] = x.name;
  PutIfSet(j, "description", x.description);
  PutIfSet(j, "status", x.status);
  if (!x.zones.empty()) j["zones"] = x.zones;
  if (!x.quotas.empty()) j["quotas"] = QuotasJson(x.quotas);
  PutIfSet(j, "selfLink", x.self_link);
  PutExtra(j, x.extra);
  return j;
}

Result<Region> RegionFromJson(const Json& j) {
  Region x;
  Reader r(j, "region", "Region");
  r.Kind("compute#region")
      .U64("id", &x.id)
      .Str("creationTimestamp", &x.creation_timestamp)
      .Str("name", &x.name)
      .Str("description", &x.description)
      .Str("status", &x.status)
      .Strs("zones", &x.zones)
      .Str("selfLink", &x.self_link);
  IMAGO_RETURN_IF_ERROR(ReadQuotas(r, &x.quotas));
  IMAGO_RETURN_IF_ERROR(r.Done(&x.extra));
  return x;
}

Json ToJson(const MachineType& m) {
  Json j = {{"kind", "compute#machineType"}};
  PutId(j, m.id);
  PutIfSet(j, "creationTimestamp", m.creation_timestamp);
  j["name"] = m.name;
  PutIfSet(j, "description", m.description);
  j["guestCpus"] = m.guest_cpus;
  j["memoryMb"] = m.memory_mb;
  j["maximumPersistentDisks"] = m.maximum_persistent_disks;
  j["maximumPersistentDisksSizeGb"] = std::to_string(m.maximum_persistent_disks_size_gb);
  j["isSharedCpu"] = m.is_shared_cpu;
  PutIfSet(j, "zone", m.zone);
  PutIfSet(j, "selfLink", m.self_link);
  PutExtra(j, m.extra);
  return j;
}

Result<MachineType> MachineTypeFromJson(const Json& j) {
  MachineType m;
  Reader r(j, "machineType", "MachineType");
  r.Kind("compute#machineType")
      .U64("id", &m.id)
      .Str("creationTimestamp", &m.creation_timestamp)
      .Str("name", &m.name)
      .Str("description", &m.description)
      .I32("guestCpus", &m.guest_cpus)
      .I32("memoryMb", &m.memory_mb)
      .I32("maximumPersistentDisks", &m.maximum_persistent_disks)
      .I64("maximumPersistentDisksSizeGb", &m.maximum_persistent_disks_size_gb)
      .Bool("isSharedCpu", &m.is_shared_cpu)
      .Str("zone", &m.zone)
      .Str("selfLink", &m.self_link);
  IMAGO_RETURN_IF_ERROR(r.Done(&m.extra));
  return m;
}

Json ToJson(const Project& p) {
  Json j = {{"kind", "compute#project"}};
  PutId(j, p.id);
  PutIfSet(j, "creationTimestamp", p.creation_timestamp);
  j["name"] = p.name;
  PutIfSet(j, "description", p.description);
  j["commonInstanceMetadata"] = ToJson(p.common_instance_metadata);
  if (!p.quotas.empty()) j["quotas"] = QuotasJson(p.quotas);
  PutIfSet(j, "defaultServiceAccount", p.default_service_account);
  PutIfSet(j, "defaultNetworkTier", p.default_network_tier);
  PutIfSet(j, "xpnProjectStatus", p.xpn_project_status);
  PutIfSet(j, "selfLink", p.self_link);
  PutExtra(j, p.extra);
  return j;
}

Result<Project> ProjectFromJson(const Json& j) {
  Project p;
  Reader r(j, "project", "Project");
  r.Kind("compute#project")
      .U64("id", &p.id)
      .Str("creationTimestamp", &p.creation_timestamp)
      .Str("name", &p.name)
      .Str("description", &p.description)
      .Obj("commonInstanceMetadata",
           [&](const Json& v, const std::string& w) {
             auto m = MetadataFromJson(v, w);
             if (m.ok()) p.common_instance_metadata = std::move(m.value());
             return m.status();
           })
      .Str("defaultServiceAccount", &p.default_service_account)
      .Str("defaultNetworkTier", &p.default_network_tier)
      .Str("xpnProjectStatus", &p.xpn_project_status)
      .Str("selfLink", &p.self_link);
  IMAGO_RETURN_IF_ERROR(ReadQuotas(r, &p.quotas));
  IMAGO_RETURN_IF_ERROR(r.Done(&p.extra));
  return p;
}

}  // namespace imago::compute
