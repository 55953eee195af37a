// What runs a release on many VMs: global/instanceTemplates[/{t}],
// global/healthChecks[/{hc}] and zones/{z}/instanceGroupManagers[/{g}/...].
#include <charconv>

#include "compute/group_codec.h"
#include "compute/json_read.h"
#include "server/route_util.h"

namespace imago::server {

using compute::Status;

namespace {

// The `instances` of a recreateInstances or deleteInstances body.
compute::Result<std::vector<std::string>> InstancesBody(const HttpRequest& req,
                                                        const char* message) {
  auto body = Body(req);
  if (!body.ok()) return body.status();
  std::vector<std::string> instances;
  bool skip = false;
  compute::json_read::Reader r(*body, "request", message);
  r.Strs("instances", &instances);
  if (std::string(message) == "InstanceGroupManagersDeleteInstancesRequest") {
    r.Bool("skipInstancesOnValidationError", &skip);
  }
  IMAGO_RETURN_IF_ERROR(r.Done());
  if (instances.empty()) return Status::Required("Required field 'instances' not specified");
  return instances;
}

}  // namespace

void AddInstanceTemplateRoutes(Router& r) {
  r.Add("POST", "global/instanceTemplates", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto t = compute::InstanceTemplateFromJson(*body);
    if (!t.ok()) return Error(t.status());
    return Reply(c.svc.instance_templates().Insert(c.project, *t, Mutation(c.req)));
  });
  r.Add("GET", "global/instanceTemplates", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.instance_templates().List(c.project, *o), "compute#instanceTemplateList",
                     c.project_link + "global/instanceTemplates");
  });
  r.Add("GET", "global/instanceTemplates/{instanceTemplate}",
        [](const Call& c) { return Reply(c.svc.instance_templates().Get(c.project, c[0])); });
  r.Add("DELETE", "global/instanceTemplates/{instanceTemplate}", [](const Call& c) {
    return Reply(c.svc.instance_templates().Delete(c.project, c[0], Mutation(c.req)));
  });
}

void AddHealthCheckRoutes(Router& r) {
  r.Add("POST", "global/healthChecks", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto hc = compute::HealthCheckFromJson(*body);
    if (!hc.ok()) return Error(hc.status());
    return Reply(c.svc.health_checks().Insert(c.project, *hc, Mutation(c.req)));
  });
  r.Add("GET", "global/healthChecks", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.health_checks().List(c.project, *o), "compute#healthCheckList",
                     c.project_link + "global/healthChecks");
  });
  r.Add("GET", "global/healthChecks/{healthCheck}",
        [](const Call& c) { return Reply(c.svc.health_checks().Get(c.project, c[0])); });
  r.Add("PUT", "global/healthChecks/{healthCheck}", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto hc = compute::HealthCheckFromJson(*body);
    if (!hc.ok()) return Error(hc.status());
    return Reply(c.svc.health_checks().Update(c.project, c[0], *hc, Mutation(c.req)));
  });
  r.Add("PATCH", "global/healthChecks/{healthCheck}", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    // Checked here as a whole resource would be, so that an unknown field
    // is refused by name before anything is read from the catalog.
    auto shape = compute::HealthCheckFromJson(*body);
    if (!shape.ok()) return Error(shape.status());
    return Reply(c.svc.health_checks().Patch(c.project, c[0], *body, Mutation(c.req)));
  });
  r.Add("DELETE", "global/healthChecks/{healthCheck}", [](const Call& c) {
    return Reply(c.svc.health_checks().Delete(c.project, c[0], Mutation(c.req)));
  });
}

