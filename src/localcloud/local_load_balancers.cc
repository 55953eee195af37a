#include "localcloud/local_load_balancers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "compute/lb_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "compute/schema.h"
#include "localcloud/global_rows.h"

namespace imago::localcloud {

using compute::BackendService;
using compute::BackendServiceGroupHealth;
using compute::ForwardingRule;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;
using compute::TargetHttpProxy;
using compute::UrlMap;

namespace {

constexpr const char* kBackendServiceKind = "backendService";
constexpr const char* kUrlMapKind = "urlMap";
constexpr const char* kProxyKind = "targetHttpProxy";
constexpr const char* kRuleKind = "forwardingRule";
constexpr const char* kGroupKind = "instanceGroupManager";

constexpr const char* kBackendServices = "backendServices";
constexpr const char* kUrlMaps = "urlMaps";
constexpr const char* kProxies = "targetHttpProxies";
constexpr const char* kRules = "forwardingRules";

Status NotLocal(const std::string& field, const std::string& value, const std::string& why) {
  return Status::InvalidField(field, value, "Not supported by the local cloud: " + why);
}

// Within a transaction: the selfLink of the `kind` row that `text` (a URL,
// a partial path or a name) names, or 404 naming it.
Result<std::string> Resolve(LocalStore& s, const std::string& field, const std::string& text,
                            const char* kind, const char* collection, const std::string& project) {
  auto ref = compute::ParseResourceRef(field, text, collection, false);
  if (!ref.ok()) return ref.status();
  if (!ref->project.empty() && ref->project != project) {
    return Status::InvalidField(field, text,
                                "Resources of another project cannot be used here; name one "
                                "of project '" +
                                    project + "'.");
  }
  auto row = s.LoadRow(kind, collection, project, "", ref->name);
  if (!row.ok()) return row.status();
  return row->resource.value("selfLink", "");
}

// Within a transaction: 400 resourceInUseByAnotherResource when a `kind`
// row of `project` holds `link` as a value.
Status CheckNotNamedBy(LocalStore& s, const char* kind, const char* collection,
                       const std::string& project, const std::string& link, const char* what) {
  auto rows = s.catalog().AllResources(kind);
  if (!rows.ok()) return rows.status();
  const std::string needle = "\"" + link + "\"";
  for (const auto& r : *rows) {
    if (r.project != project) continue;
    if (r.resource.dump().find(needle) == std::string::npos) continue;
    auto at = link.find("projects/");
    return Status::ResourceInUse(fmt::format("The {} resource '{}' is already being used by '{}'",
                                             what, at == std::string::npos ? link : link.substr(at),
                                             compute::GlobalPath(project, collection, r.name)));
  }
  return Status::OK();
}

// Inserts `r` (already checked) as a new `kind` row; sets its id, time,
// selfLink and fingerprint.
template <typename T>
Status InsertRow(LocalStore& s, const char* kind, const char* collection,
                 const std::string& project, T* r, Operation* op) {
  Catalog& c = s.catalog();
  auto existing = c.FindResource(kind, project, "", r->name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return Status::ResourceExists(compute::GlobalPath(project, collection, r->name));
  }
  ResourceRow row;
  row.kind = kind;
  row.project = project;
  row.name = r->name;
  row.id = s.NewId();
  row.creation_us = s.NowUs();
  r->id = row.id;
  r->creation_timestamp = compute::FormatRfc3339(row.creation_us);
  r->self_link = s.Link(compute::GlobalPath(project, collection, r->name));
  r->fingerprint.clear();
  r->fingerprint = compute::ShortFingerprint(compute::ToJson(*r).dump());
  row.resource = compute::ToJson(*r);
  IMAGO_RETURN_IF_ERROR(c.InsertResource(row));
  op->target_link = r->self_link;
  op->target_id = row.id;
  return Status::OK();
}

// Replaces the stored `row` by `next` (checked), keeping what the server
// owns; a fingerprint sent that is not the stored one is a 412.
template <typename T>
Status ReplaceRow(LocalStore& s, ResourceRow* row, const T& stored, T next,
                  const std::string& sent_fingerprint, Operation* op) {
  if (!sent_fingerprint.empty() && sent_fingerprint != stored.fingerprint) {
    return Status::ConditionNotMet(
        "Supplied fingerprint does not match current fingerprint of the resource; read it "
        "again and retry.");
  }
  next.id = stored.id;
  next.name = stored.name;
  next.creation_timestamp = stored.creation_timestamp;
  next.self_link = stored.self_link;
  next.fingerprint.clear();
  next.fingerprint = compute::ShortFingerprint(compute::ToJson(next).dump());
  row->resource = compute::ToJson(next);
  IMAGO_RETURN_IF_ERROR(s.catalog().UpdateResource(*row));
  op->target_link = stored.self_link;
  op->target_id = row->id;
  return Status::OK();
}

// The names of fields a patch may not change: the server's own.
Json PatchBody(const Json& patch) {
  Json body = patch;
  for (const char* k : {"kind", "id", "creationTimestamp", "selfLink", "name", "fingerprint"}) {
    body.erase(k);
  }
  return body;
}

// ----------------------------------------------------------- backend services

Status CheckExtraBackendService(const Json& extra) {
  auto is = [&](const char* k) { return extra.contains(k) && !extra[k].is_null(); };
  if (is("sessionAffinity") && extra["sessionAffinity"] != "NONE") {
    return NotLocal("backendService.sessionAffinity", extra["sessionAffinity"].dump(),
                    "its load balancer spreads requests round robin; leave it out or use NONE.");
  }
  if (is("enableCDN") && extra["enableCDN"] == true) {
    return NotLocal("backendService.enableCDN", "true", "it has no CDN; leave it out.");
  }
  if (is("localityLbPolicy") && extra["localityLbPolicy"] != "ROUND_ROBIN") {
    return NotLocal("backendService.localityLbPolicy", extra["localityLbPolicy"].dump(),
                    "its load balancer spreads requests round robin.");
  }
  for (const char* k : {"iap",
                        "securityPolicy",
                        "edgeSecurityPolicy",
                        "cdnPolicy",
                        "consistentHash",
                        "circuitBreakers",
                        "outlierDetection",
                        "failoverPolicy",
                        "serviceBindings",
                        "customMetrics",
                        "customRequestHeaders",
                        "customResponseHeaders",
                        "tlsSettings",
                        "securitySettings",
                        "maxStreamDuration",
                        "haPolicy",
                        "strongSessionAffinityCookie",
                        "localityLbPolicies",
                        "compressionMode",
                        "serviceLbPolicy",
                        "subsetting",
                        "networkPassThroughLbTrafficPolicy",
                        "network"}) {
    if (is(k) && !compute::IsEmptyValue(extra[k])) {
      return NotLocal(std::string("backendService.") + k, "set",
                      "leave it out (see docs/groups.md for what the local load balancer does).");
    }
  }
  return Status::OK();
}

// The service with GCE's defaults filled in, its references resolved to
// URLs and checked (within a transaction).
Result<BackendService> NormalizeBackendService(LocalStore& s, const std::string& project,
                                               BackendService bs) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("backendService.name", bs.name));
  if (bs.protocol.empty()) bs.protocol = "HTTP";
  if (bs.protocol != "HTTP") {
    return NotLocal("backendService.protocol", bs.protocol,
                    "its load balancer proxies HTTP; use HTTP.");
  }
  if (bs.load_balancing_scheme.empty()) bs.load_balancing_scheme = "EXTERNAL";
  if (bs.load_balancing_scheme != "EXTERNAL" && bs.load_balancing_scheme != "EXTERNAL_MANAGED") {
    return NotLocal("backendService.loadBalancingScheme", bs.load_balancing_scheme,
                    "its load balancer is an external Application Load Balancer; use EXTERNAL "
                    "or EXTERNAL_MANAGED.");
  }
  if (bs.port_name.empty()) bs.port_name = "http";
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("backendService.portName", bs.port_name));
  if (bs.timeout_sec == 0) bs.timeout_sec = 30;
  if (bs.timeout_sec < 1 || bs.timeout_sec > 86400) {
    return Status::InvalidField("backendService.timeoutSec", std::to_string(bs.timeout_sec),
                                "Must be between 1 and 86400.");
  }
  if (!bs.draining_timeout_sec) bs.draining_timeout_sec = 300;
  if (*bs.draining_timeout_sec < 0 || *bs.draining_timeout_sec > 3600) {
    return Status::InvalidField("backendService.connectionDraining.drainingTimeoutSec",
                                std::to_string(*bs.draining_timeout_sec),
                                "The valid range is [0, 3600].");
  }
  if (bs.health_checks.empty()) {
    return Status::Required(
        "Required field 'backendService.healthChecks' not specified: a backend service of "
        "instance groups needs one health check.");
  }
  if (bs.health_checks.size() > 1) {
    return Status::InvalidField("backendService.healthChecks", "2 or more",
                                "A backend service takes at most one health check.");
  }
  auto hc = Resolve(s, "backendService.healthChecks[0]", bs.health_checks[0], kHealthCheckKind,
                    "healthChecks", project);
  if (!hc.ok()) return hc.status();
  bs.health_checks[0] = *hc;
  std::set<std::string> groups;
  for (size_t i = 0; i < bs.backends.size(); ++i) {
    auto& b = bs.backends[i];
    const std::string where = fmt::format("backendService.backends[{}]", i);
    auto ref = compute::ParseResourceRef(where + ".group", b.group, "instanceGroups", true);
    if (!ref.ok()) return ref.status();
    if (ref->zone.empty()) {
      return Status::InvalidField(where + ".group", b.group,
                                  "Name the group with its zone: zones/ZONE/instanceGroups/NAME.");
    }
    if (!ref->project.empty() && ref->project != project) {
      return Status::InvalidField(where + ".group", b.group,
                                  "Groups of another project cannot be backends here.");
    }
    IMAGO_RETURN_IF_ERROR(s.CheckZone(project, ref->zone));
    auto g = s.catalog().FindResource(kGroupKind, project, ref->zone, ref->name);
    if (!g.ok()) return g.status();
    if (!g->has_value()) {
      return Status::ResourceNotFound(
          compute::ZonalPath(project, ref->zone, "instanceGroups", ref->name));
    }
    b.group = s.Link(compute::ZonalPath(project, ref->zone, "instanceGroups", ref->name));
    if (!groups.insert(b.group).second) {
      return Status::InvalidField(where + ".group", b.group,
                                  "Duplicate backend: a group is a backend once.");
    }
    if (b.balancing_mode.empty()) b.balancing_mode = "UTILIZATION";
    if (b.balancing_mode != "UTILIZATION" && b.balancing_mode != "RATE") {
      return Status::InvalidField(where + ".balancingMode", b.balancing_mode,
                                  "An HTTP backend service balances by UTILIZATION or RATE.");
    }
    if (!b.capacity_scaler) b.capacity_scaler = 1.0;
    const double c = *b.capacity_scaler;
    if (!std::isfinite(c) || !(c == 0 || (c >= 0.1 && c <= 1.0))) {
      return Status::InvalidField(where + ".capacityScaler", fmt::format("{}", c),
                                  "Must be 0 (drained) or between 0.1 and 1.0.");
    }
  }
  IMAGO_RETURN_IF_ERROR(CheckExtraBackendService(bs.extra));
  return bs;
}

