#include "localcloud/local_health_checks.h"

#include "compute/group_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "localcloud/global_rows.h"
#include "localcloud/local_instance_group_managers.h"
#include "localcloud/local_load_balancers.h"

namespace imago::localcloud {

using compute::HealthCheck;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

// The protocol fields of HealthCheck other than the two modelled ones.
constexpr const char* kOtherProtocols[] = {"httpsHealthCheck", "http2HealthCheck", "sslHealthCheck",
                                           "grpcHealthCheck", "grpcTlsHealthCheck"};

Result<HealthCheck> ReadCheck(const Json& j) {
  return compute::HealthCheckFromJson(j);
}

Status CheckRange(const char* field, int* value, int fallback, int lo, int hi) {
  if (*value == 0) *value = fallback;
  if (*value < lo || *value > hi) {
    return Status::InvalidField(
        std::string("healthCheck.") + field, std::to_string(*value),
        "Must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ".");
  }
  return Status::OK();
}

Status CheckPort(const std::string& field, int* port) {
  if (*port == 0) *port = 80;
  if (*port < 1 || *port > 65535) {
    return Status::InvalidField(field, std::to_string(*port), "Valid ports are 1 through 65535.");
  }
  return Status::OK();
}

// portSpecification and proxyHeader: what the local prober can honour.
Status CheckHow(const std::string& where, const std::string& port_spec,
                const std::string& proxy_header) {
  if (!port_spec.empty() && port_spec != "USE_FIXED_PORT" && port_spec != "USE_SERVING_PORT") {
    return Status::InvalidField(where + ".portSpecification", port_spec,
                                "Use USE_FIXED_PORT or USE_SERVING_PORT (GCE does not support "
                                "USE_NAMED_PORT either).");
  }
  if (!proxy_header.empty() && proxy_header != "NONE") {
    return Status::InvalidField(where + ".proxyHeader", proxy_header,
                                "Not supported by the local cloud: its prober sends no PROXY "
                                "header; leave it out or use NONE.");
  }
  return Status::OK();
}

bool IsEmptyHttp(const compute::HttpHealthCheck& h) {
  return h.port == 0 && h.request_path.empty() && h.host.empty() && h.response.empty() &&
         h.port_specification.empty() && h.proxy_header.empty() && h.extra.empty();
}
bool IsEmptyTcp(const compute::TcpHealthCheck& t) {
  return t.port == 0 && t.request.empty() && t.response.empty() && t.port_specification.empty() &&
         t.proxy_header.empty() && t.extra.empty();
}

Status Mismatch(const std::string& type, const char* field) {
  return Status::InvalidField("healthCheck." + std::string(field), "set",
                              "Exactly one of the protocol-specific health check fields must be "
                              "specified, which must match type field (" +
                                  type + ").");
}

}  // namespace

Result<HealthCheck> NormalizeHealthCheck(HealthCheck hc) {
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("healthCheck.name", hc.name));
  // Clients that send every field send the other protocols' empty objects.
  if (hc.http && hc.type != "HTTP" && IsEmptyHttp(*hc.http)) hc.http.reset();
  if (hc.tcp && hc.type != "TCP" && IsEmptyTcp(*hc.tcp)) hc.tcp.reset();
  if (hc.type.empty()) {
    return Status::Required("Required field 'healthCheck.type' not specified: say HTTP or TCP.");
  }
  if (hc.type != "HTTP" && hc.type != "TCP") {
    for (const char* t : {"HTTPS", "HTTP2", "SSL", "GRPC", "GRPC_WITH_TLS"}) {
      if (hc.type == t) {
        return Status::InvalidField("healthCheck.type", hc.type,
                                    "Not supported by the local cloud: its prober speaks HTTP "
                                    "and TCP; use one of those.");
      }
    }
    return Status::InvalidField("healthCheck.type", hc.type,
                                "Must be one of TCP, SSL, HTTP, HTTPS, HTTP2, GRPC.");
  }
  for (const char* other : kOtherProtocols) {
    if (hc.extra.contains(other)) {
      return Status::InvalidField(std::string("healthCheck.") + other, "set",
                                  "Not supported by the local cloud: its prober speaks HTTP and "
                                  "TCP; use httpHealthCheck or tcpHealthCheck.");
    }
  }
  if (hc.type == "HTTP") {
    if (hc.tcp) return Mismatch(hc.type, "tcpHealthCheck");
    if (!hc.http) hc.http.emplace();
    auto& h = *hc.http;
    IMAGO_RETURN_IF_ERROR(CheckPort("healthCheck.httpHealthCheck.port", &h.port));
    if (h.request_path.empty()) h.request_path = "/";
    if (h.request_path[0] != '/') {
      return Status::InvalidField("healthCheck.httpHealthCheck.requestPath", h.request_path,
                                  "A request path starts with '/'.");
    }
    if (h.response.size() > 1024) {
      return Status::InvalidField("healthCheck.httpHealthCheck.response", "...",
                                  "The expected response is at most 1024 characters.");
    }
    IMAGO_RETURN_IF_ERROR(
        CheckHow("healthCheck.httpHealthCheck", h.port_specification, h.proxy_header));
  } else {
    if (hc.http) return Mismatch(hc.type, "httpHealthCheck");
    if (!hc.tcp) hc.tcp.emplace();
    auto& t = *hc.tcp;
    IMAGO_RETURN_IF_ERROR(CheckPort("healthCheck.tcpHealthCheck.port", &t.port));
    IMAGO_RETURN_IF_ERROR(
        CheckHow("healthCheck.tcpHealthCheck", t.port_specification, t.proxy_header));
  }
  IMAGO_RETURN_IF_ERROR(CheckRange("checkIntervalSec", &hc.check_interval_sec, 5, 1, 300));
  IMAGO_RETURN_IF_ERROR(CheckRange("timeoutSec", &hc.timeout_sec, 5, 1, 300));
  IMAGO_RETURN_IF_ERROR(CheckRange("healthyThreshold", &hc.healthy_threshold, 2, 1, 10));
  IMAGO_RETURN_IF_ERROR(CheckRange("unhealthyThreshold", &hc.unhealthy_threshold, 2, 1, 10));
  if (hc.timeout_sec > hc.check_interval_sec) {
    return Status::InvalidField("healthCheck.timeoutSec", std::to_string(hc.timeout_sec),
                                "It is invalid for timeoutSec to have greater value than "
                                "checkIntervalSec (" +
                                    std::to_string(hc.check_interval_sec) + ").");
  }
  if (hc.extra.contains("sourceRegions")) {
    return Status::InvalidField("healthCheck.sourceRegions", "set",
                                "Not supported by the local cloud: it probes from the host "
                                "alone (and GCE refuses it for autohealing too).");
  }
  return hc;
}

