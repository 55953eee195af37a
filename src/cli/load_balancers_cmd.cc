// imago backend-services | url-maps | target-http-proxies | forwarding-rules
// ... and instance-groups set-named-ports: the load balancer in gcloud's
// words (`gcloud compute backend-services ...`). On the local cloud the
// controller serves them with HAProxy (docs/groups.md).
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/controller_run.h"
#include "cli/resource_cmd.h"
#include "compute/group_codec.h"
#include "compute/lb_codec.h"
#include "compute/resource_ref.h"

namespace imago::cli {

using compute::Status;

namespace {

std::vector<Column> ServiceColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"PROTOCOL", [](const Json& j) { return Field(j, "protocol"); }},
          {"PORT_NAME", [](const Json& j) { return Field(j, "portName"); }},
          {"BACKENDS",
           [](const Json& j) {
             std::string s;
             for (const auto& b : j.value("backends", Json::array())) {
               std::string g = b.value("group", "");
               s += (s.empty() ? "" : ",") + g.substr(g.rfind('/') + 1);
               double c = b.value("capacityScaler", 1.0);
               if (c != 1.0) s += fmt::format("({:g})", c);
             }
             return s;
           }},
          {"HEALTH_CHECK",
           [](const Json& j) {
             auto hc = j.value("healthChecks", Json::array());
             return hc.empty() ? std::string() : compute::LastSegment(hc[0].get<std::string>());
           }},
          {"DRAINING",
           [](const Json& j) { return Field(j, "connectionDraining.drainingTimeoutSec") + "s"; }}};
}
std::vector<Column> MapColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"DEFAULT_SERVICE", [](const Json& j) { return LastOf(j, "defaultService"); }}};
}
std::vector<Column> ProxyColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"URL_MAP", [](const Json& j) { return LastOf(j, "urlMap"); }}};
}
std::vector<Column> RuleColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"IP_ADDRESS", [](const Json& j) { return Field(j, "IPAddress"); }},
          {"PORT_RANGE", [](const Json& j) { return Field(j, "portRange"); }},
          {"IP_PROTOCOL", [](const Json& j) { return Field(j, "IPProtocol"); }},
          {"TARGET", [](const Json& j) { return LastOf(j, "target"); }}};
}

// Runs `change` (a mutation), starts the controller where one serves the
// load balancers, then prints `get`'s resource with `cols`.
template <typename T>
int Mutated(Context& ctx, const char* cmd, compute::Service& svc, const char* verb,
            const compute::Result<compute::Operation>& op,
            const std::function<compute::Result<T>()>& get, const std::vector<Column>& cols) {
  if (int rc = ctx.Check(cmd, op)) return rc;
  (void)EnsureController(ctx, svc);
  auto got = get();
  if (!got.ok()) return ctx.Fail(cmd, got.status());
  std::cerr << verb << " [" << got->self_link << "].\n";
  PrintOne(ctx, *got, cols);
  return kExitOk;
}

// zones/ZONE/instanceGroups/NAME for --instance-group(-zone).
std::string GroupPath(Context& ctx, const std::string& group, const std::string& zone) {
  if (group.find('/') != std::string::npos) return group;
  return compute::ZonalPath(ctx.g.project, zone.empty() ? ctx.g.zone : zone, "instanceGroups",
                            group);
}

struct BackendFlags {
  std::string name, group, zone, balancing_mode;
  double capacity = -1;
};

// add-backend, update-backend, remove-backend: the service's backends
// changed by `edit`, sent as a patch with the fingerprint read.
int EditBackends(
    Context& ctx, const char* cmd, const BackendFlags& f,
    const std::function<Status(std::vector<compute::Backend>*, const std::string&)>& edit) {
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto bs = svc->backend_services().Get(ctx.g.project, f.name);
  if (!bs.ok()) return ctx.Fail(cmd, bs.status());
  const std::string path = GroupPath(ctx, f.group, f.zone);
  Status st = edit(&bs->backends, path);
  if (!st.ok()) return ctx.Fail(cmd, st);
  compute::BackendService only;
  only.backends = bs->backends;
  Json patch = {{"backends", compute::ToJson(only).value("backends", Json::array())},
                {"fingerprint", bs->fingerprint}};
  return Mutated<compute::BackendService>(
      ctx, cmd, *svc, "Updated", svc->backend_services().Patch(ctx.g.project, f.name, patch, {}),
      [&] { return svc->backend_services().Get(ctx.g.project, f.name); }, ServiceColumns());
}

