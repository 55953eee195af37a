// snapshots: global/snapshots[/{snapshot}].
#include "compute/vm_codec.h"
#include "server/route_util.h"

namespace imago::server {

void AddSnapshotRoutes(Router& r) {
  r.Add("GET", "global/snapshots", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.snapshots().List(c.project, *o), "compute#snapshotList",
                     c.project_link + "global/snapshots");
  });
  r.Add("GET", "global/snapshots/{snapshot}",
        [](const Call& c) { return Reply(c.svc.snapshots().Get(c.project, c[0])); });
  r.Add("DELETE", "global/snapshots/{snapshot}", [](const Call& c) {
    return Reply(c.svc.snapshots().Delete(c.project, c[0], Mutation(c.req)));
  });
}

}  // namespace imago::server