void AddInstanceGroupManagerRoutes(Router& r) {
  const std::string base = "zones/{zone}/instanceGroupManagers";
  r.Add("POST", base, [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto g = compute::InstanceGroupManagerFromJson(*body);
    if (!g.ok()) return Error(g.status());
    return Reply(c.svc.instance_group_managers().Insert(c.project, c[0], *g, Mutation(c.req)));
  });
  r.Add("GET", base, [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.instance_group_managers().List(c.project, c[0], *o),
                     "compute#instanceGroupManagerList",
                     c.project_link + "zones/" + c[0] + "/instanceGroupManagers");
  });
  r.Add("GET", base + "/{igm}", [](const Call& c) {
    return Reply(c.svc.instance_group_managers().Get(c.project, c[0], c[1]));
  });
  r.Add("DELETE", base + "/{igm}", [](const Call& c) {
    return Reply(c.svc.instance_group_managers().Delete(c.project, c[0], c[1], Mutation(c.req)));
  });
  r.Add("PATCH", base + "/{igm}", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    // Read as a whole group would be, so that an unknown field or a wrong
    // type is refused by name before anything changes.
    auto shape = compute::InstanceGroupManagerFromJson(*body);
    if (!shape.ok()) return Error(shape.status());
    return Reply(
        c.svc.instance_group_managers().Patch(c.project, c[0], c[1], *body, Mutation(c.req)));
  });
  r.Add("POST", base + "/{igm}/resize", [](const Call& c) {
    std::string v = QueryParam(c.req, "size");
    int size = -1;
    if (v.empty()) return Error(Status::Required("Required field 'size' not specified"));
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), size);
    if (ec != std::errc() || end != v.data() + v.size()) {
      return Error(Status::InvalidField("size", v, "Must be a number from 0 to 1000."));
    }
    return Reply(
        c.svc.instance_group_managers().Resize(c.project, c[0], c[1], size, Mutation(c.req)));
  });
  r.Add("POST", base + "/{igm}/setInstanceTemplate", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    std::string tmpl;
    compute::json_read::Reader rd(*body, "request",
                                  "InstanceGroupManagersSetInstanceTemplateRequest");
    rd.Str("instanceTemplate", &tmpl);
    Status st = rd.Done();
    if (!st.ok()) return Error(st);
    return Reply(c.svc.instance_group_managers().SetInstanceTemplate(c.project, c[0], c[1], tmpl,
                                                                     Mutation(c.req)));
  });
  r.Add("POST", base + "/{igm}/listManagedInstances", [](const Call& c) {
    auto list = c.svc.instance_group_managers().ListManagedInstances(c.project, c[0], c[1]);
    if (!list.ok()) return Error(list.status());
    Json items = Json::array();
    for (const auto& m : *list) items.push_back(compute::ToJson(m));
    Json j = Json::object();
    if (!items.empty()) j["managedInstances"] = items;
    return HttpResponse{200, j};
  });
  r.Add("POST", base + "/{igm}/recreateInstances", [](const Call& c) {
    auto in = InstancesBody(c.req, "InstanceGroupManagersRecreateInstancesRequest");
    if (!in.ok()) return Error(in.status());
    return Reply(c.svc.instance_group_managers().RecreateInstances(c.project, c[0], c[1], *in,
                                                                   Mutation(c.req)));
  });
  r.Add("POST", base + "/{igm}/applyUpdatesToInstances", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    compute::ApplyUpdatesRequest req;
    compute::json_read::Reader rd(*body, "request", "InstanceGroupManagersApplyUpdatesRequest");
    rd.Strs("instances", &req.instances)
        .Bool("allInstances", &req.all_instances)
        .Enum("minimalAction", &req.minimal_action)
        .Enum("mostDisruptiveAllowedAction", &req.most_disruptive_allowed_action);
    Status st = rd.Done();
    if (!st.ok()) return Error(st);
    return Reply(c.svc.instance_group_managers().ApplyUpdatesToInstances(c.project, c[0], c[1], req,
                                                                         Mutation(c.req)));
  });
  r.Add("POST", base + "/{igm}/deleteInstances", [](const Call& c) {
    auto in = InstancesBody(c.req, "InstanceGroupManagersDeleteInstancesRequest");
    if (!in.ok()) return Error(in.status());
    return Reply(c.svc.instance_group_managers().DeleteInstances(c.project, c[0], c[1], *in,
                                                                 Mutation(c.req)));
  });
  r.Add("GET", base + "/{igm}/listErrors", [](const Call& c) {
    auto list = c.svc.instance_group_managers().ListErrors(c.project, c[0], c[1]);
    if (!list.ok()) return Error(list.status());
    Json items = Json::array();
    for (const auto& e : *list) items.push_back(compute::ToJson(e));
    Json j = Json::object();
    if (!items.empty()) j["items"] = items;
    return HttpResponse{200, j};
  });
}

}  // namespace imago::server