// Whether backend `b` is the group at `path` (a URL or a partial path).
bool SameGroup(const compute::Backend& b, const std::string& path) {
  auto at = b.group.find("projects/");
  std::string tail = at == std::string::npos ? b.group : b.group.substr(at);
  if (tail == path) return true;
  return tail.size() > path.size() &&
         tail.compare(tail.size() - path.size(), path.size(), path) == 0 &&
         tail[tail.size() - path.size() - 1] == '/';
}

void AddBackendServices(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("backend-services",
                                    "The instance groups a load balancer sends to (global)");
  g->require_subcommand(1);
  {
    struct Flags {
      std::string name, health_check, protocol, port_name, timeout, draining, description,
          request_id;
      bool global = false;
    };
    auto f = std::make_shared<Flags>();
    CLI::App* c = g->add_subcommand("create", "Create a backend service");
    c->add_option("NAME", f->name, "Backend service name")->required();
    c->add_option("--health-checks", f->health_check, "The health check of its instances")
        ->required();
    c->add_option("--protocol", f->protocol, "HTTP (default)");
    c->add_option("--port-name", f->port_name, "The groups' named port to send to (default http)");
    c->add_option("--timeout", f->timeout, "Per request, e.g. 30s (default 30s)");
    c->add_option("--connection-draining-timeout", f->draining,
                  "How long a leaving instance may finish its requests (default 300s)");
    c->add_option("--description", f->description, "Description");
    c->add_flag("--global", f->global, "Global (the only kind here; accepted for gcloud's sake)");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer(
        "Example:\n  imago backend-services create web-bs --health-checks web-hc --port-name http "
        "--global\n  imago backend-services add-backend web-bs --instance-group web-v1 "
        "--instance-group-zone local-a");
    c->callback([&ctx, f] {
      const char* cmd = "backend-services.create";
      compute::Service* svc = ctx.Service(cmd);  // First: it settles the project.
      if (!svc) return;
      compute::BackendService bs;
      bs.name = f->name;
      bs.health_checks = {compute::GlobalPath(ctx.g.project, "healthChecks", f->health_check)};
      bs.protocol = f->protocol;
      bs.port_name = f->port_name;
      bs.description = f->description;
      if (!f->timeout.empty()) {
        auto s = ParseSeconds("--timeout", f->timeout);
        if (!s.ok()) return void(ctx.exit_code = ctx.Fail(cmd, s.status()));
        bs.timeout_sec = *s;
      }
      if (!f->draining.empty()) {
        auto s = ParseSeconds("--connection-draining-timeout", f->draining);
        if (!s.ok()) return void(ctx.exit_code = ctx.Fail(cmd, s.status()));
        bs.draining_timeout_sec = *s;
      }
      compute::MutationOptions opts;
      opts.request_id = f->request_id;
      ctx.exit_code = Mutated<compute::BackendService>(
          ctx, cmd, *svc, "Created", svc->backend_services().Insert(ctx.g.project, bs, opts),
          [&] { return svc->backend_services().Get(ctx.g.project, f->name); }, ServiceColumns());
    });
  }
  auto backend_flags = [](CLI::App* c, BackendFlags* f, bool scaler, bool required_scaler) {
    c->add_option("NAME", f->name, "Backend service name")->required();
    c->add_option("--instance-group", f->group, "The managed group's name")->required();
    c->add_option("--instance-group-zone", f->zone, "Its zone (default: --zone)");
    if (scaler) {
      auto* o = c->add_option("--capacity-scaler", f->capacity,
                              "0 (drained) or 0.1-1.0: the share of the group's capacity used");
      if (required_scaler) o->required();
      c->add_option("--balancing-mode", f->balancing_mode, "UTILIZATION (default) or RATE");
    }
  };
  {
    auto f = std::make_shared<BackendFlags>();
    CLI::App* c = g->add_subcommand("add-backend", "Send to one more instance group");
    backend_flags(c, f.get(), true, false);
    c->footer(
        "Example:\n  imago backend-services add-backend web-bs --instance-group web-v2 "
        "--instance-group-zone local-a");
    c->callback([&ctx, f] {
      ctx.exit_code = EditBackends(
          ctx, "backend-services.add-backend", *f,
          [&](std::vector<compute::Backend>* bs, const std::string& path) -> Status {
            for (const auto& b : *bs) {
              if (SameGroup(b, path)) {
                return Status::InvalidField("--instance-group", f->group,
                                            "It is a backend already; use update-backend.");
              }
            }
            compute::Backend b;
            b.group = path;
            b.balancing_mode = f->balancing_mode;
            if (f->capacity >= 0) b.capacity_scaler = f->capacity;
            bs->push_back(std::move(b));
            return Status::OK();
          });
    });
  }
  {
    auto f = std::make_shared<BackendFlags>();
    CLI::App* c = g->add_subcommand("update-backend", "Change a backend's capacity scaler");
    backend_flags(c, f.get(), true, true);
    c->footer(
        "Example (drain a group, keeping it a backend):\n  imago backend-services update-backend "
        "web-bs --instance-group web-v1 --capacity-scaler 0");
    c->callback([&ctx, f] {
      ctx.exit_code = EditBackends(
          ctx, "backend-services.update-backend", *f,
          [&](std::vector<compute::Backend>* bs, const std::string& path) -> Status {
            for (auto& b : *bs) {
              if (!SameGroup(b, path)) continue;
              b.capacity_scaler = f->capacity;
              if (!f->balancing_mode.empty()) b.balancing_mode = f->balancing_mode;
              return Status::OK();
            }
            return Status::InvalidField("--instance-group", f->group,
                                        "Not a backend of this service; use add-backend.");
          });
    });
  }
  {
    auto f = std::make_shared<BackendFlags>();
    CLI::App* c = g->add_subcommand("remove-backend", "Stop sending to an instance group");
    backend_flags(c, f.get(), false, false);
    c->footer(
        "Its instances are drained first (see docs/groups.md).\nExample:\n  imago "
        "backend-services remove-backend web-bs --instance-group web-v1");
    c->callback([&ctx, f] {
      ctx.exit_code =
          EditBackends(ctx, "backend-services.remove-backend", *f,
                       [&](std::vector<compute::Backend>* bs, const std::string& path) -> Status {
                         for (auto it = bs->begin(); it != bs->end(); ++it) {
                           if (SameGroup(*it, path)) {
                             bs->erase(it);
                             return Status::OK();
                           }
                         }
                         return Status::InvalidField("--instance-group", f->group,
                                                     "Not a backend of this service.");
                       });
    });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List backend services");
    AddListFlags(c, lf.get(), "name = web-bs");
    c->footer("Example:\n  imago backend-services list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("backend-services.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::BackendService>(
          ctx, "backend-services.list", *lf, ServiceColumns(), [&](const compute::ListOptions& o) {
            return svc->backend_services().List(ctx.g.project, o);
          });
    });
  }
  AddDescribe(g, ctx, "backend-services.describe", "Show one backend service",
              "imago backend-services describe web-bs",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.backend_services().Get(ctx.g.project, n));
              });
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c =
        g->add_subcommand("get-health", "How the load balancer sees each instance of each backend");
    c->add_option("NAME", *name, "Backend service name")->required();
    c->footer("Example:\n  imago backend-services get-health web-bs");
    c->callback([&ctx, name] {
      const char* cmd = "backend-services.get-health";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      auto bs = svc->backend_services().Get(ctx.g.project, *name);
      if (!bs.ok()) return void(ctx.exit_code = ctx.Fail(cmd, bs.status()));
      std::vector<Json> rows;
      for (const auto& b : bs->backends) {
        auto h = svc->backend_services().GetHealth(ctx.g.project, *name, b.group);
        if (!h.ok()) return void(ctx.exit_code = ctx.Fail(cmd, h.status()));
        for (const auto& s : h->health_status) {
          Json row = {{"group", b.group},
                      {"instance", s.instance},
                      {"ipAddress", s.ip_address},
                      {"port", s.port},
                      {"healthState", s.health_state}};
          rows.push_back(row);
        }
      }
      Format f = ctx.OutputFormat(Format::kTable);
      if (f != Format::kTable) {
        PrintResource(std::cout, f, Json(rows));
        return;
      }
      PrintTable(std::cout, rows,
                 {{"GROUP", [](const Json& j) { return LastOf(j, "group"); }},
                  {"INSTANCE", [](const Json& j) { return LastOf(j, "instance"); }},
                  {"IP_ADDRESS", [](const Json& j) { return Field(j, "ipAddress"); }},
                  {"PORT", [](const Json& j) { return Field(j, "port"); }},
                  {"HEALTH_STATE", [](const Json& j) { return Field(j, "healthState"); }}});
    });
  }
  {
    CLI::App* c = g->add_subcommand("delete", "Delete backend services (refused while in use)");
    c->footer("Example:\n  imago backend-services delete web-bs");
    AddNamesVerb(c, ctx, "backend-services.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.backend_services().Delete(ctx.g.project, n, {});
                 });
  }
}