Result<Operation> LocalHealthChecks::Insert(const std::string& project, const HealthCheck& in,
                                            const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  auto hc = NormalizeHealthCheck(in);
  if (!hc.ok()) return hc.status();
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    Catalog& c = s_.catalog();
    auto existing = c.FindResource(kHealthCheckKind, project, "", hc->name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::GlobalPath(project, "healthChecks", hc->name));
    }
    ResourceRow row;
    row.kind = kHealthCheckKind;
    row.project = project;
    row.name = hc->name;
    row.id = s_.NewId();
    row.creation_us = s_.NowUs();
    hc->id = row.id;
    hc->creation_timestamp = compute::FormatRfc3339(row.creation_us);
    hc->self_link = s_.Link(compute::GlobalPath(project, "healthChecks", hc->name));
    row.resource = compute::ToJson(*hc);
    IMAGO_RETURN_IF_ERROR(c.InsertResource(row));
    op->target_link = hc->self_link;
    op->target_id = row.id;
    return Status::OK();
  });
}

Result<HealthCheck> LocalHealthChecks::Get(const std::string& project,
                                           const std::string& health_check) {
  return internal::GetGlobalRow<HealthCheck>(s_, kHealthCheckKind, "healthChecks", project,
                                             health_check, ReadCheck);
}

Result<ListPage<HealthCheck>> LocalHealthChecks::List(const std::string& project,
                                                      const ListOptions& opts) {
  return internal::ListGlobalRows<HealthCheck>(s_, kHealthCheckKind, "healthChecks", project, opts,
                                               compute::HealthCheckFilterSchema(), ReadCheck);
}

Result<Operation> LocalHealthChecks::Replace(
    const std::string& project, const std::string& name, const MutationOptions& opts,
    const std::function<Result<HealthCheck>(const Json& stored)>& make) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  return s_.Mutate(project, "update", opts, [&](Operation* op) -> Status {
    auto row = s_.LoadRow(kHealthCheckKind, "healthChecks", project, "", name);
    if (!row.ok()) return row.status();
    auto stored = compute::HealthCheckFromJson(row->resource);
    if (!stored.ok()) return stored.status();
    auto next = make(row->resource);
    if (!next.ok()) return next.status();
    if (!next->name.empty() && next->name != stored->name) {
      return Status::InvalidField("healthCheck.name", next->name,
                                  "A health check cannot be renamed; create a new one.");
    }
    next->name = stored->name;
    auto hc = NormalizeHealthCheck(std::move(next.value()));
    if (!hc.ok()) return hc.status();
    hc->id = stored->id;
    hc->creation_timestamp = stored->creation_timestamp;
    hc->self_link = stored->self_link;
    row->resource = compute::ToJson(*hc);
    IMAGO_RETURN_IF_ERROR(s_.catalog().UpdateResource(*row));
    op->target_link = hc->self_link;
    op->target_id = row->id;
    return Status::OK();
  });
}

Result<Operation> LocalHealthChecks::Update(const std::string& project,
                                            const std::string& health_check, const HealthCheck& hc,
                                            const MutationOptions& opts) {
  return Replace(project, health_check, opts,
                 [&](const Json&) -> Result<HealthCheck> { return hc; });
}

Result<Operation> LocalHealthChecks::Patch(const std::string& project,
                                           const std::string& health_check, const Json& patch,
                                           const MutationOptions& opts) {
  if (!patch.is_object()) return Status::Invalid("A patch of a health check is a JSON object.");
  return Replace(project, health_check, opts, [&](const Json& stored) -> Result<HealthCheck> {
    Json merged = stored;
    // Output-only fields of a patch are ignored, as everywhere.
    Json body = patch;
    for (const char* k : {"kind", "id", "creationTimestamp", "selfLink", "region"}) body.erase(k);
    merged.merge_patch(body);
    return compute::HealthCheckFromJson(merged);
  });
}

Result<Operation> LocalHealthChecks::Delete(const std::string& project,
                                            const std::string& health_check,
                                            const MutationOptions& opts) {
  return internal::DeleteGlobalRow(
      s_, kHealthCheckKind, "healthChecks", project, health_check, opts,
      [&](const ResourceRow& row) -> Status {
        const std::string link = row.resource.value("selfLink", "");
        IMAGO_RETURN_IF_ERROR(
            LocalInstanceGroupManagers::CheckHealthCheckUnused(s_, project, link));
        return CheckNotInBackendService(s_, project, link, "health_check");
      });
}

}  // namespace imago::localcloud
