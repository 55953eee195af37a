#include "compute/group_codec.h"

#include "compute/json_read.h"
#include "compute/schema.h"
#include "compute/vm_codec.h"

namespace imago::compute {

using json_read::PutExtra;
using json_read::PutIfSet;
using json_read::Reader;

namespace {

void PutId(Json& j, uint64_t id) {
  if (id) j["id"] = std::to_string(id);
}

void PutPositive(Json& j, const char* key, int v) {
  if (v) j[key] = v;
}

Result<HttpHealthCheck> HttpFromJson(const Json& j, const std::string& where) {
  HttpHealthCheck h;
  Reader r(j, where, "HTTPHealthCheck");
  r.I32("port", &h.port)
      .Str("requestPath", &h.request_path)
      .Str("host", &h.host)
      .Str("response", &h.response)
      .Str("portSpecification", &h.port_specification)
      .Str("proxyHeader", &h.proxy_header);
  IMAGO_RETURN_IF_ERROR(r.Done(&h.extra));
  return h;
}

Result<TcpHealthCheck> TcpFromJson(const Json& j, const std::string& where) {
  TcpHealthCheck t;
  Reader r(j, where, "TCPHealthCheck");
  r.I32("port", &t.port)
      .Str("request", &t.request)
      .Str("response", &t.response)
      .Str("portSpecification", &t.port_specification)
      .Str("proxyHeader", &t.proxy_header);
  IMAGO_RETURN_IF_ERROR(r.Done(&t.extra));
  return t;
}

}  // namespace

Json InstancePropertiesToJson(const Instance& p) {
  Json j = ToJson(p);
  for (const char* k : {"kind", "name", "id", "creationTimestamp", "status", "zone", "selfLink"}) {
    j.erase(k);
  }
  // An instance's own output fields, when a caller left them set.
  if (j.contains("metadata")) j["metadata"].erase("fingerprint");
  return j;
}

Result<Instance> InstancePropertiesFromJson(const Json& j, std::string_view where) {
  IMAGO_RETURN_IF_ERROR(json_read::CheckObject(j, where));
  Json as_instance = Json::object();
  Json tags_of_manager;
  for (const auto& [k, v] : j.items()) {
    if (!FindField("InstanceProperties", k)) {
      IMAGO_RETURN_IF_ERROR(json_read::UnknownField(where, k));
      continue;  // Reading leniently (a client reading a server's answer).
    }
    // The one field InstanceProperties has and Instance does not (an
    // instance keeps it under params): checked by type, kept as sent.
    if (k == "resourceManagerTags") {
      auto kept =
          CheckUnmodelled(*FindField("InstanceProperties", k), v, json_read::Where(where, k));
      if (!kept.ok()) return kept.status();
      tags_of_manager = std::move(kept.value());
      continue;
    }
    as_instance[k] = v;
  }
  auto p = InstanceFromJson(as_instance, where);
  if (!p.ok()) return p.status();
  if (!tags_of_manager.is_null()) p->extra["resourceManagerTags"] = tags_of_manager;
  return p;
}

Json ToJson(const InstanceTemplate& t) {
  Json j = Json::object();
  j["kind"] = "compute#instanceTemplate";
  PutId(j, t.id);
  PutIfSet(j, "creationTimestamp", t.creation_timestamp);
  j["name"] = t.name;
  PutIfSet(j, "description", t.description);
  j["properties"] = InstancePropertiesToJson(t.properties);
  PutIfSet(j, "selfLink", t.self_link);
  PutExtra(j, t.extra);
  return j;
}

Result<InstanceTemplate> InstanceTemplateFromJson(const Json& j, std::string_view where) {
  InstanceTemplate t;
  Reader r(j, std::string(where), "InstanceTemplate");
  r.Kind("compute#instanceTemplate")
      .U64("id", &t.id)
      .Str("creationTimestamp", &t.creation_timestamp)
      .Str("name", &t.name)
      .Str("description", &t.description)
      .Str("selfLink", &t.self_link)
      .Obj("properties", [&](const Json& v, const std::string& w) {
        auto p = InstancePropertiesFromJson(v, w);
        if (p.ok()) t.properties = std::move(p.value());
        return p.status();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&t.extra));
  return t;
}

Json ToJson(const HealthCheck& h) {
  Json j = Json::object();
  j["kind"] = "compute#healthCheck";
  PutId(j, h.id);
  PutIfSet(j, "creationTimestamp", h.creation_timestamp);
  j["name"] = h.name;
  PutIfSet(j, "description", h.description);
  PutIfSet(j, "type", h.type);
  PutPositive(j, "checkIntervalSec", h.check_interval_sec);
  PutPositive(j, "timeoutSec", h.timeout_sec);
  PutPositive(j, "healthyThreshold", h.healthy_threshold);
  PutPositive(j, "unhealthyThreshold", h.unhealthy_threshold);
  if (h.http) {
    Json x = Json::object();
    PutPositive(x, "port", h.http->port);
    PutIfSet(x, "requestPath", h.http->request_path);
    PutIfSet(x, "host", h.http->host);
    PutIfSet(x, "response", h.http->response);
    PutIfSet(x, "portSpecification", h.http->port_specification);
    PutIfSet(x, "proxyHeader", h.http->proxy_header);
    PutExtra(x, h.http->extra);
    j["httpHealthCheck"] = x;
  }
  if (h.tcp) {
    Json x = Json::object();
    PutPositive(x, "port", h.tcp->port);
    PutIfSet(x, "request", h.tcp->request);
    PutIfSet(x, "response", h.tcp->response);
    PutIfSet(x, "portSpecification", h.tcp->port_specification);
    PutIfSet(x, "proxyHeader", h.tcp->proxy_header);
    PutExtra(x, h.tcp->extra);
    j["tcpHealthCheck"] = x;
  }
  PutIfSet(j, "selfLink", h.self_link);
  PutExtra(j, h.extra);
  return j;
}

Result<HealthCheck> HealthCheckFromJson(const Json& j, std::string_view where) {
  HealthCheck h;
  Reader r(j, std::string(where), "HealthCheck");
  r.Kind("compute#healthCheck")
      .U64("id", &h.id)
      .Str("creationTimestamp", &h.creation_timestamp)
      .Str("name", &h.name)
      .Str("description", &h.description)
      .Str("selfLink", &h.self_link)
      .Str("type", &h.type)
      .I32("checkIntervalSec", &h.check_interval_sec)
      .I32("timeoutSec", &h.timeout_sec)
      .I32("healthyThreshold", &h.healthy_threshold)
      .I32("unhealthyThreshold", &h.unhealthy_threshold)
      .Obj("httpHealthCheck",
           [&](const Json& v, const std::string& w) {
             auto x = HttpFromJson(v, w);
             if (x.ok()) h.http = std::move(x.value());
             return x.status();
           })
      .Obj("tcpHealthCheck", [&](const Json& v, const std::string& w) {
        auto x = TcpFromJson(v, w);
        if (x.ok()) h.tcp = std::move(x.value());
        return x.status();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&h.extra));
  return h;
}

const FilterSchema& InstanceTemplateFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "properties.machineType",
                                 "properties.description",
                                 "properties.labels",
                                 "properties.labels.*"};
  return k;
}

const FilterSchema& HealthCheckFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "type",
                                 "checkIntervalSec",
                                 "timeoutSec",
                                 "healthyThreshold",
                                 "unhealthyThreshold",
                                 "httpHealthCheck.port",
                                 "httpHealthCheck.requestPath",
                                 "tcpHealthCheck.port"};
  return k;
}

}  // namespace imago::compute