void AddUrlMaps(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("url-maps", "Which backend service gets a request (global)");
  g->require_subcommand(1);
  for (bool create : {true, false}) {
    auto name = std::make_shared<std::string>();
    auto service = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand(create ? "create" : "set-default-service",
                                    create ? "Create a URL map" : "Send requests elsewhere");
    c->add_option("NAME", *name, "URL map name")->required();
    c->add_option("--default-service", *service, "The backend service of every request")
        ->required();
    c->footer(create ? "Example:\n  imago url-maps create web-map --default-service web-bs"
                     : "Example:\n  imago url-maps set-default-service web-map --default-service "
                       "web-bs2");
    c->callback([&ctx, name, service, create] {
      const char* cmd = create ? "url-maps.create" : "url-maps.set-default-service";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      const std::string link = compute::GlobalPath(ctx.g.project, "backendServices", *service);
      compute::UrlMap m;
      m.name = *name;
      m.default_service = link;
      auto op =
          create ? svc->url_maps().Insert(ctx.g.project, m, {})
                 : svc->url_maps().Patch(ctx.g.project, *name, Json{{"defaultService", link}}, {});
      ctx.exit_code = Mutated<compute::UrlMap>(
          ctx, cmd, *svc, create ? "Created" : "Updated", op,
          [&] { return svc->url_maps().Get(ctx.g.project, *name); }, MapColumns());
    });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List URL maps");
    AddListFlags(c, lf.get(), "name = web-*");
    c->footer("Example:\n  imago url-maps list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("url-maps.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::UrlMap>(
          ctx, "url-maps.list", *lf, MapColumns(),
          [&](const compute::ListOptions& o) { return svc->url_maps().List(ctx.g.project, o); });
    });
  }
  AddDescribe(g, ctx, "url-maps.describe", "Show one URL map", "imago url-maps describe web-map",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.url_maps().Get(ctx.g.project, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete URL maps (refused while in use)");
    c->footer("Example:\n  imago url-maps delete web-map");
    AddNamesVerb(c, ctx, "url-maps.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.url_maps().Delete(ctx.g.project, n, {});
                 });
  }
}

