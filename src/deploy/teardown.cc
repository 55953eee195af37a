#include "deploy/teardown.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "compute/resource_ref.h"
#include "compute/types.h"
#include "deploy/clone_data.h"
#include "deploy/replace.h"
#include "groups/health_prober.h"
#include "lifecycle/release_ledger.h"

namespace imago::deploy {

using compute::Code;
using compute::Result;
using compute::Status;
using lifecycle::Release;

namespace {

bool Gone(const Status& st) {
  return st.ok() || st.code() == Code::kNotFound;
}

// The names of every item a paged List returns.
template <typename ListFn>
Result<std::vector<std::string>> AllNames(const ListFn& list) {
  std::vector<std::string> out;
  compute::ListOptions o;
  for (;;) {
    auto page = list(o);
    if (!page.ok()) return page.status();
    for (const auto& it : page->items) out.push_back(it.name);
    if (page->next_page_token.empty()) return out;
    o.page_token = page->next_page_token;
  }
}

// The snapshots labelled imago-service SERVICE and imago-env ENV.
Result<std::vector<std::string>> LabelledSnapshots(compute::Service& svc,
                                                   const std::string& project,
                                                   const std::string& service,
                                                   const std::string& env) {
  std::vector<std::string> out;
  compute::ListOptions o;
  for (;;) {
    auto page = svc.snapshots().List(project, o);
    if (!page.ok()) return page.status();
    for (const auto& s : page->items) {
      auto a = s.labels.find("imago-service");
      auto b = s.labels.find("imago-env");
      if (a != s.labels.end() && a->second == service && b != s.labels.end() && b->second == env) {
        out.push_back(s.name);
      }
    }
    if (page->next_page_token.empty()) return out;
    o.page_token = page->next_page_token;
  }
}

// A release's resource name: PREFIX-vNNN (deploy/deployer.cc, ReleaseName).
bool IsReleaseName(const std::string& prefix, const std::string& name) {
  static const std::regex kSuffix("-v[0-9]{3,}");
  return name.starts_with(prefix) && std::regex_match(name.substr(prefix.size()), kSuffix);
}

const char* kRule = "forwarding rule";
const char* kProxy = "target HTTP proxy";
const char* kUrlMap = "URL map";
const char* kBackend = "backend service";
const char* kAutoscaler = "autoscaler";
const char* kGroup = "group";
const char* kInstance = "instance";
const char* kTemplate = "instance template";
const char* kHealthCheck = "health check";
const char* kDisk = "data disk";
const char* kSnapshot = "snapshot";
const char* kSecrets = "secrets";
const char* kMetadata = "metadata";
const char* kLedger = "ledger";

}  // namespace

Result<std::vector<EnvironmentSummary>> ListEnvironments(compute::Service& svc,
                                                         const compute::Clock& clock,
                                                         const std::string& project) {
  auto p = svc.projects().Get(project);
  if (!p.ok()) return p.status();
  std::vector<EnvironmentSummary> out;
  for (const auto& [key, releases] : lifecycle::AllLedgers(p->common_instance_metadata.items)) {
    if (releases.empty()) continue;
    const Release& newest = releases.back();
    EnvironmentSummary e;
    e.service = newest.service;
    e.env = newest.env;
    e.zone = newest.zone;
    e.state = newest.state;
    e.last_deploy = newest.started;
    e.expires_at = newest.env_expires_at;
    if (!e.expires_at.empty()) {
      auto at = compute::ParseTimestamp(e.expires_at);
      e.expired = at && *at <= clock.Now();
    }
    const Release* live = nullptr;
    for (const auto& r : releases) {
      if (r.state == lifecycle::release_state::kLive) live = &r;
    }
    if (live) {
      e.live = live->number;
      e.image = live->image;
    }
    if (live && !live->instance.empty()) {
      // kind: instance: its VM, probed once with the release's health check.
      e.wanted = 1;
      auto in = svc.instances().Get(project, live->zone, live->instance);
      auto hc = svc.health_checks().Get(project, live->instance_template);
      if (in.ok() && hc.ok() && in->status == "RUNNING") {
        auto rel = in->labels.find("imago-release");
        groups::HostProber prober;
        e.healthy = rel != in->labels.end() && rel->second == std::to_string(live->number) &&
                    prober.Probe(*hc, *in);
      }
    } else if (live) {
      auto mis =
          svc.instance_group_managers().ListManagedInstances(project, live->zone, live->group);
      if (mis.ok()) {
        e.wanted = static_cast<int>(mis->size());
        for (const auto& mi : *mis)
          e.healthy += mi.instance_status == "RUNNING" && mi.health_state == "HEALTHY";
      }
    }
    out.push_back(std::move(e));
  }
  // An environment whose data was cloned and that has no release yet.
  for (const auto& [key, value] : p->common_instance_metadata.items) {
    if (!key.starts_with(kClonePrefix)) continue;
    auto r = CloneRecordFromJson(compute::Json::parse(value, nullptr, false));
    if (!r.ok() || r->service.empty()) continue;
    bool listed = std::any_of(out.begin(), out.end(), [&](const EnvironmentSummary& e) {
      return e.service == r->service && e.env == r->env;
    });
    if (listed) continue;
    EnvironmentSummary e;
    e.service = r->service;
    e.env = r->env;
    e.zone = r->zone;
    e.state = r->state == clone_state::kDone ? "CLONED" : "CLONE " + r->state;
    e.last_deploy = r->started;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.service, a.env) < std::tie(b.service, b.env);
  });
  return out;
}