// ----------------------------------------------------------- forwarding rules

// "8080" or "8080-8080" -> 8080; 0 when it is not one port.
int OnePort(const std::string& range) {
  auto dash = range.find('-');
  std::string a = range.substr(0, dash), b = dash == std::string::npos ? a : range.substr(dash + 1);
  if (a.empty() || a.size() > 5 || a != b) return 0;
  for (char ch : a) {
    if (ch < '0' || ch > '9') return 0;
  }
  int p = std::stoi(a);
  return p >= 1 && p <= 65535 ? p : 0;
}

// True when nothing on this host listens on ip:port now.
bool PortFree(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

Result<ForwardingRule> NormalizeRule(LocalStore& s, const std::string& project, ForwardingRule f,
                                     bool check_port) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("forwardingRule.name", f.name));
  if (f.ip_address.empty()) f.ip_address = "127.0.0.1";
  in_addr addr{};
  if (inet_pton(AF_INET, f.ip_address.c_str(), &addr) != 1) {
    return Status::InvalidField("forwardingRule.IPAddress", f.ip_address,
                                "Give an IPv4 address (the local cloud serves 127.0.0.0/8).");
  }
  if ((ntohl(addr.s_addr) >> 24) != 127) {
    return NotLocal("forwardingRule.IPAddress", f.ip_address,
                    "its load balancer listens on this host's loopback; use an address in "
                    "127.0.0.0/8 (127.0.0.1 when unset).");
  }
  if (f.ip_protocol.empty()) f.ip_protocol = "TCP";
  if (f.ip_protocol != "TCP") {
    return Status::InvalidField("forwardingRule.IPProtocol", f.ip_protocol,
                                "A rule for a target HTTP proxy takes TCP.");
  }
  if (f.port_range.empty()) {
    return Status::Required(
        "Required field 'forwardingRule.portRange' not specified: give the port to serve, "
        "e.g. 8080.");
  }
  const int port = OnePort(f.port_range);
  if (port == 0) {
    return Status::InvalidField("forwardingRule.portRange", f.port_range,
                                "Give one port (8080 or 8080-8080), between 1 and 65535.");
  }
  f.port_range = fmt::format("{}-{}", port, port);
  if (f.load_balancing_scheme.empty()) f.load_balancing_scheme = "EXTERNAL";
  if (f.load_balancing_scheme != "EXTERNAL" && f.load_balancing_scheme != "EXTERNAL_MANAGED") {
    return NotLocal("forwardingRule.loadBalancingScheme", f.load_balancing_scheme,
                    "use EXTERNAL or EXTERNAL_MANAGED.");
  }
  for (const char* k : {"ports", "allPorts", "backendService", "network", "subnetwork"}) {
    if (f.extra.contains(k) && !compute::IsEmptyValue(f.extra[k])) {
      return Status::InvalidField(std::string("forwardingRule.") + k, "set",
                                  "A global forwarding rule of a target HTTP proxy takes "
                                  "portRange and target only.");
    }
  }
  if (f.target.empty()) {
    return Status::Required(
        "Required field 'forwardingRule.target' not specified: name a target HTTP proxy.");
  }
  if (f.target.find("/targetHttpProxies/") == std::string::npos &&
      f.target.find('/') != std::string::npos) {
    return NotLocal("forwardingRule.target", f.target,
                    "its rules send to target HTTP proxies (global/targetHttpProxies/NAME).");
  }
  auto target = Resolve(s, "forwardingRule.target", f.target, kProxyKind, kProxies, project);
  if (!target.ok()) return target.status();
  f.target = *target;
  auto rows = s.catalog().AllResources(kRuleKind);
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) {
    if (r.name == f.name && r.project == project) continue;
    if (r.resource.value("IPAddress", "") == f.ip_address &&
        r.resource.value("portRange", "") == f.port_range) {
      return Status::InvalidField(
          "forwardingRule.portRange", f.port_range,
          fmt::format("{}:{} is already served by forwarding rule '{}' of project '{}'; choose "
                      "another port.",
                      f.ip_address, port, r.name, r.project));
    }
  }
  if (check_port && !PortFree(f.ip_address, port)) {
    return Status::InvalidField(
        "forwardingRule.portRange", f.port_range,
        fmt::format("{}:{} is in use on this host; choose another port.", f.ip_address, port));
  }
  return f;
}

}  // namespace

