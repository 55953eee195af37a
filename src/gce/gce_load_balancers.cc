#include "gce/gce_load_balancers.h"

#include "compute/group_codec.h"
#include "compute/lb_codec.h"

namespace imago::gce {

using compute::BackendService;
using compute::BackendServiceGroupHealth;
using compute::ForwardingRule;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::TargetHttpProxy;
using compute::UrlMap;

namespace {

std::string Collection(const std::string& project, const char* collection) {
  return ProjectPath(project) + "global/" + collection;
}
std::string One(const std::string& project, const char* collection, const std::string& name) {
  return Collection(project, collection) + "/" + UrlEncode(name);
}

// get and list of a global collection, read by `read`.
template <typename T, typename Read>
Result<T> GetOne(ApiCaller& c, const std::string& project, const char* collection,
                 const std::string& name, const Read& read) {
  auto j = c.Get(One(project, collection, name));
  if (!j.ok()) return j.status();
  return ReadAnswer<T>(*j, read);
}
template <typename T, typename Read>
Result<ListPage<T>> ListSome(ApiCaller& c, const std::string& project, const char* collection,
                             const ListOptions& opts, const Read& read) {
  auto j = c.Get(Collection(project, collection), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<T>(*j, read);
}

constexpr const char* kBackendServices = "backendServices";
constexpr const char* kUrlMaps = "urlMaps";
constexpr const char* kProxies = "targetHttpProxies";
constexpr const char* kRules = "forwardingRules";

Result<BackendService> ReadService(const Json& j) {
  return compute::BackendServiceFromJson(j);
}
Result<UrlMap> ReadMap(const Json& j) {
  return compute::UrlMapFromJson(j);
}
Result<TargetHttpProxy> ReadProxy(const Json& j) {
  return compute::TargetHttpProxyFromJson(j);
}
Result<ForwardingRule> ReadRule(const Json& j) {
  return compute::ForwardingRuleFromJson(j);
}

}  // namespace

// ------------------------------------------------------------- instanceGroups

namespace {
std::string GroupsPath(const std::string& project, const std::string& zone) {
  return ZonePath(project, zone) + "instanceGroups";
}
Result<compute::InstanceGroup> ReadGroup(const Json& j) {
  return compute::InstanceGroupFromJson(j);
}
}  // namespace

Result<compute::InstanceGroup> GceInstanceGroups::Get(const std::string& project,
                                                      const std::string& zone,
                                                      const std::string& group) {
  auto j = c_.Get(GroupsPath(project, zone) + "/" + UrlEncode(group));
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::InstanceGroup>(*j, ReadGroup);
}
Result<ListPage<compute::InstanceGroup>> GceInstanceGroups::List(const std::string& project,
                                                                 const std::string& zone,
                                                                 const ListOptions& opts) {
  auto j = c_.Get(GroupsPath(project, zone), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<compute::InstanceGroup>(*j, ReadGroup);
}
Result<Operation> GceInstanceGroups::SetNamedPorts(const std::string& project,
                                                   const std::string& zone,
                                                   const std::string& group,
                                                   const std::vector<compute::NamedPort>& ports,
                                                   const std::string& fingerprint,
                                                   const MutationOptions& opts) {
  Json arr = Json::array();
  for (const auto& p : ports) arr.push_back({{"name", p.name}, {"port", p.port}});
  Json body = {{"namedPorts", arr}};
  if (!fingerprint.empty()) body["fingerprint"] = fingerprint;
  return c_.Mutate("POST", GroupsPath(project, zone) + "/" + UrlEncode(group) + "/setNamedPorts",
                   {}, &body, opts);
}

// ---------------------------------------------------------------- autoscalers

namespace {
std::string ScalersPath(const std::string& project, const std::string& zone) {
  return ZonePath(project, zone) + "autoscalers";
}
Result<compute::Autoscaler> ReadScaler(const Json& j) {
  return compute::AutoscalerFromJson(j);
}
}  // namespace

Result<Operation> GceAutoscalers::Insert(const std::string& project, const std::string& zone,
                                         const compute::Autoscaler& a,
                                         const MutationOptions& opts) {
  Json body = compute::ToJson(a);
  return c_.Mutate("POST", ScalersPath(project, zone), {}, &body, opts);
}
Result<compute::Autoscaler> GceAutoscalers::Get(const std::string& project, const std::string& zone,
                                                const std::string& name) {
  auto j = c_.Get(ScalersPath(project, zone) + "/" + UrlEncode(name));
  if (!j.ok()) return j.status();
  return ReadAnswer<compute::Autoscaler>(*j, ReadScaler);
}
Result<ListPage<compute::Autoscaler>> GceAutoscalers::List(const std::string& project,
                                                           const std::string& zone,
                                                           const ListOptions& opts) {
  auto j = c_.Get(ScalersPath(project, zone), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<compute::Autoscaler>(*j, ReadScaler);
}
Result<Operation> GceAutoscalers::Patch(const std::string& project, const std::string& zone,
                                        const std::string& name, const Json& patch,
                                        const MutationOptions& opts) {
  // autoscalers.patch names the autoscaler in the query, not the path.
  return c_.Mutate("PATCH", ScalersPath(project, zone), {{"autoscaler", name}}, &patch, opts);
}
Result<Operation> GceAutoscalers::Delete(const std::string& project, const std::string& zone,
                                         const std::string& name, const MutationOptions& opts) {
  return c_.Mutate("DELETE", ScalersPath(project, zone) + "/" + UrlEncode(name), {}, nullptr, opts);
}

// ------------------------------------------------------------ backendServices

Result<Operation> GceBackendServices::Insert(const std::string& project, const BackendService& bs,
                                             const MutationOptions& opts) {
  Json body = compute::ToJson(bs);
  return c_.Mutate("POST", Collection(project, kBackendServices), {}, &body, opts);
}
Result<BackendService> GceBackendServices::Get(const std::string& project,
                                               const std::string& name) {
  return GetOne<BackendService>(c_, project, kBackendServices, name, ReadService);
}
Result<ListPage<BackendService>> GceBackendServices::List(const std::string& project,
                                                          const ListOptions& opts) {
  return ListSome<BackendService>(c_, project, kBackendServices, opts, ReadService);
}
Result<Operation> GceBackendServices::Patch(const std::string& project, const std::string& name,
                                            const Json& patch, const MutationOptions& opts) {
  return c_.Mutate("PATCH", One(project, kBackendServices, name), {}, &patch, opts);
}
Result<Operation> GceBackendServices::Update(const std::string& project, const std::string& name,
                                             const BackendService& bs,
                                             const MutationOptions& opts) {
  Json body = compute::ToJson(bs);
  return c_.Mutate("PUT", One(project, kBackendServices, name), {}, &body, opts);
}
Result<Operation> GceBackendServices::Delete(const std::string& project, const std::string& name,
                                             const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, kBackendServices, name), {}, nullptr, opts);
}
Result<BackendServiceGroupHealth> GceBackendServices::GetHealth(const std::string& project,
                                                                const std::string& name,
                                                                const std::string& group) {
  Json body = {{"group", group}};
  auto j = c_.Call("POST", One(project, kBackendServices, name) + "/getHealth", {}, &body);
  if (!j.ok()) return j.status();
  return ReadAnswer<BackendServiceGroupHealth>(
      *j, [](const Json& x) { return compute::BackendServiceGroupHealthFromJson(x); });
}

// -------------------------------------------------------------------- urlMaps

Result<Operation> GceUrlMaps::Insert(const std::string& project, const UrlMap& map,
                                     const MutationOptions& opts) {
  Json body = compute::ToJson(map);
  return c_.Mutate("POST", Collection(project, kUrlMaps), {}, &body, opts);
}
Result<UrlMap> GceUrlMaps::Get(const std::string& project, const std::string& name) {
  return GetOne<UrlMap>(c_, project, kUrlMaps, name, ReadMap);
}
Result<ListPage<UrlMap>> GceUrlMaps::List(const std::string& project, const ListOptions& opts) {
  return ListSome<UrlMap>(c_, project, kUrlMaps, opts, ReadMap);
}
Result<Operation> GceUrlMaps::Patch(const std::string& project, const std::string& name,
                                    const Json& patch, const MutationOptions& opts) {
  return c_.Mutate("PATCH", One(project, kUrlMaps, name), {}, &patch, opts);
}
Result<Operation> GceUrlMaps::Delete(const std::string& project, const std::string& name,
                                     const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, kUrlMaps, name), {}, nullptr, opts);
}