Result<Teardown> PlanTeardown(compute::Service& svc, secrets::BundleStore* bundles,
                              const std::string& project, const std::string& service,
                              const std::string& env) {
  const std::string prefix = service + "-" + env;
  auto releases = lifecycle::ReleaseLedger(svc.projects(), project, service, env).Read();
  if (!releases.ok()) return releases.status();
  Teardown t;
  t.service = service;
  t.env = env;
  std::set<std::string> groups{prefix}, templates, keys;
  bool single = false;  // kind: instance: its VM is PREFIX.
  for (const auto& r : *releases) {
    single = single || !r.instance.empty();
    if (!r.zone.empty()) t.zone = r.zone;
    if (!r.group.empty()) groups.insert(r.group);
    if (!r.instance_template.empty()) templates.insert(r.instance_template);
    if (!r.config_key.empty()) keys.insert(r.config_key);
  }
  auto add = [&](const char* kind, const std::string& name) {
    t.resources.push_back(fmt::format("{} {}", kind, name));
  };
  // A clone into the environment (env clone-data) may come before any release.
  auto clone = ReadClone(svc.projects(), project, service, env);
  if (!clone.ok()) return clone.status();
  if (*clone && t.zone.empty()) t.zone = (*clone)->zone;
  if (svc.global_forwarding_rules().Get(project, prefix).ok()) add(kRule, prefix);
  if (svc.target_http_proxies().Get(project, prefix).ok()) add(kProxy, prefix);
  if (svc.url_maps().Get(project, prefix).ok()) add(kUrlMap, prefix);
  if (svc.backend_services().Get(project, prefix).ok()) add(kBackend, prefix);
  if (!t.zone.empty()) {
    auto names = AllNames([&](const compute::ListOptions& o) {
      return svc.instance_group_managers().List(project, t.zone, o);
    });
    if (!names.ok()) return names.status();
    for (const auto& n : *names)
      if (IsReleaseName(prefix, n)) groups.insert(n);
    for (const auto& g : groups) {
      if (svc.autoscalers().Get(project, t.zone, g).ok()) add(kAutoscaler, g);
    }
    // A clone's job VM, when its clone was cut short.
    if (*clone && svc.instances().Get(project, t.zone, prefix + "-clone").ok()) {
      add(kInstance, prefix + "-clone");
    }
    // kind: instance: the VM, when it is the environment's (labelled so).
    if (single) {
      auto in = svc.instances().Get(project, t.zone, prefix);
      if (in.ok()) {
        auto env_label = in->labels.find("imago-env");
        auto svc_label = in->labels.find("imago-service");
        if (env_label != in->labels.end() && env_label->second == env &&
            svc_label != in->labels.end() && svc_label->second == service) {
          add(kInstance, prefix);
        }
      } else if (in.status().code() != Code::kNotFound) {
        return in.status();
      }
    }
    std::set<std::string> live_groups;
    for (const auto& g : groups) {
      if (svc.instance_group_managers().Get(project, t.zone, g).ok()) {
        add(kGroup, g);
        live_groups.insert(g);
      }
    }
    // Instances of a group that is gone (a destroy killed between the two):
    // the group's own delete does not reach them any more.
    auto instances = compute::ListAllInstances(svc.instances(), project, t.zone);
    if (!instances.ok()) return instances.status();
    for (const auto& in : *instances) {
      std::string by = in.metadata.Get("created-by").value_or("");
      if (by.find("/instanceGroupManagers/") == std::string::npos) continue;
      std::string g = compute::LastSegment(by);
      if (groups.count(g) && !live_groups.count(g)) add(kInstance, in.name);
    }
  }
  auto tnames = AllNames(
      [&](const compute::ListOptions& o) { return svc.instance_templates().List(project, o); });
  if (!tnames.ok()) return tnames.status();
  for (const auto& n : *tnames) {
    if (templates.count(n) || IsReleaseName(prefix, n)) add(kTemplate, n);
  }
  auto hnames =
      AllNames([&](const compute::ListOptions& o) { return svc.health_checks().List(project, o); });
  if (!hnames.ok()) return hnames.status();
  for (const auto& n : *hnames) {
    if (templates.count(n) || IsReleaseName(prefix, n)) add(kHealthCheck, n);
  }
  // Data disks the environment's stateful groups made (labelled so when
  // made), after the groups: a disk is deleted only once no VM uses it.
  if (!t.zone.empty()) {
    auto disks = compute::ListAllDisks(svc.disks(), project, t.zone);
    if (!disks.ok()) return disks.status();
    for (const auto& d : *disks) {
      auto svc_label = d.labels.find("imago-service");
      auto env_label = d.labels.find("imago-env");
      if (svc_label != d.labels.end() && svc_label->second == service &&
          env_label != d.labels.end() && env_label->second == env) {
        add(kDisk, d.name);
      }
    }
  }
  // Snapshots taken for the environment's clones (labelled so).
  auto snaps = LabelledSnapshots(svc, project, service, env);
  if (!snaps.ok()) return snaps.status();
  for (const auto& n : *snaps) add(kSnapshot, n);
  if (bundles) {
    for (const auto& n : bundles->List(project)) {
      if (templates.count(n) || IsReleaseName(prefix, n)) add(kSecrets, n);
    }
  }
  auto p = svc.projects().Get(project);
  if (!p.ok()) return p.status();
  const std::string config_prefix = "imago-config-" + prefix + "-";
  for (const auto& [k, v] : p->common_instance_metadata.items) {
    // An interrupted replacement of the VM (deploy/replace.h) is moot once it goes.
    const bool replace_record = single && !t.zone.empty() && k == ReplaceKey(t.zone, prefix);
    if (keys.count(k) || k == CloneKey(service, env) || replace_record ||
        (k.starts_with(config_prefix) &&
         k.find_first_not_of("0123456789", config_prefix.size()) == std::string::npos)) {
      add(kMetadata, k);
    }
  }
  if (!releases->empty()) add(kLedger, lifecycle::LedgerKey(service, env));
  if (t.resources.empty()) {
    return Status::NotFound(
        fmt::format("No environment {} of service {} in project {}: no ledger and nothing named {} "
                    "(imago env list shows the environments).",
                    env, service, project, prefix));
  }
  return t;
}

