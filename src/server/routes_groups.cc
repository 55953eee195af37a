// What runs a release on many VMs: global/instanceTemplates[/{t}] and
// global/healthChecks[/{hc}].
#include "compute/group_codec.h"
#include "server/route_util.h"

namespace imago::server {

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

}  // namespace imago::server