Status CheckNotInBackendService(LocalStore& s, const std::string& project, const std::string& link,
                                const char* what) {
  return CheckNotNamedBy(s, kBackendServiceKind, kBackendServices, project, link, what);
}

// ------------------------------------------------------- LocalBackendServices

Result<Operation> LocalBackendServices::Insert(const std::string& project, const BackendService& in,
                                               const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    auto bs = NormalizeBackendService(s_, project, in);
    if (!bs.ok()) return bs.status();
    return InsertRow(s_, kBackendServiceKind, kBackendServices, project, &bs.value(), op);
  });
}

Result<BackendService> LocalBackendServices::Get(const std::string& project,
                                                 const std::string& name) {
  return internal::GetGlobalRow<BackendService>(
      s_, kBackendServiceKind, kBackendServices, project, name,
      [](const Json& j) { return compute::BackendServiceFromJson(j); });
}

Result<ListPage<BackendService>> LocalBackendServices::List(const std::string& project,
                                                            const ListOptions& opts) {
  return internal::ListGlobalRows<BackendService>(
      s_, kBackendServiceKind, kBackendServices, project, opts,
      compute::BackendServiceFilterSchema(),
      [](const Json& j) { return compute::BackendServiceFromJson(j); });
}

Result<Operation> LocalBackendServices::Replace(
    const std::string& project, const std::string& name, const MutationOptions& opts,
    const std::function<Result<BackendService>(const Json& stored)>& make) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "update", opts, [&](Operation* op) -> Status {
    auto row = s_.LoadRow(kBackendServiceKind, kBackendServices, project, "", name);
    if (!row.ok()) return row.status();
    auto stored = compute::BackendServiceFromJson(row->resource);
    if (!stored.ok()) return stored.status();
    auto next = make(row->resource);
    if (!next.ok()) return next.status();
    if (!next->name.empty() && next->name != stored->name) {
      return Status::InvalidField("backendService.name", next->name,
                                  "A backend service cannot be renamed; create a new one.");
    }
    std::string sent = next->fingerprint;
    next->name = stored->name;
    auto bs = NormalizeBackendService(s_, project, std::move(next.value()));
    if (!bs.ok()) return bs.status();
    return ReplaceRow(s_, &row.value(), *stored, std::move(bs.value()), sent, op);
  });
}

