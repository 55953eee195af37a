// zones, regions, machine types and the project: where things run.
#include "compute/cloud_codec.h"
#include "compute/vm_codec.h"
#include "server/route_util.h"

namespace imago::server {

void AddZoneRoutes(Router& r) {
  r.Add("GET", "zones", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.zones().List(c.project, *o), "compute#zoneList",
                     c.project_link + "zones");
  });
  r.Add("GET", "zones/{zone}",
        [](const Call& c) { return Reply(c.svc.zones().Get(c.project, c[0])); });
}

void AddRegionRoutes(Router& r) {
  r.Add("GET", "regions", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.regions().List(c.project, *o), "compute#regionList",
                     c.project_link + "regions");
  });
  r.Add("GET", "regions/{region}",
        [](const Call& c) { return Reply(c.svc.regions().Get(c.project, c[0])); });
}

void AddMachineTypeRoutes(Router& r) {
  r.Add("GET", "zones/{zone}/machineTypes", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.machine_types().List(c.project, c[0], *o), "compute#machineTypeList",
                     c.project_link + "zones/" + c[0] + "/machineTypes");
  });
  r.Add("GET", "zones/{zone}/machineTypes/{machineType}",
        [](const Call& c) { return Reply(c.svc.machine_types().Get(c.project, c[0], c[1])); });
  r.Add("GET", "aggregated/machineTypes", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return AggregatedReply(c.svc.machine_types().AggregatedList(c.project, *o),
                           "compute#machineTypeAggregatedList", "machineTypes",
                           c.project_link + "aggregated/machineTypes");
  });
}

void AddProjectRoutes(Router& r) {
  // projects.get is the project's own path: no pattern below it.
  r.Add("GET", "", [](const Call& c) { return Reply(c.svc.projects().Get(c.project)); });
  r.Add("POST", "setCommonInstanceMetadata", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto m = compute::MetadataFromJson(*body);
    if (!m.ok()) return Error(m.status());
    return Reply(c.svc.projects().SetCommonInstanceMetadata(c.project, *m, Mutation(c.req)));
  });
}

}  // namespace imago::server
