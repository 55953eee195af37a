#include "gce/gce_instance_group_managers.h"

#include "compute/group_codec.h"

namespace imago::gce {

using compute::InstanceGroupManager;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::ManagedInstance;
using compute::ManagedInstanceError;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;

namespace {

std::string GroupsPath(const std::string& project, const std::string& zone) {
  return ZonePath(project, zone) + "instanceGroupManagers";
}
std::string One(const std::string& project, const std::string& zone, const std::string& igm) {
  return GroupsPath(project, zone) + "/" + UrlEncode(igm);
}
Result<InstanceGroupManager> ReadGroup(const Json& x) {
  return compute::InstanceGroupManagerFromJson(x);
}
Json Instances(const std::vector<std::string>& instances) {
  return {{"instances", instances}};
}

}  // namespace

Result<Operation> GceInstanceGroupManagers::Insert(const std::string& project,
                                                   const std::string& zone,
                                                   const InstanceGroupManager& igm,
                                                   const MutationOptions& opts) {
  Json body = compute::ToJson(igm);
  return c_.Mutate("POST", GroupsPath(project, zone), {}, &body, opts);
}

Result<InstanceGroupManager> GceInstanceGroupManagers::Get(const std::string& project,
                                                           const std::string& zone,
                                                           const std::string& igm) {
  auto j = c_.Get(One(project, zone, igm));
  if (!j.ok()) return j.status();
  return ReadAnswer<InstanceGroupManager>(*j, ReadGroup);
}

Result<ListPage<InstanceGroupManager>> GceInstanceGroupManagers::List(const std::string& project,
                                                                      const std::string& zone,
                                                                      const ListOptions& opts) {
  auto j = c_.Get(GroupsPath(project, zone), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<InstanceGroupManager>(*j, ReadGroup);
}

Result<Operation> GceInstanceGroupManagers::Delete(const std::string& project,
                                                   const std::string& zone, const std::string& igm,
                                                   const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, zone, igm), {}, nullptr, opts);
}

Result<Operation> GceInstanceGroupManagers::Resize(const std::string& project,
                                                   const std::string& zone, const std::string& igm,
                                                   int size, const MutationOptions& opts) {
  return c_.Mutate("POST", One(project, zone, igm) + "/resize", {{"size", std::to_string(size)}},
                   nullptr, opts);
}

Result<Operation> GceInstanceGroupManagers::Patch(const std::string& project,
                                                  const std::string& zone, const std::string& igm,
                                                  const Json& patch, const MutationOptions& opts) {
  return c_.Mutate("PATCH", One(project, zone, igm), {}, &patch, opts);
}

Result<Operation> GceInstanceGroupManagers::SetInstanceTemplate(
    const std::string& project, const std::string& zone, const std::string& igm,
    const std::string& instance_template, const MutationOptions& opts) {
  Json body = {{"instanceTemplate", instance_template}};
  return c_.Mutate("POST", One(project, zone, igm) + "/setInstanceTemplate", {}, &body, opts);
}

Result<std::vector<ManagedInstance>> GceInstanceGroupManagers::ListManagedInstances(
    const std::string& project, const std::string& zone, const std::string& igm) {
  std::vector<ManagedInstance> out;
  Query q;
  while (true) {
    auto j = c_.Call("POST", One(project, zone, igm) + "/listManagedInstances", q, nullptr);
    if (!j.ok()) return j.status();
    if (j->contains("managedInstances") && (*j)["managedInstances"].is_array()) {
      for (const auto& m : (*j)["managedInstances"]) {
        out.push_back(compute::ManagedInstanceFromJson(m));
      }
    }
    std::string next = j->value("nextPageToken", "");
    if (next.empty()) return out;
    q = {{"pageToken", next}};
  }
}

Result<Operation> GceInstanceGroupManagers::RecreateInstances(
    const std::string& project, const std::string& zone, const std::string& igm,
    const std::vector<std::string>& instances, const MutationOptions& opts) {
  Json body = Instances(instances);
  return c_.Mutate("POST", One(project, zone, igm) + "/recreateInstances", {}, &body, opts);
}

Result<Operation> GceInstanceGroupManagers::ApplyUpdatesToInstances(
    const std::string& project, const std::string& zone, const std::string& igm,
    const compute::ApplyUpdatesRequest& request, const MutationOptions& opts) {
  Json body = Json::object();
  if (!request.instances.empty()) body["instances"] = request.instances;
  if (request.all_instances) body["allInstances"] = true;
  if (!request.minimal_action.empty()) body["minimalAction"] = request.minimal_action;
  if (!request.most_disruptive_allowed_action.empty()) {
    body["mostDisruptiveAllowedAction"] = request.most_disruptive_allowed_action;
  }
  return c_.Mutate("POST", One(project, zone, igm) + "/applyUpdatesToInstances", {}, &body, opts);
}

Result<Operation> GceInstanceGroupManagers::DeleteInstances(
    const std::string& project, const std::string& zone, const std::string& igm,
    const std::vector<std::string>& instances, const MutationOptions& opts) {
  Json body = Instances(instances);
  return c_.Mutate("POST", One(project, zone, igm) + "/deleteInstances", {}, &body, opts);
}

Result<std::vector<ManagedInstanceError>> GceInstanceGroupManagers::ListErrors(
    const std::string& project, const std::string& zone, const std::string& igm) {
  std::vector<ManagedInstanceError> out;
  Query q;
  while (true) {
    auto j = c_.Get(One(project, zone, igm) + "/listErrors", q);
    if (!j.ok()) return j.status();
    if (j->contains("items") && (*j)["items"].is_array()) {
      for (const auto& e : (*j)["items"]) out.push_back(compute::ManagedInstanceErrorFromJson(e));
    }
    std::string next = j->value("nextPageToken", "");
    if (next.empty()) return out;
    q = {{"pageToken", next}};
  }
}

}  // namespace imago::gce