Result<Operation> LocalBackendServices::Patch(const std::string& project, const std::string& name,
                                              const Json& patch, const MutationOptions& opts) {
  if (!patch.is_object()) return Status::Invalid("A patch of a backend service is a JSON object.");
  return Replace(project, name, opts, [&](const Json& stored) -> Result<BackendService> {
    Json merged = stored;
    merged.merge_patch(PatchBody(patch));
    auto bs = compute::BackendServiceFromJson(merged);
    if (bs.ok()) bs->fingerprint = patch.value("fingerprint", "");
    return bs;
  });
}

Result<Operation> LocalBackendServices::Update(const std::string& project, const std::string& name,
                                               const BackendService& bs,
                                               const MutationOptions& opts) {
  return Replace(project, name, opts, [&](const Json&) -> Result<BackendService> { return bs; });
}

Result<Operation> LocalBackendServices::Delete(const std::string& project, const std::string& name,
                                               const MutationOptions& opts) {
  return internal::DeleteGlobalRow(
      s_, kBackendServiceKind, kBackendServices, project, name, opts, [&](const ResourceRow& row) {
        return CheckNotNamedBy(s_, kUrlMapKind, kUrlMaps, project,
                               row.resource.value("selfLink", ""), "backend_service");
      });
}

Result<BackendServiceGroupHealth> LocalBackendServices::GetHealth(const std::string& project,
                                                                  const std::string& name,
                                                                  const std::string& group) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::lock_guard lock(s_.mu());
  auto row = s_.LoadRow(kBackendServiceKind, kBackendServices, project, "", name);
  if (!row.ok()) return row.status();
  auto ref =
      compute::ParseResourceRef("resourceGroupReference.group", group, "instanceGroups", true);
  if (!ref.ok()) return ref.status();
  const std::string link =
      s_.Link(compute::ZonalPath(project, ref->zone, "instanceGroups", ref->name));
  bool member = false;
  for (const auto& b : row->resource.value("backends", Json::array())) {
    member = member || b.value("group", "") == link;
  }
  if (!member) {
    return Status::InvalidField("resourceGroupReference.group", group,
                                "Not a backend of backend service '" + row->name + "'.");
  }
  BackendServiceGroupHealth out;
  const Json& report = row->local.value("health", Json::object());
  if (report.contains(link)) {
    for (const auto& e : report[link]) {
      compute::HealthStatus h;
      h.instance = e.value("instance", "");
      h.ip_address = e.value("ipAddress", "");
      h.port = e.value("port", 0);
      h.health_state = e.value("healthState", "");
      out.health_status.push_back(std::move(h));
    }
  }
  return out;
}