void AddTargetHttpProxies(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand("target-http-proxies",
                                    "What a forwarding rule sends to: HTTP routed by a URL map");
  g->require_subcommand(1);
  for (bool create : {true, false}) {
    auto name = std::make_shared<std::string>();
    auto map = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand(create ? "create" : "update",
                                    create ? "Create a target HTTP proxy" : "Use another URL map");
    c->add_option("NAME", *name, "Target HTTP proxy name")->required();
    c->add_option("--url-map", *map, "Its URL map")->required();
    c->footer(create ? "Example:\n  imago target-http-proxies create web-proxy --url-map web-map"
                     : "Example:\n  imago target-http-proxies update web-proxy --url-map web-map2");
    c->callback([&ctx, name, map, create] {
      const char* cmd = create ? "target-http-proxies.create" : "target-http-proxies.update";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      const std::string link = compute::GlobalPath(ctx.g.project, "urlMaps", *map);
      compute::TargetHttpProxy p;
      p.name = *name;
      p.url_map = link;
      auto op = create ? svc->target_http_proxies().Insert(ctx.g.project, p, {})
                       : svc->target_http_proxies().SetUrlMap(ctx.g.project, *name, link, {});
      ctx.exit_code = Mutated<compute::TargetHttpProxy>(
          ctx, cmd, *svc, create ? "Created" : "Updated", op,
          [&] { return svc->target_http_proxies().Get(ctx.g.project, *name); }, ProxyColumns());
    });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List target HTTP proxies");
    AddListFlags(c, lf.get(), "name = web-*");
    c->footer("Example:\n  imago target-http-proxies list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("target-http-proxies.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::TargetHttpProxy>(
          ctx, "target-http-proxies.list", *lf, ProxyColumns(), [&](const compute::ListOptions& o) {
            return svc->target_http_proxies().List(ctx.g.project, o);
          });
    });
  }
  AddDescribe(g, ctx, "target-http-proxies.describe", "Show one target HTTP proxy",
              "imago target-http-proxies describe web-proxy",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.target_http_proxies().Get(ctx.g.project, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete target HTTP proxies (refused while in use)");
    c->footer("Example:\n  imago target-http-proxies delete web-proxy");
    AddNamesVerb(c, ctx, "target-http-proxies.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.target_http_proxies().Delete(ctx.g.project, n, {});
                 });
  }
}

