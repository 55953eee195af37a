#include "lb/balancer.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "compute/resource_ref.h"
#include "compute/time_util.h"

namespace imago::lb {

using compute::Instance;
using compute::Result;
using compute::Status;

namespace {

// "zones/Z/..." -> Z, from any URL that has it.
std::string ZoneOf(const std::string& url) {
  auto at = url.find("/zones/");
  if (at == std::string::npos) return "";
  at += 7;
  return url.substr(at, url.find('/', at) - at);
}

// The server name of an instance: "<name>.<zone>".
std::string ServerName(const std::string& instance_url) {
  return compute::LastSegment(instance_url) + "." + ZoneOf(instance_url);
}

// The host port a guest port is forwarded to, or 0.
int HostPort(const Instance& in, int guest_port, std::string* host) {
  for (const auto& f : in.forwarded_ports) {
    if (f.guest_port == guest_port) {
      *host = f.host_ip.empty() ? "127.0.0.1" : f.host_ip;
      return f.host_port;
    }
  }
  return 0;
}

template <typename T, typename List>
Result<std::vector<T>> ListAll(const List& list) {
  std::vector<T> out;
  compute::ListOptions o;
  while (true) {
    auto page = list(o);
    if (!page.ok()) return page.status();
    for (auto& x : page->items) out.push_back(std::move(x));
    if (page->next_page_token.empty()) return out;
    o.page_token = page->next_page_token;
  }
}

}  // namespace

Balancer::Balancer(compute::Service& svc, Proxy& proxy, std::string project,
                   std::function<int64_t()> now_us)
    : svc_(svc), proxy_(proxy), project_(std::move(project)), now_us_(std::move(now_us)) {}

bool Balancer::ReadyToRemove(const std::string& instance) {
  std::lock_guard lock(mu_);
  if (!in_proxy_.count(ServerName(instance))) return true;
  leaving_[instance] = step_;
  return false;
}

Result<ProxyConfig> Balancer::Wanted(BalancerReport* report) {
  ProxyConfig want;
  auto rules = ListAll<compute::ForwardingRule>([&](const compute::ListOptions& o) {
    return svc_.global_forwarding_rules().List(project_, o);
  });
  if (!rules.ok()) return rules.status();
  std::vector<std::string> services;
  for (const auto& r : *rules) {
    auto proxy = svc_.target_http_proxies().Get(project_, compute::LastSegment(r.target));
    if (!proxy.ok()) {
      report->errors.push_back(r.name + ": " + proxy.status().message());
      continue;
    }
    auto map = svc_.url_maps().Get(project_, compute::LastSegment(proxy->url_map));
    if (!map.ok()) {
      report->errors.push_back(r.name + ": " + map.status().message());
      continue;
    }
    ProxyFrontend f;
    f.name = r.name;
    f.address = r.ip_address;
    f.port = atoi(r.port_range.c_str());
    f.backend = compute::LastSegment(map->default_service);
    report->frontends.push_back(
        fmt::format("{} {}:{} -> {}", f.name, f.address, f.port, f.backend));
    if (std::find(services.begin(), services.end(), f.backend) == services.end()) {
      services.push_back(f.backend);
    }
    want.frontends.push_back(std::move(f));
  }
  std::map<std::string, std::vector<Instance>> zone_instances;
  std::map<std::string, std::map<std::string, compute::BackendServiceGroupHealth>> health;
  for (const auto& name : services) {
    auto bs = svc_.backend_services().Get(project_, name);
    if (!bs.ok()) {
      report->errors.push_back(name + ": " + bs.status().message());
      continue;
    }
    if (bs->health_checks.empty()) continue;
    auto hc = svc_.health_checks().Get(project_, compute::LastSegment(bs->health_checks[0]));
    if (!hc.ok()) {
      report->errors.push_back(name + ": " + hc.status().message());
      continue;
    }
    ProxyBackend b;
    b.name = name;
    b.check = *hc;
    b.timeout_sec = bs->timeout_sec > 0 ? bs->timeout_sec : 30;
    for (const auto& backend : bs->backends) {
      const std::string zone = ZoneOf(backend.group);
      const std::string group = compute::LastSegment(backend.group);
      auto igm = svc_.instance_group_managers().Get(project_, zone, group);
      if (!igm.ok()) {
        report->errors.push_back(name + ": " + igm.status().message());
        continue;
      }
      auto& statuses = health[name][backend.group].health_status;
      int serving = 0;
      for (const auto& np : igm->named_ports) {
        if (np.name == bs->port_name) serving = np.port;
      }
      if (serving == 0) {
        report->errors.push_back(
            fmt::format("{}: group {} has no named port '{}' (set it: instance-groups managed "
                        "set-named-ports {} --named-ports {}:PORT)",
                        name, group, bs->port_name, group, bs->port_name));
        continue;
      }
      int check = 0;
      if (hc->http) {
        check = hc->http->port_specification == "USE_SERVING_PORT" ? serving : hc->http->port;
      } else if (hc->tcp) {
        check = hc->tcp->port_specification == "USE_SERVING_PORT" ? serving : hc->tcp->port;
      }
      if (!zone_instances.count(zone)) {
        auto all = compute::ListAllInstances(svc_.instances(), project_, zone);
        if (!all.ok()) return all.status();
        zone_instances[zone] = std::move(all.value());
      }
      const double scaler = backend.capacity_scaler.value_or(1.0);
      for (const auto& in : zone_instances[zone]) {
        if (in.metadata.Get("created-by").value_or("") != igm->self_link) continue;
        compute::HealthStatus hs;
        hs.instance = in.self_link;
        hs.ip_address = in.network_interfaces.empty() ? "" : in.network_interfaces[0].network_ip;
        hs.port = serving;
        hs.health_state = "UNHEALTHY";
        statuses.push_back(hs);
        if (in.status != "RUNNING") continue;
        ProxyServer s;
        s.name = in.name + "." + zone;
        s.instance = in.self_link;
        s.port = HostPort(in, serving, &s.address);
        std::string check_host;
        s.check_port = HostPort(in, check, &check_host);
        if (s.port == 0 || s.check_port == 0) {
          report->errors.push_back(fmt::format(
              "{}: instance {} forwards no host port for guest port {} (its template needs "
              "--ports {})",
              name, in.name, s.port == 0 ? serving : check, s.port == 0 ? serving : check));
          continue;
        }
        s.weight = static_cast<int>(std::lround(scaler * 100));
        if (leaving_.count(in.self_link)) continue;  // Drained below, then removed.
        b.servers.push_back(std::move(s));
      }
    }
    want.backends.push_back(std::move(b));
  }
  health_ = std::move(health);
  return want;
}

Result<BalancerReport> Balancer::Step() {
  BalancerReport report;
  std::lock_guard lock(mu_);
  ++step_;
  for (auto it = leaving_.begin(); it != leaving_.end();) {
    it = it->second < step_ - 2 ? leaving_.erase(it) : std::next(it);
  }
  auto want = Wanted(&report);
  if (!want.ok()) return want.status();
  auto state = proxy_.Read();
  if (!state.ok()) {
    report.errors.push_back(state.status().message());
    state = ProxyState{};
  }
  const int64_t now = now_us_();
  std::set<std::string> keys;
  for (auto& b : want->backends) {
    const auto& have = (*state)[b.name];
    bool any_up = false;
    std::set<std::string> wanted;
    for (const auto& s : b.servers) {
      wanted.insert(s.name);
      auto it = have.find(s.name);
      any_up = any_up || (it != have.end() && it->second.up && !it->second.draining &&
                          !it->second.maintenance);
    }
    for (const auto& [name, c] : have) {
      if (wanted.count(name)) continue;
      ProxyServer s;
      s.name = name;
      s.address = c.address;
      s.port = c.port;
      s.check_port = c.port;
      s.weight = c.weight;
      const std::string key = b.name + "/" + name;
      if (!any_up && !b.servers.empty()) {
        b.servers.push_back(std::move(s));  // Serves until what replaces it is up.
        continue;
      }
      keys.insert(key);
      auto since = drain_since_.emplace(key, now).first->second;
      if (c.sessions == 0 && now - since >= compute::kMicrosPerSecond) continue;  // Removed.
      s.draining = true;
      b.servers.push_back(std::move(s));
    }
  }
  for (auto it = drain_since_.begin(); it != drain_since_.end();) {
    it = keys.count(it->first) ? std::next(it) : drain_since_.erase(it);
  }
  Status applied = proxy_.Apply(*want);
  if (!applied.ok()) report.errors.push_back(applied.message());
  in_proxy_.clear();
  for (const auto& b : want->backends) {
    BalancerReport::Backend rb;
    rb.name = b.name;
    const auto& have = (*state)[b.name];
    for (const auto& s : b.servers) {
      in_proxy_.insert(s.name);
      ++rb.servers;
      auto it = have.find(s.name);
      if (s.draining) {
        ++rb.draining;
      } else if (it != have.end() && it->second.up && !it->second.maintenance) {
        ++rb.up;
      }
    }
    report.backends.push_back(rb);
  }
  // What getHealth answers: an instance is HEALTHY while its server is up
  // and takes requests (a weight above 0: at capacityScaler 0 it takes none,
  // and a deploy waits for that before it says the new release serves).
  if (auto* runtime = svc_.load_balancer_runtime()) {
    for (auto& [service, groups] : health_) {
      const auto& have = (*state)[service];
      for (auto& [group, gh] : groups) {
        for (auto& hs : gh.health_status) {
          auto it = have.find(ServerName(hs.instance));
          bool up = it != have.end() && it->second.up && !it->second.draining &&
                    !it->second.maintenance && it->second.weight > 0 &&
                    !leaving_.count(hs.instance);
          hs.health_state = up ? "HEALTHY" : "UNHEALTHY";
        }
      }
      Status st = runtime->ReportHealth(project_, service, groups);
      if (!st.ok() && st.code() != compute::Code::kNotFound) report.errors.push_back(st.message());
    }
  }
  return report;
}

}  // namespace imago::lb