// ---------------------------------------------------------- targetHttpProxies

Result<Operation> GceTargetHttpProxies::Insert(const std::string& project,
                                               const TargetHttpProxy& proxy,
                                               const MutationOptions& opts) {
  Json body = compute::ToJson(proxy);
  return c_.Mutate("POST", Collection(project, kProxies), {}, &body, opts);
}
Result<TargetHttpProxy> GceTargetHttpProxies::Get(const std::string& project,
                                                  const std::string& name) {
  return GetOne<TargetHttpProxy>(c_, project, kProxies, name, ReadProxy);
}
Result<ListPage<TargetHttpProxy>> GceTargetHttpProxies::List(const std::string& project,
                                                             const ListOptions& opts) {
  return ListSome<TargetHttpProxy>(c_, project, kProxies, opts, ReadProxy);
}
Result<Operation> GceTargetHttpProxies::SetUrlMap(const std::string& project,
                                                  const std::string& name,
                                                  const std::string& url_map,
                                                  const MutationOptions& opts) {
  // setUrlMap lives under projects/P/targetHttpProxies/NAME, not global/.
  Json body = {{"urlMap", url_map}};
  return c_.Mutate("POST",
                   ProjectPath(project) + "targetHttpProxies/" + UrlEncode(name) + "/setUrlMap", {},
                   &body, opts);
}
Result<Operation> GceTargetHttpProxies::Delete(const std::string& project, const std::string& name,
                                               const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, kProxies, name), {}, nullptr, opts);
}

// ------------------------------------------------------ globalForwardingRules

Result<Operation> GceGlobalForwardingRules::Insert(const std::string& project,
                                                   const ForwardingRule& rule,
                                                   const MutationOptions& opts) {
  Json body = compute::ToJson(rule);
  return c_.Mutate("POST", Collection(project, kRules), {}, &body, opts);
}
Result<ForwardingRule> GceGlobalForwardingRules::Get(const std::string& project,
                                                     const std::string& name) {
  return GetOne<ForwardingRule>(c_, project, kRules, name, ReadRule);
}
Result<ListPage<ForwardingRule>> GceGlobalForwardingRules::List(const std::string& project,
                                                                const ListOptions& opts) {
  return ListSome<ForwardingRule>(c_, project, kRules, opts, ReadRule);
}
Result<Operation> GceGlobalForwardingRules::SetTarget(const std::string& project,
                                                      const std::string& name,
                                                      const std::string& target,
                                                      const MutationOptions& opts) {
  Json body = {{"target", target}};
  return c_.Mutate("POST", One(project, kRules, name) + "/setTarget", {}, &body, opts);
}
Result<Operation> GceGlobalForwardingRules::Delete(const std::string& project,
                                                   const std::string& name,
                                                   const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, kRules, name), {}, nullptr, opts);
}

}  // namespace imago::gce
