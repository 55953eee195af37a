// The load balancer: global/backendServices[/{bs}[/getHealth]],
// global/urlMaps[/{m}], global/targetHttpProxies[/{p}] with
// targetHttpProxies/{p}/setUrlMap, and global/forwardingRules[/{r}[/setTarget]].
#include "compute/group_codec.h"
#include "compute/json_read.h"
#include "compute/lb_codec.h"
#include "server/route_util.h"

namespace imago::server {

using compute::Status;

namespace {

// The one string field `field` of a body of message `message`.
compute::Result<std::string> OneField(const HttpRequest& req, const char* message,
                                      const char* field) {
  auto body = Body(req);
  if (!body.ok()) return body.status();
  std::string value;
  compute::json_read::Reader r(*body, "request", message);
  r.Str(field, &value);
  IMAGO_RETURN_IF_ERROR(r.Done());
  if (value.empty()) {
    return Status::Required(std::string("Required field '") + field + "' not specified");
  }
  return value;
}

// POST (insert), GET (list), GET/DELETE one, for a global collection.
template <typename T, typename Coll, typename Read>
void AddGlobalCrud(Router& r, const std::string& collection, const std::string& param,
                   const char* list_kind, Coll coll, Read read) {
  r.Add("POST", "global/" + collection, [=](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto x = read(*body);
    if (!x.ok()) return Error(x.status());
    return Reply(coll(c).Insert(c.project, *x, Mutation(c.req)));
  });
  r.Add("GET", "global/" + collection, [=](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(coll(c).List(c.project, *o), list_kind,
                     c.project_link + "global/" + collection);
  });
  r.Add("GET", "global/" + collection + "/{" + param + "}",
        [=](const Call& c) { return Reply(coll(c).Get(c.project, c[0])); });
  r.Add("DELETE", "global/" + collection + "/{" + param + "}",
        [=](const Call& c) { return Reply(coll(c).Delete(c.project, c[0], Mutation(c.req))); });
}

}  // namespace

void AddAutoscalerRoutes(Router& r) {
  const std::string base = "zones/{zone}/autoscalers";
  r.Add("POST", base, [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto a = compute::AutoscalerFromJson(*body);
    if (!a.ok()) return Error(a.status());
    return Reply(c.svc.autoscalers().Insert(c.project, c[0], *a, Mutation(c.req)));
  });
  r.Add("GET", base, [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.autoscalers().List(c.project, c[0], *o), "compute#autoscalerList",
                     c.project_link + "zones/" + c[0] + "/autoscalers");
  });
  // GCE names the autoscaler of a patch in the query: ?autoscaler=NAME.
  r.Add("PATCH", base, [](const Call& c) {
    const std::string name = QueryParam(c.req, "autoscaler");
    if (name.empty()) {
      return Error(
          Status::Required("Required parameter 'autoscaler' not specified: "
                           "?autoscaler=NAME names the autoscaler to patch"));
    }
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto a = compute::AutoscalerFromJson(*body);
    if (!a.ok()) return Error(a.status());
    return Reply(c.svc.autoscalers().Patch(c.project, c[0], name, *body, Mutation(c.req)));
  });
  r.Add("GET", base + "/{autoscaler}",
        [](const Call& c) { return Reply(c.svc.autoscalers().Get(c.project, c[0], c[1])); });
  r.Add("DELETE", base + "/{autoscaler}", [](const Call& c) {
    return Reply(c.svc.autoscalers().Delete(c.project, c[0], c[1], Mutation(c.req)));
  });
}

