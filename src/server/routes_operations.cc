// operations: global/operations[/{op}[/wait]], zones/{zone}/operations[...],
// aggregated/operations.
#include "compute/json_codec.h"
#include "server/route_util.h"

namespace imago::server {

using compute::Scope;

namespace {

// The routes of one scope: global ones (zonal false) or a zone's.
void AddScope(Router& r, bool zonal) {
  auto scope = [zonal](const Call& c) {
    return zonal ? Scope::Zonal(c.project, c[0]) : Scope::Global(c.project);
  };
  auto name = [zonal](const Call& c) -> const std::string& { return c[zonal ? 1 : 0]; };
  std::string base = zonal ? "zones/{zone}/operations" : "global/operations";
  r.Add("GET", base, [scope, zonal](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(
        c.svc.operations().List(scope(c), *o), "compute#operationList",
        c.project_link + (zonal ? "zones/" + c[0] + "/operations" : "global/operations"));
  });
  r.Add("GET", base + "/{operation}",
        [scope, name](const Call& c) { return Reply(c.svc.operations().Get(scope(c), name(c))); });
  r.Add("DELETE", base + "/{operation}", [scope, name](const Call& c) {
    return ReplyEmpty(c.svc.operations().Delete(scope(c), name(c)));
  });
  r.Add("POST", base + "/{operation}/wait",
        [scope, name](const Call& c) { return Reply(c.svc.operations().Wait(scope(c), name(c))); });
}

}  // namespace

void AddOperationRoutes(Router& r) {
  AddScope(r, false);
  AddScope(r, true);
  r.Add("GET", "aggregated/operations", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return AggregatedReply(c.svc.operations().AggregatedList(c.project, *o),
                           "compute#operationAggregatedList", "operations",
                           c.project_link + "aggregated/operations");
  });
}

}  // namespace imago::server