void AddForwardingRules(CLI::App& root, Context& ctx) {
  CLI::App* g =
      root.add_subcommand("forwarding-rules", "The address and port clients connect to (global)");
  g->require_subcommand(1);
  {
    struct Flags {
      std::string name, proxy, ports, address, description, request_id;
      bool global = false;
    };
    auto f = std::make_shared<Flags>();
    CLI::App* c = g->add_subcommand("create", "Create a global forwarding rule");
    c->add_option("NAME", f->name, "Forwarding rule name")->required();
    c->add_option("--target-http-proxy", f->proxy, "Where it sends")->required();
    c->add_option("--ports", f->ports, "The port to serve, e.g. 8080")->required();
    c->add_option("--address", f->address,
                  "The address (the local cloud: 127.0.0.0/8; default 127.0.0.1)");
    c->add_option("--description", f->description, "Description");
    c->add_flag("--global", f->global, "Global (the only kind here; accepted for gcloud's sake)");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer(
        "Example:\n  imago forwarding-rules create web-fr --global --target-http-proxy web-proxy "
        "--ports 8080\n  curl http://127.0.0.1:8080/");
    c->callback([&ctx, f] {
      const char* cmd = "forwarding-rules.create";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      compute::ForwardingRule r;
      r.name = f->name;
      r.target = compute::GlobalPath(ctx.g.project, "targetHttpProxies", f->proxy);
      r.port_range = f->ports;
      r.ip_address = f->address;
      r.description = f->description;
      compute::MutationOptions opts;
      opts.request_id = f->request_id;
      ctx.exit_code = Mutated<compute::ForwardingRule>(
          ctx, cmd, *svc, "Created", svc->global_forwarding_rules().Insert(ctx.g.project, r, opts),
          [&] { return svc->global_forwarding_rules().Get(ctx.g.project, f->name); },
          RuleColumns());
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto proxy = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("set-target", "Send to another target HTTP proxy");
    c->add_option("NAME", *name, "Forwarding rule name")->required();
    c->add_option("--target-http-proxy", *proxy, "Where it sends")->required();
    c->footer(
        "Example:\n  imago forwarding-rules set-target web-fr --target-http-proxy web-proxy2");
    c->callback([&ctx, name, proxy] {
      const char* cmd = "forwarding-rules.set-target";
      compute::Service* svc = ctx.Service(cmd);
      if (!svc) return;
      ctx.exit_code = Mutated<compute::ForwardingRule>(
          ctx, cmd, *svc, "Updated",
          svc->global_forwarding_rules().SetTarget(
              ctx.g.project, *name, compute::GlobalPath(ctx.g.project, "targetHttpProxies", *proxy),
              {}),
          [&] { return svc->global_forwarding_rules().Get(ctx.g.project, *name); }, RuleColumns());
    });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List global forwarding rules");
    AddListFlags(c, lf.get(), "name = web-*");
    c->footer("Example:\n  imago forwarding-rules list");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("forwarding-rules.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::ForwardingRule>(
          ctx, "forwarding-rules.list", *lf, RuleColumns(), [&](const compute::ListOptions& o) {
            return svc->global_forwarding_rules().List(ctx.g.project, o);
          });
    });
  }
  AddDescribe(g, ctx, "forwarding-rules.describe", "Show one forwarding rule",
              "imago forwarding-rules describe web-fr",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.global_forwarding_rules().Get(ctx.g.project, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete forwarding rules (the address stops)");
    c->footer("Example:\n  imago forwarding-rules delete web-fr");
    AddNamesVerb(c, ctx, "forwarding-rules.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.global_forwarding_rules().Delete(ctx.g.project, n, {});
                 });
  }
}

}  // namespace