void AddLoadBalancerRoutes(Router& r) {
  const std::string groups = "zones/{zone}/instanceGroups";
  r.Add("GET", groups, [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.instance_groups().List(c.project, c[0], *o), "compute#instanceGroupList",
                     c.project_link + "zones/" + c[0] + "/instanceGroups");
  });
  r.Add("GET", groups + "/{instanceGroup}",
        [](const Call& c) { return Reply(c.svc.instance_groups().Get(c.project, c[0], c[1])); });
  r.Add("POST", groups + "/{instanceGroup}/setNamedPorts", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    std::vector<compute::NamedPort> ports;
    std::string fingerprint;
    compute::json_read::Reader rd(*body, "request", "InstanceGroupsSetNamedPortsRequest");
    rd.Str("fingerprint", &fingerprint)
        .Arr("namedPorts", [&](const compute::Json& v, const std::string& w) {
          auto np = compute::NamedPortFromJson(v, w);
          if (np.ok()) ports.push_back(std::move(np.value()));
          return np.status();
        });
    Status st = rd.Done();
    if (!st.ok()) return Error(st);
    return Reply(c.svc.instance_groups().SetNamedPorts(c.project, c[0], c[1], ports, fingerprint,
                                                       Mutation(c.req)));
  });

  auto services = [](const Call& c) -> compute::BackendServices& {
    return c.svc.backend_services();
  };
  AddGlobalCrud<compute::BackendService>(
      r, "backendServices", "backendService", "compute#backendServiceList", services,
      [](const compute::Json& j) { return compute::BackendServiceFromJson(j); });
  r.Add("PATCH", "global/backendServices/{backendService}", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    // The patch is read as a resource first: its names and types are checked.
    auto bs = compute::BackendServiceFromJson(*body);
    if (!bs.ok()) return Error(bs.status());
    return Reply(c.svc.backend_services().Patch(c.project, c[0], *body, Mutation(c.req)));
  });
  r.Add("PUT", "global/backendServices/{backendService}", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto bs = compute::BackendServiceFromJson(*body);
    if (!bs.ok()) return Error(bs.status());
    return Reply(c.svc.backend_services().Update(c.project, c[0], *bs, Mutation(c.req)));
  });
  r.Add("POST", "global/backendServices/{backendService}/getHealth", [](const Call& c) {
    auto group = OneField(c.req, "ResourceGroupReference", "group");
    if (!group.ok()) return Error(group.status());
    return Reply(c.svc.backend_services().GetHealth(c.project, c[0], *group));
  });

  AddGlobalCrud<compute::UrlMap>(
      r, "urlMaps", "urlMap", "compute#urlMapList",
      [](const Call& c) -> compute::UrlMaps& { return c.svc.url_maps(); },
      [](const compute::Json& j) { return compute::UrlMapFromJson(j); });
  r.Add("PATCH", "global/urlMaps/{urlMap}", [](const Call& c) {
    auto body = Body(c.req);
    if (!body.ok()) return Error(body.status());
    auto m = compute::UrlMapFromJson(*body);
    if (!m.ok()) return Error(m.status());
    return Reply(c.svc.url_maps().Patch(c.project, c[0], *body, Mutation(c.req)));
  });

  AddGlobalCrud<compute::TargetHttpProxy>(
      r, "targetHttpProxies", "targetHttpProxy", "compute#targetHttpProxyList",
      [](const Call& c) -> compute::TargetHttpProxies& { return c.svc.target_http_proxies(); },
      [](const compute::Json& j) { return compute::TargetHttpProxyFromJson(j); });
  r.Add("POST", "targetHttpProxies/{targetHttpProxy}/setUrlMap", [](const Call& c) {
    auto map = OneField(c.req, "UrlMapReference", "urlMap");
    if (!map.ok()) return Error(map.status());
    return Reply(c.svc.target_http_proxies().SetUrlMap(c.project, c[0], *map, Mutation(c.req)));
  });

  AddGlobalCrud<compute::ForwardingRule>(
      r, "forwardingRules", "forwardingRule", "compute#forwardingRuleList",
      [](const Call& c) -> compute::GlobalForwardingRules& {
        return c.svc.global_forwarding_rules();
      },
      [](const compute::Json& j) { return compute::ForwardingRuleFromJson(j); });
  r.Add("POST", "global/forwardingRules/{forwardingRule}/setTarget", [](const Call& c) {
    auto target = OneField(c.req, "TargetReference", "target");
    if (!target.ok()) return Error(target.status());
    return Reply(
        c.svc.global_forwarding_rules().SetTarget(c.project, c[0], *target, Mutation(c.req)));
  });
}

}  // namespace imago::server
