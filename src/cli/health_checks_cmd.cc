// imago health-checks ...: how a group's instances are judged healthy,
// shaped like `gcloud compute health-checks` (http and tcp).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/group_codec.h"

namespace imago::cli {

using compute::Status;

namespace {

std::vector<Column> CheckColumns() {
  auto port = [](const Json& j) {
    std::string p = Field(j, "httpHealthCheck.port");
    return p.empty() ? Field(j, "tcpHealthCheck.port") : p;
  };
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"PROTOCOL", [](const Json& j) { return Field(j, "type"); }},
          {"PORT", port},
          {"REQUEST_PATH", [](const Json& j) { return Field(j, "httpHealthCheck.requestPath"); }},
          {"INTERVAL", [](const Json& j) { return Field(j, "checkIntervalSec") + "s"; }},
          {"TIMEOUT", [](const Json& j) { return Field(j, "timeoutSec") + "s"; }},
          {"HEALTHY/UNHEALTHY", [](const Json& j) {
             return Field(j, "healthyThreshold") + "/" + Field(j, "unhealthyThreshold");
           }}};
}

struct CheckFlags {
  std::string protocol, name, request_path, response, request, check_interval, timeout, description,
      request_id;
  int port = 0, healthy = 0, unhealthy = 0;
};

// The fields the flags set, as a JSON merge patch of a HealthCheck
// (create sends it whole; update patches with it).
compute::Result<Json> FlagsJson(const CheckFlags& f) {
  Json j = Json::object();
  if (f.protocol == "http") {
    j["type"] = "HTTP";
  } else if (f.protocol == "tcp") {
    j["type"] = "TCP";
  } else {
    return Status::InvalidField("PROTOCOL", f.protocol, "Give http or tcp.");
  }
  const char* proto = f.protocol == "http" ? "httpHealthCheck" : "tcpHealthCheck";
  Json p = Json::object();
  if (f.port) p["port"] = f.port;
  if (f.protocol == "http" && !f.request_path.empty()) p["requestPath"] = f.request_path;
  if (f.protocol == "tcp" && !f.request_path.empty()) {
    return Status::InvalidField("--request-path", f.request_path, "Only HTTP checks have a path.");
  }
  if (f.protocol == "http" && !f.request.empty()) {
    return Status::InvalidField("--request", f.request, "Only TCP checks send a request.");
  }
  if (!f.request.empty()) p["request"] = f.request;
  if (!f.response.empty()) p["response"] = f.response;
  j[proto] = p;
  if (!f.check_interval.empty()) {
    auto s = ParseSeconds("--check-interval", f.check_interval);
    if (!s.ok()) return s.status();
    j["checkIntervalSec"] = *s;
  }
  if (!f.timeout.empty()) {
    auto s = ParseSeconds("--timeout", f.timeout);
    if (!s.ok()) return s.status();
    j["timeoutSec"] = *s;
  }
  if (f.healthy) j["healthyThreshold"] = f.healthy;
  if (f.unhealthy) j["unhealthyThreshold"] = f.unhealthy;
  if (!f.description.empty()) j["description"] = f.description;
  return j;
}

int Run(Context& ctx, const CheckFlags& f, bool create) {
  const char* cmd = create ? "health-checks.create" : "health-checks.update";
  auto body = FlagsJson(f);
  if (!body.ok()) return ctx.Fail(cmd, body.status());
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  if (create) {
    (*body)["name"] = f.name;
    auto hc = compute::HealthCheckFromJson(*body);
    if (!hc.ok()) return ctx.Fail(cmd, hc.status());
    if (int rc = ctx.Check(cmd, svc->health_checks().Insert(ctx.g.project, *hc, opts))) return rc;
  } else {
    if (int rc = ctx.Check(cmd, svc->health_checks().Patch(ctx.g.project, f.name, *body, opts))) {
      return rc;
    }
  }
  auto hc = svc->health_checks().Get(ctx.g.project, f.name);
  if (!hc.ok()) return ctx.Fail(cmd, hc.status());
  std::cerr << (create ? "Created [" : "Updated [") << hc->self_link << "].\n";
  PrintOne(ctx, *hc, CheckColumns());
  return kExitOk;
}

void AddCheckFlags(CLI::App* c, CheckFlags* f, bool create) {
  c->add_option("PROTOCOL", f->protocol, "http or tcp")->required();
  c->add_option("NAME", f->name, "Health check name")->required();
  c->add_option("--port", f->port, create ? "Port to probe (default 80)" : "Port to probe");
  c->add_option("--request-path", f->request_path, "HTTP path (default /)");
  c->add_option("--response", f->response,
                "Healthy only if this text is in the first 1024 bytes of the answer");
  c->add_option("--request", f->request, "TCP: bytes to send once connected");
  c->add_option("--check-interval", f->check_interval, "How often, e.g. 5s (default 5s)");
  c->add_option("--timeout", f->timeout, "How long to wait, at most the interval (default 5s)");
  c->add_option("--healthy-threshold", f->healthy, "Successes to become healthy (default 2)");
  c->add_option("--unhealthy-threshold", f->unhealthy, "Failures to become unhealthy (default 2)");
  c->add_option("--description", f->description, "Description");
  c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
}

}  // namespace

void AddHealthChecksCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("health-checks", "How instances are judged healthy (global)");
  g->require_subcommand(1);
  {
    auto f = std::make_shared<CheckFlags>();
    CLI::App* c = g->add_subcommand("create", "Create an HTTP or TCP health check");
    AddCheckFlags(c, f.get(), true);
    c->footer(
        "Example:\n  imago health-checks create http web-hc --port 80 --request-path /health "
        "--check-interval 5s\n  imago health-checks create tcp db-hc --port 5432");
    c->callback([&ctx, f] { ctx.exit_code = Run(ctx, *f, true); });
  }
  {
    auto f = std::make_shared<CheckFlags>();
    CLI::App* c = g->add_subcommand("update", "Change what the flags name; the rest stays");
    AddCheckFlags(c, f.get(), false);
    c->footer("Example:\n  imago health-checks update http web-hc --request-path /ready");
    c->callback([&ctx, f] { ctx.exit_code = Run(ctx, *f, false); });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List health checks");
    AddListFlags(c, lf.get(), "type = HTTP");
    c->footer("Example:\n  imago health-checks list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("health-checks.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::HealthCheck>(
          ctx, "health-checks.list", *lf, CheckColumns(), [&](const compute::ListOptions& o) {
            return svc->health_checks().List(ctx.g.project, o);
          });
    });
  }
  AddDescribe(g, ctx, "health-checks.describe", "Show one health check",
              "imago health-checks describe web-hc",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.health_checks().Get(ctx.g.project, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete health checks (refused while in use)");
    c->footer("Example:\n  imago health-checks delete web-hc");
    AddNamesVerb(c, ctx, "health-checks.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.health_checks().Delete(ctx.g.project, n, {});
                 });
  }
}

}  // namespace imago::cli