/// instance-groups [managed] set-named-ports | get-named-ports.
void AddNamedPortsCommands(CLI::App* g, Context& ctx, const std::string& prefix) {
  {
    auto name = std::make_shared<std::string>();
    auto ports = std::make_shared<std::string>();
    CLI::App* c =
        g->add_subcommand("set-named-ports", "Name the ports a backend service's portName means");
    c->add_option("NAME", *name, "Group name")->required();
    c->add_option("--named-ports", *ports, "NAME:PORT[,NAME:PORT...]; empty clears")->required();
    c->footer("Example:\n  imago " + prefix + " set-named-ports web --named-ports http:80");
    c->callback([&ctx, name, ports, prefix] {
      const std::string cmd = prefix + ".set-named-ports";
      std::vector<compute::NamedPort> list;
      std::stringstream ss(*ports);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        auto colon = item.find(':');
        int port = 0;
        if (colon != std::string::npos) port = atoi(item.c_str() + colon + 1);
        if (colon == std::string::npos || port <= 0 ||
            item.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
          ctx.exit_code = ctx.Fail(
              cmd.c_str(),
              Status::InvalidField("--named-ports", item, "Give NAME:PORT, e.g. http:80."));
          return;
        }
        list.push_back({item.substr(0, colon), port});
      }
      compute::Service* svc = ctx.Service(cmd.c_str());
      if (!svc) return;
      auto g = svc->instance_groups().Get(ctx.g.project, ctx.g.zone, *name);
      if (!g.ok()) return void(ctx.exit_code = ctx.Fail(cmd.c_str(), g.status()));
      if (int rc = ctx.Check(cmd.c_str(),
                             svc->instance_groups().SetNamedPorts(ctx.g.project, ctx.g.zone, *name,
                                                                  list, g->fingerprint, {}))) {
        ctx.exit_code = rc;
        return;
      }
      (void)EnsureController(ctx, *svc);
      std::cerr << "Updated [" << g->self_link << "].\n";
      auto got = svc->instance_groups().Get(ctx.g.project, ctx.g.zone, *name);
      if (!got.ok()) return void(ctx.exit_code = ctx.Fail(cmd.c_str(), got.status()));
      PrintOne(ctx, *got,
               {{"NAME", [](const Json& j) { return Field(j, "name"); }},
                {"ZONE", [](const Json& j) { return LastOf(j, "zone"); }},
                {"SIZE", [](const Json& j) { return Field(j, "size"); }},
                {"NAMED_PORTS", [](const Json& j) {
                   std::string s;
                   for (const auto& p : j.value("namedPorts", Json::array())) {
                     s += (s.empty() ? "" : ",") + p.value("name", "") + ":" +
                          std::to_string(p.value("port", 0));
                   }
                   return s;
                 }}});
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("get-named-ports", "Show a group's named ports");
    c->add_option("NAME", *name, "Group name")->required();
    c->footer("Example:\n  imago " + prefix + " get-named-ports web");
    c->callback([&ctx, name, prefix] {
      const std::string cmd = prefix + ".get-named-ports";
      compute::Service* svc = ctx.Service(cmd.c_str());
      if (!svc) return;
      auto g = svc->instance_groups().Get(ctx.g.project, ctx.g.zone, *name);
      if (!g.ok()) return void(ctx.exit_code = ctx.Fail(cmd.c_str(), g.status()));
      std::vector<Json> rows;
      for (const auto& p : g->named_ports) rows.push_back({{"name", p.name}, {"port", p.port}});
      Format f = ctx.OutputFormat(Format::kTable);
      if (f != Format::kTable) {
        PrintResource(std::cout, f, Json(rows));
        return;
      }
      PrintTable(std::cout, rows,
                 {{"NAME", [](const Json& j) { return Field(j, "name"); }},
                  {"PORT", [](const Json& j) { return Field(j, "port"); }}});
    });
  }
}

void AddLoadBalancerCommands(CLI::App& root, Context& ctx) {
  AddBackendServices(root, ctx);
  AddUrlMaps(root, ctx);
  AddTargetHttpProxies(root, ctx);
  AddForwardingRules(root, ctx);
}

}  // namespace imago::cli