Status LocalBackendServices::ReportHealth(
    const std::string& project, const std::string& name,
    const std::map<std::string, BackendServiceGroupHealth>& by_group) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  Json report = Json::object();
  for (const auto& [group, health] : by_group) {
    report[group] = compute::ToJson(health).value("healthStatus", Json::array());
  }
  std::lock_guard lock(s_.mu());
  return s_.catalog().db().WriteTxn([&]() -> Status {
    auto row = s_.LoadRow(kBackendServiceKind, kBackendServices, project, "", name);
    if (!row.ok()) return row.status();
    if (row->local.value("health", Json::object()) == report) return Status::OK();
    row->local["health"] = report;
    return s_.catalog().UpdateResource(*row);
  });
}

// --------------------------------------------------------------- LocalUrlMaps

namespace {

Result<UrlMap> NormalizeUrlMap(LocalStore& s, const std::string& project, UrlMap m) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("urlMap.name", m.name));
  for (const char* k : {"hostRules", "pathMatchers", "defaultRouteAction", "defaultUrlRedirect",
                        "tests", "headerAction", "defaultCustomErrorResponsePolicy"}) {
    if (m.extra.contains(k) && !compute::IsEmptyValue(m.extra[k])) {
      return NotLocal(std::string("urlMap.") + k, "set",
                      "its URL maps send every request to defaultService.");
    }
  }
  if (m.default_service.empty()) {
    return Status::Required(
        "Required field 'urlMap.defaultService' not specified: name a backend service.");
  }
  if (m.default_service.find("/backendBuckets/") != std::string::npos) {
    return NotLocal("urlMap.defaultService", m.default_service, "it has no backend buckets.");
  }
  auto bs = Resolve(s, "urlMap.defaultService", m.default_service, kBackendServiceKind,
                    kBackendServices, project);
  if (!bs.ok()) return bs.status();
  m.default_service = *bs;
  return m;
}

}  // namespace