Status DestroyEnvironment(compute::Service& svc, secrets::BundleStore* bundles,
                          const std::string& project, const Teardown& plan,
                          const std::function<void(const std::string&)>& step) {
  std::vector<std::string> groups, keys;
  for (const auto& line : plan.resources) {
    size_t sp = line.rfind(' ');
    const std::string kind = line.substr(0, sp), name = line.substr(sp + 1);
    Status st;
    if (kind != kGroup && kind != kAutoscaler && !groups.empty()) {
      // A group deletes its instances first and only then goes; its
      // template and its VMs' data disks are in use until then.
      for (const auto& g : groups) {
        for (int i = 0; i < 1200; ++i) {
          if (svc.instance_group_managers().Get(project, plan.zone, g).status().code() ==
              Code::kNotFound) {
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
      }
      groups.clear();
    }
    if (kind == kRule) {
      st = compute::OperationStatus(svc.global_forwarding_rules().Delete(project, name, {}));
    } else if (kind == kProxy) {
      st = compute::OperationStatus(svc.target_http_proxies().Delete(project, name, {}));
    } else if (kind == kUrlMap) {
      st = compute::OperationStatus(svc.url_maps().Delete(project, name, {}));
    } else if (kind == kBackend) {
      st = compute::OperationStatus(svc.backend_services().Delete(project, name, {}));
    } else if (kind == kAutoscaler) {
      st = compute::OperationStatus(svc.autoscalers().Delete(project, plan.zone, name, {}));
    } else if (kind == kGroup) {
      st = compute::OperationStatus(
          svc.instance_group_managers().Delete(project, plan.zone, name, {}));
      groups.push_back(name);
    } else if (kind == kInstance) {
      st = compute::OperationStatus(svc.instances().Delete(project, plan.zone, name, {}));
    } else if (kind == kTemplate) {
      st = compute::OperationStatus(svc.instance_templates().Delete(project, name, {}));
    } else if (kind == kDisk) {
      st = compute::OperationStatus(svc.disks().Delete(project, plan.zone, name, {}));
    } else if (kind == kSnapshot) {
      st = compute::OperationStatus(svc.snapshots().Delete(project, name, {}));
    } else if (kind == kHealthCheck) {
      st = compute::OperationStatus(svc.health_checks().Delete(project, name, {}));
    } else if (kind == kSecrets) {
      st = bundles ? bundles->Remove(project, name) : Status::OK();
    } else if (kind == kMetadata) {
      keys.push_back(name);
      continue;  // With the ledger, in one write.
    } else if (kind == kLedger) {
      continue;
    }
    if (!Gone(st)) {
      return Status(st.code(), fmt::format("{}: deleting {}: {} (run it again to continue)",
                                           plan.service + "-" + plan.env, line, st.message()));
    }
    step("deleted " + line);
  }
  // The project's metadata last: while the ledger is there, a rerun finds
  // the environment and finishes.
  lifecycle::ReleaseLedger ledger(svc.projects(), project, plan.service, plan.env);
  Status st = ledger.Update([&](std::vector<Release>* rs, auto* extra) {
    rs->clear();
    std::erase_if(*extra, [&](const auto& kv) {
      return std::find(keys.begin(), keys.end(), kv.first) != keys.end();
    });
    return Status::OK();
  });
  if (!st.ok()) return st;
  for (const auto& k : keys) step("deleted metadata " + k);
  step("deleted ledger " + lifecycle::LedgerKey(plan.service, plan.env));
  return Status::OK();
}

Result<std::vector<std::string>> DestroyExpired(compute::Service& svc, const compute::Clock& clock,
                                                secrets::BundleStore* bundles,
                                                const std::string& project, const EnvLock& lock) {
  auto envs = ListEnvironments(svc, clock, project);
  if (!envs.ok()) return envs.status();
  std::vector<std::string> did;
  for (const auto& e : *envs) {
    if (!e.expired || e.state == lifecycle::release_state::kDeploying) continue;
    std::shared_ptr<void> held = lock ? lock(e.service, e.env) : nullptr;
    if (lock && !held) continue;  // A command has it: the next round.
    // Under the lock, as it is now: a deploy may have just extended it.
    auto now = ListEnvironments(svc, clock, project);
    if (!now.ok()) return now.status();
    auto it = std::find_if(now->begin(), now->end(), [&](const EnvironmentSummary& x) {
      return x.service == e.service && x.env == e.env;
    });
    if (it == now->end() || !it->expired || it->state == lifecycle::release_state::kDeploying) {
      continue;
    }
    const std::string who = e.service + "-" + e.env;
    auto plan = PlanTeardown(svc, bundles, project, e.service, e.env);
    Status st = plan.ok() ? DestroyEnvironment(svc, bundles, project, *plan, [](const auto&) {})
                          : plan.status();
    did.push_back(st.ok() ? fmt::format("{}: its ttl ended at {}; destroyed ({} resources)", who,
                                        e.expires_at, plan->resources.size())
                          : fmt::format("{}: its ttl ended at {}; destroying it failed ({}); the "
                                        "next round tries again",
                                        who, e.expires_at, st.message()));
  }
  return did;
}

}  // namespace imago::deploy
