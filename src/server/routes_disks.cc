// disks: zones/{zone}/disks[/{disk}[/createSnapshot]], aggregated/disks.
#include "compute/vm_codec.h"
#include "server/route_util.h"

namespace imago::server {

void AddDiskRoutes(Router& r) {
  r.Add("GET", "zones/{zone}/disks", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.disks().List(c.project, c[0], *o), "compute#diskList",
                     c.project_link + "zones/" + c[0] + "/disks");
  });
  r.Add("GET", "aggregated/disks", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return AggregatedReply(c.svc.disks().AggregatedList(c.project, *o),
                           "compute#diskAggregatedList", "disks",
                           c.project_link + "aggregated/disks");
  });
  r.Add("POST", "zones/{zone}/disks", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto d = compute::DiskFromJson(*body);
    if (!d.ok()) return Error(d.status());
    if (d->source_image.empty()) d->source_image = QueryParam(c.req, "sourceImage");
    return Reply(c.svc.disks().Insert(c.project, c[0], *d, Mutation(c.req)));
  });
  r.Add("GET", "zones/{zone}/disks/{disk}",
        [](const Call& c) { return Reply(c.svc.disks().Get(c.project, c[0], c[1])); });
  r.Add("DELETE", "zones/{zone}/disks/{disk}", [](const Call& c) {
    return Reply(c.svc.disks().Delete(c.project, c[0], c[1], Mutation(c.req)));
  });
  r.Add("POST", "zones/{zone}/disks/{disk}/createSnapshot", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto snap = compute::SnapshotFromJson(*body);
    if (!snap.ok()) return Error(snap.status());
    return Reply(c.svc.disks().CreateSnapshot(c.project, c[0], c[1], *snap, Mutation(c.req)));
  });
}

}  // namespace imago::server
