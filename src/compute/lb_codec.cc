#include "compute/lb_codec.h"

#include "compute/json_read.h"

namespace imago::compute {

using json_read::PutExtra;
using json_read::PutId;
using json_read::PutIfSet;
using json_read::Reader;

namespace {

// The common head of the four resources.
template <typename T>
void PutHead(Json& j, const char* kind, const T& r) {
  j["kind"] = kind;
  PutId(j, r.id);
  PutIfSet(j, "creationTimestamp", r.creation_timestamp);
  j["name"] = r.name;
  PutIfSet(j, "description", r.description);
}

template <typename T>
void PutTail(Json& j, const T& r) {
  PutIfSet(j, "fingerprint", r.fingerprint);
  PutIfSet(j, "selfLink", r.self_link);
  PutExtra(j, r.extra);
}

template <typename T>
Reader& ReadHead(Reader& r, const char* kind, T* out) {
  return r.Kind(kind)
      .U64("id", &out->id)
      .Str("creationTimestamp", &out->creation_timestamp)
      .Str("name", &out->name)
      .Str("description", &out->description)
      .Str("selfLink", &out->self_link)
      .Str("fingerprint", &out->fingerprint);
}

Result<Backend> BackendFromJson(const Json& j, const std::string& where) {
  Backend b;
  IMAGO_RETURN_IF_ERROR(json_read::CheckObject(j, where));
  if (j.contains("capacityScaler") && !j["capacityScaler"].is_null()) {
    const Json& v = j["capacityScaler"];
    if (!v.is_number()) {
      return json_read::TypeError(where, "capacityScaler", "TYPE_FLOAT", v);
    }
    b.capacity_scaler = v.get<double>();
  }
  Reader r(j, where, "Backend");
  r.Str("group", &b.group)
      .Enum("balancingMode", &b.balancing_mode)
      .Str("description", &b.description)
      .Ignore("capacityScaler");
  IMAGO_RETURN_IF_ERROR(r.Done(&b.extra));
  return b;
}

}  // namespace

Json ToJson(const BackendService& b) {
  Json j = Json::object();
  PutHead(j, "compute#backendService", b);
  PutIfSet(j, "protocol", b.protocol);
  PutIfSet(j, "portName", b.port_name);
  if (b.timeout_sec) j["timeoutSec"] = b.timeout_sec;
  PutIfSet(j, "loadBalancingScheme", b.load_balancing_scheme);
  if (!b.backends.empty()) {
    Json arr = Json::array();
    for (const auto& x : b.backends) {
      Json e = Json::object();
      PutIfSet(e, "group", x.group);
      PutIfSet(e, "balancingMode", x.balancing_mode);
      if (x.capacity_scaler) e["capacityScaler"] = *x.capacity_scaler;
      PutIfSet(e, "description", x.description);
      PutExtra(e, x.extra);
      arr.push_back(std::move(e));
    }
    j["backends"] = std::move(arr);
  }
  if (!b.health_checks.empty()) j["healthChecks"] = b.health_checks;
  if (b.draining_timeout_sec) {
    j["connectionDraining"] = {{"drainingTimeoutSec", *b.draining_timeout_sec}};
  }
  PutTail(j, b);
  return j;
}

Result<BackendService> BackendServiceFromJson(const Json& j, std::string_view where) {
  BackendService b;
  Reader r(j, std::string(where), "BackendService");
  ReadHead(r, "compute#backendService", &b)
      .Enum("protocol", &b.protocol)
      .Str("portName", &b.port_name)
      .I32("timeoutSec", &b.timeout_sec)
      .Enum("loadBalancingScheme", &b.load_balancing_scheme)
      .Arr("backends",
           [&](const Json& v, const std::string& w) {
             auto x = BackendFromJson(v, w);
             if (x.ok()) b.backends.push_back(std::move(x.value()));
             return x.status();
           })
      .Strs("healthChecks", &b.health_checks)
      .Obj("connectionDraining", [&](const Json& v, const std::string& w) -> Status {
        int sec = -1;
        Reader d(v, w, "ConnectionDraining");
        d.I32("drainingTimeoutSec", &sec);
        IMAGO_RETURN_IF_ERROR(d.Done());
        if (v.contains("drainingTimeoutSec") && !v["drainingTimeoutSec"].is_null()) {
          b.draining_timeout_sec = sec;
        }
        return Status::OK();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&b.extra));
  return b;
}

Json ToJson(const UrlMap& m) {
  Json j = Json::object();
  PutHead(j, "compute#urlMap", m);
  PutIfSet(j, "defaultService", m.default_service);
  PutTail(j, m);
  return j;
}

Result<UrlMap> UrlMapFromJson(const Json& j, std::string_view where) {
  UrlMap m;
  Reader r(j, std::string(where), "UrlMap");
  ReadHead(r, "compute#urlMap", &m).Str("defaultService", &m.default_service);
  IMAGO_RETURN_IF_ERROR(r.Done(&m.extra));
  return m;
}

Json ToJson(const TargetHttpProxy& p) {
  Json j = Json::object();
  PutHead(j, "compute#targetHttpProxy", p);
  PutIfSet(j, "urlMap", p.url_map);
  PutTail(j, p);
  return j;
}

Result<TargetHttpProxy> TargetHttpProxyFromJson(const Json& j, std::string_view where) {
  TargetHttpProxy p;
  Reader r(j, std::string(where), "TargetHttpProxy");
  ReadHead(r, "compute#targetHttpProxy", &p).Str("urlMap", &p.url_map);
  IMAGO_RETURN_IF_ERROR(r.Done(&p.extra));
  return p;
}

Json ToJson(const ForwardingRule& f) {
  Json j = Json::object();
  PutHead(j, "compute#forwardingRule", f);
  PutIfSet(j, "IPAddress", f.ip_address);
  PutIfSet(j, "IPProtocol", f.ip_protocol);
  PutIfSet(j, "portRange", f.port_range);
  PutIfSet(j, "target", f.target);
  PutIfSet(j, "loadBalancingScheme", f.load_balancing_scheme);
  PutTail(j, f);
  return j;
}

Result<ForwardingRule> ForwardingRuleFromJson(const Json& j, std::string_view where) {
  ForwardingRule f;
  Reader r(j, std::string(where), "ForwardingRule");
  ReadHead(r, "compute#forwardingRule", &f)
      .Str("IPAddress", &f.ip_address)
      .Enum("IPProtocol", &f.ip_protocol)
      .Str("portRange", &f.port_range)
      .Str("target", &f.target)
      .Enum("loadBalancingScheme", &f.load_balancing_scheme);
  IMAGO_RETURN_IF_ERROR(r.Done(&f.extra));
  return f;
}

Json ToJson(const BackendServiceGroupHealth& h) {
  Json j = Json::object();
  j["kind"] = "compute#backendServiceGroupHealth";
  if (!h.health_status.empty()) {
    Json arr = Json::array();
    for (const auto& s : h.health_status) {
      Json e = Json::object();
      PutIfSet(e, "instance", s.instance);
      PutIfSet(e, "ipAddress", s.ip_address);
      if (s.port) e["port"] = s.port;
      PutIfSet(e, "healthState", s.health_state);
      arr.push_back(std::move(e));
    }
    j["healthStatus"] = std::move(arr);
  }
  return j;
}

Result<BackendServiceGroupHealth> BackendServiceGroupHealthFromJson(const Json& j) {
  BackendServiceGroupHealth h;
  Reader r(j, "backendServiceGroupHealth", "BackendServiceGroupHealth");
  r.Kind("compute#backendServiceGroupHealth")
      .Arr("healthStatus", [&](const Json& v, const std::string& w) -> Status {
        HealthStatus s;
        Reader e(v, w, "HealthStatus");
        e.Str("instance", &s.instance)
            .Str("ipAddress", &s.ip_address)
            .I32("port", &s.port)
            .Enum("healthState", &s.health_state);
        IMAGO_RETURN_IF_ERROR(e.Done());
        h.health_status.push_back(std::move(s));
        return Status::OK();
      });
  IMAGO_RETURN_IF_ERROR(r.Done());
  return h;
}

const FilterSchema& BackendServiceFilterSchema() {
  static const FilterSchema k = {
      "kind",       "id",       "creationTimestamp", "name",       "description",
      "selfLink",   "protocol", "portName",          "timeoutSec", "loadBalancingScheme",
      "fingerprint"};
  return k;
}
const FilterSchema& UrlMapFilterSchema() {
  static const FilterSchema k = {"kind",        "id",       "creationTimestamp", "name",
                                 "description", "selfLink", "defaultService",    "fingerprint"};
  return k;
}
const FilterSchema& TargetHttpProxyFilterSchema() {
  static const FilterSchema k = {"kind",     "id",     "creationTimestamp", "name", "description",
                                 "selfLink", "urlMap", "fingerprint"};
  return k;
}
const FilterSchema& ForwardingRuleFilterSchema() {
  static const FilterSchema k = {"kind",        "id",       "creationTimestamp",   "name",
                                 "description", "selfLink", "IPAddress",           "IPProtocol",
                                 "portRange",   "target",   "loadBalancingScheme", "fingerprint"};
  return k;
}

}  // namespace imago::compute
