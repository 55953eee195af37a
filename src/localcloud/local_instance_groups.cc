#include "localcloud/local_instance_groups.h"

#include <set>

#include "compute/group_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "localcloud/list_util.h"

namespace imago::localcloud {

using compute::InstanceGroup;
using compute::Json;
using compute::NamedPort;
using compute::Result;
using compute::Status;

namespace {

constexpr const char* kGroupKind = "instanceGroupManager";
constexpr const char* kGroups = "instanceGroups";

std::string PortsFingerprint(const std::vector<NamedPort>& ports) {
  Json j = Json::array();
  for (const auto& p : ports) j.push_back({{"name", p.name}, {"port", p.port}});
  return compute::ShortFingerprint(j.dump());
}

}  // namespace

std::vector<NamedPort> NamedPortsOf(const ResourceRow& row) {
  std::vector<NamedPort> out;
  for (const auto& p : row.local.value("namedPorts", Json::array())) {
    out.push_back({p.value("name", ""), p.value("port", 0)});
  }
  return out;
}

Result<InstanceGroup> LocalInstanceGroups::FromRow(const ResourceRow& row) {
  InstanceGroup g;
  g.id = row.id;
  g.name = row.name;
  g.creation_timestamp = row.resource.value("creationTimestamp", "");
  g.description = row.resource.value("description", "");
  g.zone = row.resource.value("zone", "");
  g.self_link = s_.Link(compute::ZonalPath(row.project, row.zone, kGroups, row.name));
  g.named_ports = NamedPortsOf(row);
  g.fingerprint = PortsFingerprint(g.named_ports);
  const std::string igm = row.resource.value("selfLink", "");
  int size = 0;
  Status st =
      s_.catalog().ScanResources(kInstanceKind, row.project, row.zone, {}, [&](ResourceRow&& r) {
        for (const auto& item :
             r.resource.value("metadata", Json::object()).value("items", Json::array())) {
          if (item.value("key", "") == "created-by" && item.value("value", "") == igm) {
            ++size;
          }
        }
        return true;
      });
  if (!st.ok()) return st;
  g.size = size;
  return g;
}

Result<InstanceGroup> LocalInstanceGroups::Get(const std::string& project, const std::string& zone,
                                               const std::string& group) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::lock_guard lock(s_.mu());
  auto row = s_.LoadRow(kGroupKind, kGroups, project, zone, group);
  if (!row.ok()) return row.status();
  return FromRow(*row);
}

Result<compute::ListPage<InstanceGroup>> LocalInstanceGroups::List(
    const std::string& project, const std::string& zone, const compute::ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  auto plan =
      internal::PlanList(kGroups, project, opts, compute::InstanceGroupFilterSchema(), zone);
  if (!plan.ok()) return plan.status();
  std::lock_guard lock(s_.mu());
  std::vector<ResourceRow> rows;
  Status st = s_.catalog().ScanResources(kGroupKind, project, zone, {}, [&](ResourceRow&& r) {
    rows.push_back(std::move(r));
    return true;
  });
  if (!st.ok()) return st;
  compute::ListPage<InstanceGroup> page;
  for (const auto& r : rows) {
    auto g = FromRow(r);
    if (!g.ok()) return g.status();
    if (!plan->filter.Matches(compute::ToJson(*g))) continue;
    page.items.push_back(std::move(g.value()));
  }
  return page;
}

Result<compute::Operation> LocalInstanceGroups::SetNamedPorts(
    const std::string& project, const std::string& zone, const std::string& group,
    const std::vector<NamedPort>& ports, const std::string& fingerprint,
    const compute::MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const std::string where = "namedPorts[" + std::to_string(i) + "]";
    IMAGO_RETURN_IF_ERROR(compute::ValidateName(where + ".name", ports[i].name));
    if (ports[i].port < 1 || ports[i].port > 65535) {
      return Status::InvalidField(where + ".port", std::to_string(ports[i].port),
                                  "Valid ports are 1 through 65535.");
    }
    if (!names.insert(ports[i].name).second) {
      return Status::InvalidField(where + ".name", ports[i].name, "A named port is given once.");
    }
  }
  return s_.Mutate(
      project, "compute.instanceGroups.setNamedPorts", opts,
      [&](compute::Operation* op) -> Status {
        auto row = s_.LoadRow(kGroupKind, kGroups, project, zone, group);
        if (!row.ok()) return row.status();
        if (!fingerprint.empty() && fingerprint != PortsFingerprint(NamedPortsOf(*row))) {
          return Status::ConditionNotMet(
              "Supplied fingerprint does not match current fingerprint of the instance group; "
              "read it again and retry.");
        }
        Json arr = Json::array();
        for (const auto& p : ports) arr.push_back({{"name", p.name}, {"port", p.port}});
        row->local["namedPorts"] = arr;
        IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*row));
        op->target_link = s_.Link(compute::ZonalPath(project, zone, kGroups, row->name));
        op->target_id = row->id;
        return Status::OK();
      },
      zone);
}

}  // namespace imago::localcloud
