// instances: zones/{zone}/instances[/{instance}[/VERB]], aggregated/instances.
#include <charconv>

#include "compute/vm_codec.h"
#include "server/route_util.h"

namespace imago::server {

using compute::Status;

namespace {

HttpResponse SerialPort(const Call& c) {
  int port = 1;
  int64_t start = 0;
  std::string ps = QueryParam(c.req, "port"), ss = QueryParam(c.req, "start");
  if (!ps.empty() && std::from_chars(ps.data(), ps.data() + ps.size(), port).ec != std::errc()) {
    return Error(Status::InvalidField("port", ps, "Must be a number from 1 to 4."));
  }
  if (!ss.empty() && std::from_chars(ss.data(), ss.data() + ss.size(), start).ec != std::errc()) {
    return Error(Status::InvalidField("start", ss, "Must be a byte offset."));
  }
  auto out = c.svc.instances().GetSerialPortOutput(c.project, c[0], c[1], port, start);
  if (!out.ok()) return Error(out.status());
  Json j = compute::ToJson(*out);
  j["selfLink"] = c.project_link + "zones/" + c[0] + "/instances/" + c[1] + "/serialPort";
  return {200, j};
}

// start, stop, reset: POST .../instances/{instance}/VERB with no body.
template <auto Method>
HttpResponse Verb(const Call& c) {
  return Reply((c.svc.instances().*Method)(c.project, c[0], c[1], Mutation(c.req)));
}

}  // namespace

void AddInstanceRoutes(Router& r) {
  r.Add("GET", "zones/{zone}/instances", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.instances().List(c.project, c[0], *o), "compute#instanceList",
                     c.project_link + "zones/" + c[0] + "/instances");
  });
  r.Add("GET", "aggregated/instances", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return AggregatedReply(c.svc.instances().AggregatedList(c.project, *o),
                           "compute#instanceAggregatedList", "instances",
                           c.project_link + "aggregated/instances");
  });
  r.Add("POST", "zones/{zone}/instances", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto in = compute::InstanceFromJson(*body);
    if (!in.ok()) return Error(in.status());
    return Reply(c.svc.instances().Insert(c.project, c[0], *in, Mutation(c.req)));
  });
  r.Add("GET", "zones/{zone}/instances/{instance}",
        [](const Call& c) { return Reply(c.svc.instances().Get(c.project, c[0], c[1])); });
  r.Add("DELETE", "zones/{zone}/instances/{instance}", Verb<&compute::Instances::Delete>);
  r.Add("GET", "zones/{zone}/instances/{instance}/serialPort", SerialPort);
  r.Add("POST", "zones/{zone}/instances/{instance}/start", Verb<&compute::Instances::Start>);
  r.Add("POST", "zones/{zone}/instances/{instance}/stop", Verb<&compute::Instances::Stop>);
  r.Add("POST", "zones/{zone}/instances/{instance}/reset", Verb<&compute::Instances::Reset>);
  r.Add("POST", "zones/{zone}/instances/{instance}/detachDisk", [](const Call& c) {
    std::string device = QueryParam(c.req, "deviceName");
    if (device.empty()) {
      return Error(Status::Required("Required parameter 'deviceName' not specified."));
    }
    return Reply(c.svc.instances().DetachDisk(c.project, c[0], c[1], device, Mutation(c.req)));
  });
  r.Add("POST", "zones/{zone}/instances/{instance}/attachDisk", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto d = compute::AttachedDiskFromJson(*body);
    if (!d.ok()) return Error(d.status());
    return Reply(c.svc.instances().AttachDisk(c.project, c[0], c[1], *d, Mutation(c.req)));
  });
  r.Add("POST", "zones/{zone}/instances/{instance}/setMetadata", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto m = compute::MetadataFromJson(*body);
    if (!m.ok()) return Error(m.status());
    return Reply(c.svc.instances().SetMetadata(c.project, c[0], c[1], *m, Mutation(c.req)));
  });
  r.Add("POST", "zones/{zone}/instances/{instance}/setDeletionProtection", [](const Call& c) {
    std::string v = QueryParam(c.req, "deletionProtection");  // GCE's default: true.
    if (v != "" && v != "true" && v != "false") {
      return Error(Status::InvalidField("deletionProtection", v, "It is true or false."));
    }
    return Reply(c.svc.instances().SetDeletionProtection(c.project, c[0], c[1], v != "false",
                                                         Mutation(c.req)));
  });
}

}  // namespace imago::server
