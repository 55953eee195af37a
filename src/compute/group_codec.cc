#include "compute/group_codec.h"

#include "compute/json_read.h"
#include "compute/schema.h"
#include "compute/vm_codec.h"

namespace imago::compute {

using json_read::PutExtra;
using json_read::PutId;
using json_read::PutIfSet;
using json_read::Reader;

namespace {

void PutPositive(Json& j, const char* key, int v) {
  if (v) j[key] = v;
}

void PutNamedPorts(Json& j, const std::vector<NamedPort>& ports) {
  if (ports.empty()) return;
  Json a = Json::array();
  for (const auto& np : ports) a.push_back({{"name", np.name}, {"port", np.port}});
  j["namedPorts"] = a;
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

Result<NamedPort> NamedPortFromJson(const Json& j, std::string_view where) {
  NamedPort np;
  Reader rn(j, std::string(where), "NamedPort");
  rn.Str("name", &np.name).I32("port", &np.port);
  IMAGO_RETURN_IF_ERROR(rn.Done());
  return np;
}

Json ToJson(const Autoscaler& a) {
  Json j = Json::object();
  j["kind"] = "compute#autoscaler";
  PutId(j, a.id);
  PutIfSet(j, "creationTimestamp", a.creation_timestamp);
  j["name"] = a.name;
  PutIfSet(j, "description", a.description);
  PutIfSet(j, "zone", a.zone);
  PutIfSet(j, "target", a.target);
  Json p = Json::object();
  const auto& ap = a.policy;
  if (ap.min_num_replicas) p["minNumReplicas"] = *ap.min_num_replicas;
  PutPositive(p, "maxNumReplicas", ap.max_num_replicas);
  PutPositive(p, "coolDownPeriodSec", ap.cool_down_period_sec);
  PutIfSet(p, "mode", ap.mode);
  if (ap.cpu_utilization_target > 0) {
    p["cpuUtilization"] = {{"utilizationTarget", ap.cpu_utilization_target}};
  }
  if (ap.scale_in_window_sec > 0) {
    p["scaleInControl"] = {{"timeWindowSec", ap.scale_in_window_sec}};
  }
  PutExtra(p, ap.extra);
  j["autoscalingPolicy"] = p;
  PutIfSet(j, "status", a.status);
  if (a.recommended_size) j["recommendedSize"] = *a.recommended_size;
  if (!a.status_details.empty()) j["statusDetails"] = a.status_details;
  PutIfSet(j, "selfLink", a.self_link);
  PutExtra(j, a.extra);
  return j;
}

Result<Autoscaler> AutoscalerFromJson(const Json& j, std::string_view where) {
  Autoscaler a;
  Reader r(j, std::string(where), "Autoscaler");
  int recommended = -1;
  r.Kind("compute#autoscaler")
      .U64("id", &a.id)
      .Str("creationTimestamp", &a.creation_timestamp)
      .Str("name", &a.name)
      .Str("description", &a.description)
      .Str("selfLink", &a.self_link)
      .Str("zone", &a.zone)
      .Str("target", &a.target)
      .Str("status", &a.status)
      .I32("recommendedSize", &recommended)
      .Obj("statusDetails", [&](const Json&, const std::string&) { return Status::OK(); })
      .Obj("autoscalingPolicy", [&](const Json& v, const std::string& w) -> Status {
        auto& ap = a.policy;
        int min = -1;
        Reader rp(v, w, "AutoscalingPolicy");
        rp.I32("minNumReplicas", &min)
            .I32("maxNumReplicas", &ap.max_num_replicas)
            .I32("coolDownPeriodSec", &ap.cool_down_period_sec)
            .Enum("mode", &ap.mode)
            .Obj("cpuUtilization",
                 [&](const Json& c, const std::string& cw) -> Status {
                   IMAGO_RETURN_IF_ERROR(json_read::CheckObject(c, cw));
                   if (c.contains("utilizationTarget") && !c["utilizationTarget"].is_null()) {
                     if (!c["utilizationTarget"].is_number()) {
                       return json_read::TypeError(cw, "utilizationTarget", "TYPE_DOUBLE",
                                                   c["utilizationTarget"]);
                     }
                     ap.cpu_utilization_target = c["utilizationTarget"].get<double>();
                   }
                   Reader rc(c, cw, "AutoscalingPolicyCpuUtilization");
                   rc.Ignore("utilizationTarget");
                   Json rest = Json::object();
                   IMAGO_RETURN_IF_ERROR(rc.Done(&rest));
                   if (!rest.empty()) ap.extra["cpuUtilization"] = rest;
                   return Status::OK();
                 })
            .Obj("scaleInControl", [&](const Json& c, const std::string& cw) -> Status {
              Reader rs(c, cw, "AutoscalingPolicyScaleInControl");
              rs.I32("timeWindowSec", &ap.scale_in_window_sec);
              Json rest = Json::object();
              IMAGO_RETURN_IF_ERROR(rs.Done(&rest));
              if (!rest.empty()) ap.extra["scaleInControl"] = rest;
              return Status::OK();
            });
        IMAGO_RETURN_IF_ERROR(rp.Done(&ap.extra));
        if (v.contains("minNumReplicas") && !v["minNumReplicas"].is_null())
          ap.min_num_replicas = min;
        return Status::OK();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&a.extra));
  if (j.contains("recommendedSize") && !j["recommendedSize"].is_null()) {
    a.recommended_size = recommended;
  }
  if (j.contains("statusDetails") && j["statusDetails"].is_array()) {
    a.status_details = j["statusDetails"];
  }
  return a;
}

Json ToJson(const InstanceGroup& g) {
  Json j = Json::object();
  j["kind"] = "compute#instanceGroup";
  PutId(j, g.id);
  PutIfSet(j, "creationTimestamp", g.creation_timestamp);
  j["name"] = g.name;
  PutIfSet(j, "description", g.description);
  PutIfSet(j, "zone", g.zone);
  j["size"] = g.size;
  PutNamedPorts(j, g.named_ports);
  PutIfSet(j, "fingerprint", g.fingerprint);
  PutIfSet(j, "selfLink", g.self_link);
  PutExtra(j, g.extra);
  return j;
}

Result<InstanceGroup> InstanceGroupFromJson(const Json& j, std::string_view where) {
  InstanceGroup g;
  Reader r(j, std::string(where), "InstanceGroup");
  r.Kind("compute#instanceGroup")
      .U64("id", &g.id)
      .Str("creationTimestamp", &g.creation_timestamp)
      .Str("name", &g.name)
      .Str("description", &g.description)
      .Str("selfLink", &g.self_link)
      .Str("zone", &g.zone)
      .I32("size", &g.size)
      .Str("fingerprint", &g.fingerprint)
      .Arr("namedPorts", [&](const Json& v, const std::string& w) {
        auto np = NamedPortFromJson(v, w);
        if (np.ok()) g.named_ports.push_back(std::move(np.value()));
        return np.status();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&g.extra));
  return g;
}

Json ToJson(const FixedOrPercent& v) {
  Json j = Json::object();
  if (v.fixed) j["fixed"] = *v.fixed;
  if (v.percent) j["percent"] = *v.percent;
  j["calculated"] = v.calculated;
  return j;
}

Result<FixedOrPercent> FixedOrPercentFromJson(const Json& j, std::string_view where) {
  FixedOrPercent v;
  Reader r(j, std::string(where), "FixedOrPercent");
  int fixed = -1, percent = -1;
  r.I32("fixed", &fixed).I32("percent", &percent).I32("calculated", &v.calculated);
  IMAGO_RETURN_IF_ERROR(r.Done());
  if (j.contains("fixed") && !j["fixed"].is_null()) v.fixed = fixed;
  if (j.contains("percent") && !j["percent"].is_null()) v.percent = percent;
  return v;
}

Json EmptyActionsSummary() {
  Json a = Json::object();
  for (const char* k : {"abandoning", "creating", "creatingWithoutRetries", "deleting", "none",
                        "recreating", "refreshing", "restarting", "resuming", "starting",
                        "stopping", "suspending", "verifying"}) {
    a[k] = 0;
  }
  return a;
}

Json ToJson(const InstanceGroupManager& g) {
  Json j = Json::object();
  j["kind"] = "compute#instanceGroupManager";
  PutId(j, g.id);
  PutIfSet(j, "creationTimestamp", g.creation_timestamp);
  j["name"] = g.name;
  PutIfSet(j, "description", g.description);
  PutIfSet(j, "zone", g.zone);
  PutIfSet(j, "baseInstanceName", g.base_instance_name);
  PutIfSet(j, "instanceTemplate", g.instance_template);
  PutIfSet(j, "instanceGroup", g.instance_group);
  if (!g.versions.empty()) {
    Json vs = Json::array();
    for (const auto& v : g.versions) {
      Json x = Json::object();
      PutIfSet(x, "name", v.name);
      PutIfSet(x, "instanceTemplate", v.instance_template);
      if (v.target_size) x["targetSize"] = ToJson(*v.target_size);
      vs.push_back(x);
    }
    j["versions"] = vs;
  }
  if (g.target_size) j["targetSize"] = *g.target_size;
  const auto& p = g.update_policy;
  Json up = Json::object();
  PutIfSet(up, "type", p.type);
  PutIfSet(up, "minimalAction", p.minimal_action);
  PutIfSet(up, "mostDisruptiveAllowedAction", p.most_disruptive_allowed_action);
  PutIfSet(up, "replacementMethod", p.replacement_method);
  if (p.max_surge) up["maxSurge"] = ToJson(*p.max_surge);
  if (p.max_unavailable) up["maxUnavailable"] = ToJson(*p.max_unavailable);
  PutPositive(up, "minReadySec", p.min_ready_sec);
  PutExtra(up, p.extra);
  if (!up.empty()) j["updatePolicy"] = up;
  if (!g.auto_healing_policies.empty()) {
    Json a = Json::array();
    for (const auto& h : g.auto_healing_policies) {
      Json x = Json::object();
      PutIfSet(x, "healthCheck", h.health_check);
      x["initialDelaySec"] = h.initial_delay_sec;
      a.push_back(x);
    }
    j["autoHealingPolicies"] = a;
  }
  PutNamedPorts(j, g.named_ports);
  PutIfSet(j, "fingerprint", g.fingerprint);
  if (!g.current_actions.empty()) j["currentActions"] = g.current_actions;
  if (!g.status.empty()) j["status"] = g.status;
  PutIfSet(j, "selfLink", g.self_link);
  PutExtra(j, g.extra);
  return j;
}

Result<InstanceGroupManager> InstanceGroupManagerFromJson(const Json& j, std::string_view where) {
  InstanceGroupManager g;
  Reader r(j, std::string(where), "InstanceGroupManager");
  int target_size = 0;
  r.Kind("compute#instanceGroupManager")
      .U64("id", &g.id)
      .Str("creationTimestamp", &g.creation_timestamp)
      .Str("name", &g.name)
      .Str("description", &g.description)
      .Str("zone", &g.zone)
      .Str("selfLink", &g.self_link)
      .Str("baseInstanceName", &g.base_instance_name)
      .Str("instanceTemplate", &g.instance_template)
      .Str("instanceGroup", &g.instance_group)
      .I32("targetSize", &target_size)
      .Str("fingerprint", &g.fingerprint)
      .Arr("versions",
           [&](const Json& v, const std::string& w) {
             InstanceGroupManagerVersion ver;
             Reader rv(v, w, "InstanceGroupManagerVersion");
             rv.Str("name", &ver.name)
                 .Str("instanceTemplate", &ver.instance_template)
                 .Obj("targetSize", [&](const Json& t, const std::string& tw) {
                   auto x = FixedOrPercentFromJson(t, tw);
                   if (x.ok() && (x->fixed || x->percent)) ver.target_size = *x;
                   return x.status();
                 });
             IMAGO_RETURN_IF_ERROR(rv.Done());
             g.versions.push_back(std::move(ver));
             return Status::OK();
           })
      .Obj("updatePolicy",
           [&](const Json& v, const std::string& w) {
             auto& p = g.update_policy;
             Reader rp(v, w, "InstanceGroupManagerUpdatePolicy");
             auto fop = [&](std::optional<FixedOrPercent>* out) {
               return [out](const Json& t, const std::string& tw) {
                 auto x = FixedOrPercentFromJson(t, tw);
                 if (x.ok() && (x->fixed || x->percent)) *out = *x;
                 return x.status();
               };
             };
             rp.Enum("type", &p.type)
                 .Enum("minimalAction", &p.minimal_action)
                 .Enum("mostDisruptiveAllowedAction", &p.most_disruptive_allowed_action)
                 .Enum("replacementMethod", &p.replacement_method)
                 .Obj("maxSurge", fop(&p.max_surge))
                 .Obj("maxUnavailable", fop(&p.max_unavailable))
                 // minReadySec is the beta API's (v1 does not have it):
                 // taken, as gcloud beta sends it.
                 .I32("minReadySec", &p.min_ready_sec);
             return rp.Done(&p.extra);
           })
      .Arr("autoHealingPolicies",
           [&](const Json& v, const std::string& w) {
             AutoHealingPolicy h;
             Reader rh(v, w, "InstanceGroupManagerAutoHealingPolicy");
             rh.Str("healthCheck", &h.health_check).I32("initialDelaySec", &h.initial_delay_sec);
             IMAGO_RETURN_IF_ERROR(rh.Done());
             g.auto_healing_policies.push_back(std::move(h));
             return Status::OK();
           })
      .Arr("namedPorts",
           [&](const Json& v, const std::string& w) {
             auto np = NamedPortFromJson(v, w);
             if (np.ok()) g.named_ports.push_back(std::move(np.value()));
             return np.status();
           })
      .Obj("currentActions",
           [&](const Json& v, const std::string&) {
             g.current_actions = v;
             return Status::OK();
           })
      .Obj("status", [&](const Json& v, const std::string&) {
        g.status = v;
        return Status::OK();
      });
  IMAGO_RETURN_IF_ERROR(r.Done(&g.extra));
  if (j.contains("targetSize") && !j["targetSize"].is_null()) g.target_size = target_size;
  return g;
}

Json ToJson(const ManagedInstance& m) {
  Json j = Json::object();
  j["instance"] = m.instance;
  PutId(j, m.id);
  PutIfSet(j, "instanceStatus", m.instance_status);
  j["currentAction"] = m.current_action;
  Json v = Json::object();
  PutIfSet(v, "name", m.version_name);
  PutIfSet(v, "instanceTemplate", m.instance_template);
  j["version"] = v;
  if (!m.health_check.empty()) {
    j["instanceHealth"] =
        Json::array({{{"healthCheck", m.health_check}, {"detailedHealthState", m.health_state}}});
  }
  return j;
}

Json ToJson(const ManagedInstanceError& e) {
  return {{"error", {{"code", e.code}, {"message", e.message}}},
          {"instanceActionDetails", {{"action", e.action}, {"instance", e.instance}}},
          {"timestamp", e.timestamp}};
}

ManagedInstance ManagedInstanceFromJson(const Json& j) {
  ManagedInstance m;
  if (!j.is_object()) return m;
  m.instance = j.value("instance", "");
  std::string id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
  m.id = id.empty() ? 0 : std::strtoull(id.c_str(), nullptr, 10);
  m.instance_status = j.value("instanceStatus", "");
  m.current_action = j.value("currentAction", "");
  if (j.contains("version") && j["version"].is_object()) {
    m.version_name = j["version"].value("name", "");
    m.instance_template = j["version"].value("instanceTemplate", "");
  }
  if (j.contains("instanceHealth") && j["instanceHealth"].is_array() &&
      !j["instanceHealth"].empty()) {
    m.health_check = j["instanceHealth"][0].value("healthCheck", "");
    m.health_state = j["instanceHealth"][0].value("detailedHealthState", "");
  }
  return m;
}

ManagedInstanceError ManagedInstanceErrorFromJson(const Json& j) {
  ManagedInstanceError e;
  if (!j.is_object()) return e;
  if (j.contains("error") && j["error"].is_object()) {
    e.code = j["error"].value("code", "");
    e.message = j["error"].value("message", "");
  }
  if (j.contains("instanceActionDetails") && j["instanceActionDetails"].is_object()) {
    e.action = j["instanceActionDetails"].value("action", "");
    e.instance = j["instanceActionDetails"].value("instance", "");
  }
  e.timestamp = j.value("timestamp", "");
  return e;
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

const FilterSchema& InstanceGroupManagerFilterSchema() {
  static const FilterSchema k = {"kind",
                                 "id",
                                 "creationTimestamp",
                                 "name",
                                 "description",
                                 "selfLink",
                                 "zone",
                                 "baseInstanceName",
                                 "instanceTemplate",
                                 "targetSize",
                                 "status.isStable",
                                 "status.versionTarget.isReached"};
  return k;
}

const FilterSchema& AutoscalerFilterSchema() {
  static const FilterSchema k = {
      "kind",   "id",     "creationTimestamp", "name", "description", "selfLink", "zone",
      "target", "status", "recommendedSize"};
  return k;
}

const FilterSchema& InstanceGroupFilterSchema() {
  static const FilterSchema k = {"kind", "id",          "creationTimestamp",
                                 "name", "description", "selfLink",
                                 "zone", "size",        "fingerprint"};
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