Result<Operation> LocalUrlMaps::Insert(const std::string& project, const UrlMap& in,
                                       const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    auto m = NormalizeUrlMap(s_, project, in);
    if (!m.ok()) return m.status();
    return InsertRow(s_, kUrlMapKind, kUrlMaps, project, &m.value(), op);
  });
}

Result<UrlMap> LocalUrlMaps::Get(const std::string& project, const std::string& name) {
  return internal::GetGlobalRow<UrlMap>(s_, kUrlMapKind, kUrlMaps, project, name,
                                        [](const Json& j) { return compute::UrlMapFromJson(j); });
}

Result<ListPage<UrlMap>> LocalUrlMaps::List(const std::string& project, const ListOptions& opts) {
  return internal::ListGlobalRows<UrlMap>(s_, kUrlMapKind, kUrlMaps, project, opts,
                                          compute::UrlMapFilterSchema(),
                                          [](const Json& j) { return compute::UrlMapFromJson(j); });
}

Result<Operation> LocalUrlMaps::Patch(const std::string& project, const std::string& name,
                                      const Json& patch, const MutationOptions& opts) {
  if (!patch.is_object()) return Status::Invalid("A patch of a URL map is a JSON object.");
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "patch", opts, [&](Operation* op) -> Status {
    auto row = s_.LoadRow(kUrlMapKind, kUrlMaps, project, "", name);
    if (!row.ok()) return row.status();
    auto stored = compute::UrlMapFromJson(row->resource);
    if (!stored.ok()) return stored.status();
    Json merged = row->resource;
    merged.merge_patch(PatchBody(patch));
    auto next = compute::UrlMapFromJson(merged);
    if (!next.ok()) return next.status();
    auto m = NormalizeUrlMap(s_, project, std::move(next.value()));
    if (!m.ok()) return m.status();
    return ReplaceRow(s_, &row.value(), *stored, std::move(m.value()),
                      patch.value("fingerprint", ""), op);
  });
}

Result<Operation> LocalUrlMaps::Delete(const std::string& project, const std::string& name,
                                       const MutationOptions& opts) {
  return internal::DeleteGlobalRow(
      s_, kUrlMapKind, kUrlMaps, project, name, opts, [&](const ResourceRow& row) {
        return CheckNotNamedBy(s_, kProxyKind, kProxies, project,
                               row.resource.value("selfLink", ""), "url_map");
      });
}

// ----------------------------------------------------- LocalTargetHttpProxies

namespace {

Result<TargetHttpProxy> NormalizeProxy(LocalStore& s, const std::string& project,
                                       TargetHttpProxy p) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("targetHttpProxy.name", p.name));
  if (p.url_map.empty()) {
    return Status::Required(
        "Required field 'targetHttpProxy.urlMap' not specified: name a URL map.");
  }
  auto m = Resolve(s, "targetHttpProxy.urlMap", p.url_map, kUrlMapKind, kUrlMaps, project);
  if (!m.ok()) return m.status();
  p.url_map = *m;
  if (p.extra.contains("proxyBind") && p.extra["proxyBind"] == true) {
    return NotLocal("targetHttpProxy.proxyBind", "true", "leave it out.");
  }
  return p;
}

}  // namespace

Result<Operation> LocalTargetHttpProxies::Insert(const std::string& project,
                                                 const TargetHttpProxy& in,
                                                 const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    auto p = NormalizeProxy(s_, project, in);
    if (!p.ok()) return p.status();
    return InsertRow(s_, kProxyKind, kProxies, project, &p.value(), op);
  });
}

Result<TargetHttpProxy> LocalTargetHttpProxies::Get(const std::string& project,
                                                    const std::string& name) {
  return internal::GetGlobalRow<TargetHttpProxy>(
      s_, kProxyKind, kProxies, project, name,
      [](const Json& j) { return compute::TargetHttpProxyFromJson(j); });
}

Result<ListPage<TargetHttpProxy>> LocalTargetHttpProxies::List(const std::string& project,
                                                               const ListOptions& opts) {
  return internal::ListGlobalRows<TargetHttpProxy>(
      s_, kProxyKind, kProxies, project, opts, compute::TargetHttpProxyFilterSchema(),
      [](const Json& j) { return compute::TargetHttpProxyFromJson(j); });
}

Result<Operation> LocalTargetHttpProxies::SetUrlMap(const std::string& project,
                                                    const std::string& name,
                                                    const std::string& url_map,
                                                    const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "setUrlMap", opts, [&](Operation* op) -> Status {
    auto row = s_.LoadRow(kProxyKind, kProxies, project, "", name);
    if (!row.ok()) return row.status();
    auto stored = compute::TargetHttpProxyFromJson(row->resource);
    if (!stored.ok()) return stored.status();
    TargetHttpProxy next = *stored;
    next.url_map = url_map;
    auto p = NormalizeProxy(s_, project, std::move(next));
    if (!p.ok()) return p.status();
    return ReplaceRow(s_, &row.value(), *stored, std::move(p.value()), "", op);
  });
}

Result<Operation> LocalTargetHttpProxies::Delete(const std::string& project,
                                                 const std::string& name,
                                                 const MutationOptions& opts) {
  return internal::DeleteGlobalRow(
      s_, kProxyKind, kProxies, project, name, opts, [&](const ResourceRow& row) {
        return CheckNotNamedBy(s_, kRuleKind, kRules, project, row.resource.value("selfLink", ""),
                               "target_http_proxy");
      });
}

// ------------------------------------------------- LocalGlobalForwardingRules

Result<Operation> LocalGlobalForwardingRules::Insert(const std::string& project,
                                                     const ForwardingRule& in,
                                                     const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    auto f = NormalizeRule(s_, project, in, /*check_port=*/true);
    if (!f.ok()) return f.status();
    return InsertRow(s_, kRuleKind, kRules, project, &f.value(), op);
  });
}

Result<ForwardingRule> LocalGlobalForwardingRules::Get(const std::string& project,
                                                       const std::string& name) {
  return internal::GetGlobalRow<ForwardingRule>(
      s_, kRuleKind, kRules, project, name,
      [](const Json& j) { return compute::ForwardingRuleFromJson(j); });
}

Result<ListPage<ForwardingRule>> LocalGlobalForwardingRules::List(const std::string& project,
                                                                  const ListOptions& opts) {
  return internal::ListGlobalRows<ForwardingRule>(
      s_, kRuleKind, kRules, project, opts, compute::ForwardingRuleFilterSchema(),
      [](const Json& j) { return compute::ForwardingRuleFromJson(j); });
}

Result<Operation> LocalGlobalForwardingRules::SetTarget(const std::string& project,
                                                        const std::string& name,
                                                        const std::string& target,
                                                        const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "setTarget", opts, [&](Operation* op) -> Status {
    auto row = s_.LoadRow(kRuleKind, kRules, project, "", name);
    if (!row.ok()) return row.status();
    auto stored = compute::ForwardingRuleFromJson(row->resource);
    if (!stored.ok()) return stored.status();
    ForwardingRule next = *stored;
    next.target = target;
    auto f = NormalizeRule(s_, project, std::move(next), /*check_port=*/false);
    if (!f.ok()) return f.status();
    return ReplaceRow(s_, &row.value(), *stored, std::move(f.value()), "", op);
  });
}

Result<Operation> LocalGlobalForwardingRules::Delete(const std::string& project,
                                                     const std::string& name,
                                                     const MutationOptions& opts) {
  auto rule = Get(project, name);
  auto op = internal::DeleteGlobalRow(s_, kRuleKind, kRules, project, name, opts);
  // The proxy drops the rule at the controller's next step: the operation
  // is done when the rule no longer serves, so that what a delete (or an
  // env destroy) leaves answers nothing. At most 15 s (a proxy whose
  // controller is gone keeps it).
  const int port = rule.ok() ? OnePort(rule->port_range) : 0;
  for (int i = 0; op.ok() && port > 0 && i < 150 && !PortFree(rule->ip_address, port); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return op;
}

}  // namespace imago::localcloud
