#include "groups/controller.h"

#include <algorithm>
#include <future>
#include <random>
#include <set>

#include <fmt/format.h>

#include "compute/group_codec.h"
#include "compute/resource_ref.h"
#include "compute/time_util.h"
#include "groups/rollout_plan.h"

namespace imago::groups {

using compute::Instance;
using compute::InstanceGroupManager;
using compute::Json;
using compute::Result;
using compute::Status;

namespace {

std::string MetadataValue(const Instance& in, const std::string& key) {
  return in.metadata.Get(key).value_or("");
}

void SetItem(Instance* in, const std::string& key, const std::string& value) {
  for (auto& [k, v] : in->metadata.items) {
    if (k == key) {
      v = value;
      return;
    }
  }
  in->metadata.items.emplace_back(key, value);
}

// The planner's view of the group's spec.
GroupSpec SpecOf(const InstanceGroupManager& g) {
  GroupSpec s;
  s.target_size = g.target_size.value_or(0);
  for (const auto& v : g.versions) {
    s.versions.push_back({v.name, v.instance_template, v.target_size});
  }
  const auto& p = g.update_policy;
  s.policy.proactive = p.type != "OPPORTUNISTIC";
  s.policy.substitute = p.replacement_method != "RECREATE";
  if (p.max_surge) s.policy.max_surge = *p.max_surge;
  if (p.max_unavailable) s.policy.max_unavailable = *p.max_unavailable;
  s.policy.min_ready_sec = p.min_ready_sec;
  s.has_health_check = !g.auto_healing_policies.empty();
  if (s.has_health_check) s.initial_delay_sec = g.auto_healing_policies[0].initial_delay_sec;
  const Json& life = g.extra.value("instanceLifecyclePolicy", Json::object());
  s.repair = life.value("defaultActionOnFailure", "REPAIR") != "DO_NOTHING";
  return s;
}

std::string ErrorCode(const Status& st) {
  std::string reason = st.reason();
  std::string out;
  for (char c : reason) {
    if (isupper(static_cast<unsigned char>(c))) out.push_back('_');
    out.push_back(static_cast<char>(toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

Instance InstanceFromTemplate(const compute::InstanceTemplate& t, const std::string& name,
                              const std::string& zone, const std::string& group_link) {
  Instance in = t.properties;
  in.name = name;
  in.machine_type = "zones/" + zone + "/machineTypes/" + compute::LastSegment(in.machine_type);
  SetItem(&in, "created-by", group_link);
  SetItem(&in, "instance-template", t.self_link);
  return in;
}

std::map<std::string, std::string> StatefulDisks(const InstanceGroupManager& g) {
  std::map<std::string, std::string> out;
  const Json& sp = g.extra.value("statefulPolicy", Json::object());
  if (!sp.is_object()) return out;
  const Json& ps = sp.value("preservedState", Json::object());
  if (!ps.is_object()) return out;
  const Json& disks = ps.value("disks", Json::object());
  if (!disks.is_object()) return out;
  for (auto it = disks.begin(); it != disks.end(); ++it) {
    out[it.key()] = it->is_object() ? it->value("autoDelete", "NEVER") : "NEVER";
  }
  return out;
}

std::string StatefulDiskName(const std::string& instance, const std::string& device) {
  return instance + "-" + device;
}

std::string NewInstanceName(const std::string& base, const std::vector<std::string>& taken) {
  std::set<std::string> used(taken.begin(), taken.end());
  size_t hashes = 0;
  while (hashes < base.size() && base[base.size() - 1 - hashes] == '#') ++hashes;
  if (hashes > 0) {
    const std::string prefix = base.substr(0, base.size() - hashes);
    for (int n = 1;; ++n) {
      std::string name = fmt::format("{}{:0{}}", prefix, n, hashes);
      if (!used.count(name)) return name;
    }
  }
  static thread_local std::mt19937_64 rng(std::random_device{}());
  const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  while (true) {
    std::string name = base + "-";
    for (int i = 0; i < 4; ++i) name.push_back(alphabet[rng() % 36]);
    if (!used.count(name)) return name;
  }
}

Controller::Controller(compute::Service& svc, HealthProber& prober, std::string project,
                       std::function<int64_t()> now_us)
    : svc_(svc), prober_(prober), project_(std::move(project)), now_us_(std::move(now_us)) {}

Result<std::vector<GroupStepReport>> Controller::Step() {
  if (!svc_.group_runtime()) {
    return Status::Invalid("This cloud runs its own instance groups; no controller is needed.");
  }
  auto zones = compute::ListAllZones(svc_.zones(), project_);
  if (!zones.ok()) return zones.status();
  std::vector<GroupStepReport> out;
  for (const auto& z : *zones) {
    std::vector<InstanceGroupManager> groups;
    compute::ListOptions o;
    while (true) {
      auto page = svc_.instance_group_managers().List(project_, z.name, o);
      if (!page.ok()) return page.status();
      for (auto& g : page->items) groups.push_back(std::move(g));
      if (page->next_page_token.empty()) break;
      o.page_token = page->next_page_token;
    }
    // The zone's instances, read once for every group and the orphan check.
    auto all = compute::ListAllInstances(svc_.instances(), project_, z.name);
    if (!all.ok()) return all.status();
    std::map<std::string, const Instance*> by_link;
    for (const auto& in : *all) by_link[in.self_link] = &in;
    StepAutoscalers(z.name, groups, *all, &out);
    std::vector<std::string> links;
    for (const auto& g : groups) {
      links.push_back(g.self_link);
      out.push_back(StepGroup(z.name, g, by_link));
    }
    DeleteOrphans(z.name, links, *all, &out);
  }
  // Forget the probes and CPU samples of instances no group has any more.
  for (auto it = health_.begin(); it != health_.end();) {
    it = seen_.count(it->first) ? std::next(it) : health_.erase(it);
  }
  for (auto it = cpu_.begin(); it != cpu_.end();) {
    it = seen_.count(it->first) ? std::next(it) : cpu_.erase(it);
  }
  seen_.clear();
  return out;
}

GroupStepReport Controller::StepGroup(const std::string& zone, const InstanceGroupManager& g,
                                      const std::map<std::string, const Instance*>& listed) {
  GroupStepReport rep;
  rep.zone = zone;
  rep.group = g.name;
  rep.target_size = g.target_size.value_or(0);
  auto fail = [&](const Status& st) {
    rep.errors.push_back(st.message());
    return rep;
  };
  auto managed = svc_.instance_group_managers().ListManagedInstances(project_, zone, g.name);
  if (!managed.ok()) return fail(managed.status());
  std::optional<compute::HealthCheck> hc;
  if (!g.auto_healing_policies.empty()) {
    auto got = svc_.health_checks().Get(
        project_, compute::LastSegment(g.auto_healing_policies[0].health_check));
    if (!got.ok()) return fail(got.status());
    hc = std::move(got.value());
  }
  const int64_t now = now_us_();
  // Probe what is due, all at once.
  // Every instance first: the probes read them from other threads.
  std::vector<Instance> instances;
  for (const auto& m : *managed) {
    auto it = listed.find(m.instance);
    if (it != listed.end()) {
      instances.push_back(*it->second);
      continue;
    }
    // Made after the zone was listed: read it alone.
    auto in = svc_.instances().Get(project_, zone, compute::LastSegment(m.instance));
    instances.push_back(in.ok() ? std::move(in.value()) : Instance{});
  }
  std::vector<std::future<bool>> probes(managed->size());
  for (size_t i = 0; i < managed->size(); ++i) {
    const auto& m = (*managed)[i];
    seen_.insert(m.instance);
    ProbeState& h = health_[m.instance];
    if (h.instance_id != m.id) h = ProbeState{m.id};
    if (hc && instances[i].status == "RUNNING" && now >= h.next_probe_us) {
      h.next_probe_us = now + int64_t{hc->check_interval_sec} * compute::kMicrosPerSecond;
      probes[i] = std::async(std::launch::async, [this, &hc, &instances, i] {
        return prober_.Probe(*hc, instances[i]);
      });
    }
  }
  std::vector<Member> members;
  std::vector<std::string> names;
  for (size_t i = 0; i < managed->size(); ++i) {
    const auto& m = (*managed)[i];
    ProbeState& h = health_[m.instance];
    if (probes[i].valid()) {
      if (probes[i].get()) {
        h.failures = 0;
        if (++h.successes >= hc->healthy_threshold) h.state = "HEALTHY";
      } else {
        h.successes = 0;
        if (++h.failures >= hc->unhealthy_threshold) h.state = "UNHEALTHY";
      }
    }
    const Instance& in = instances[i];
    if (in.status != "RUNNING") {
      h.available_since_us = 0;
    } else if (h.available_since_us == 0 && (!hc || h.state == "HEALTHY")) {
      h.available_since_us = now;
    }
    Member mem;
    mem.name = compute::LastSegment(m.instance);
    mem.instance_template = m.instance_template;
    mem.status = in.status;
    mem.health = h.state == "HEALTHY"     ? Health::kHealthy
                 : h.state == "UNHEALTHY" ? Health::kUnhealthy
                                          : Health::kUnknown;
    mem.created_us = compute::ParseTimestamp(in.creation_timestamp).value_or(now);
    mem.available_since_us = h.available_since_us;
    names.push_back(mem.name);
    members.push_back(std::move(mem));
  }
  const GroupSpec spec = SpecOf(g);
  Plan plan = PlanStep(spec, members, now);
  // Recreations asked for by recreateInstances come first.
  auto pending = svc_.group_runtime()->PendingRecreations(project_, zone, g.name);
  std::vector<std::string> recreate_asked;
  if (pending.ok()) {
    for (const auto& name : *pending) {
      auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end()) {
        (void)svc_.group_runtime()->RecreationDone(project_, zone, g.name, name);
        continue;
      }
      const Member& mem = members[it - names.begin()];
      const VersionSpec* version = &spec.versions.back();
      for (const auto& v : spec.versions) {
        if (!v.target_size) version = &v;
      }
      for (const auto& v : spec.versions) {
        if (v.instance_template == mem.instance_template) version = &v;
      }
      plan.actions.erase(std::remove_if(plan.actions.begin(), plan.actions.end(),
                                        [&](const Action& a) { return a.name == name; }),
                         plan.actions.end());
      plan.actions.push_back({Action::Kind::kRecreate, name, version->instance_template,
                              version->name, "recreateInstances asked for it"});
      recreate_asked.push_back(name);
    }
  }
  // An instance the load balancer sends to leaves once it is drained:
  // its deletion waits (and the group is not stable) until then.
  std::set<std::string> held_names;
  int held = 0;
  if (gate_) {
    std::vector<Action> go;
    for (auto& a : plan.actions) {
      auto it = std::find(names.begin(), names.end(), a.name);
      if (a.kind != Action::Kind::kCreate && it != names.end() &&
          !gate_->ReadyToRemove((*managed)[it - names.begin()].instance)) {
        ++held;
        held_names.insert(a.name);
        rep.did.push_back("draining " + a.name + " from the load balancer before it goes");
        continue;
      }
      go.push_back(std::move(a));
    }
    plan.actions = std::move(go);
    if (held > 0 && plan.waiting.empty()) {
      plan.waiting = fmt::format("draining {} instance(s) from the load balancer", held);
    }
  }
  // Carry the step out, every action at once.
  std::vector<std::string> taken = names;
  for (auto& a : plan.actions) {
    if (a.kind == Action::Kind::kCreate) {
      a.name = NewInstanceName(g.base_instance_name, taken);
      taken.push_back(a.name);
    }
  }
  // What is about to happen, reported first: a client that looks while
  // the step runs sees the health just probed and the actions under way.
  compute::GroupRuntime::Report report;
  Json counts = compute::EmptyActionsSummary();
  auto bump = [&](const char* k) { counts[k] = counts[k].get<int>() + 1; };
  for (size_t i = 0; i < members.size(); ++i) {
    const Member& m = members[i];
    if (hc) report.health.emplace_back(m.name, health_[(*managed)[i].instance].state);
    bool acted = std::any_of(plan.actions.begin(), plan.actions.end(),
                             [&](const Action& a) { return a.name == m.name; });
    if (acted) continue;
    if (held_names.count(m.name)) {
      bump("deleting");
      report.actions.emplace_back(m.name, "DELETING");
      continue;
    }
    if (m.status == "PROVISIONING" || m.status == "STAGING") {
      bump("creating");
    } else if (hc && m.health != Health::kHealthy) {
      bump("verifying");
    } else {
      bump("none");
    }
  }
  for (const Action& a : plan.actions) {
    const bool create = a.kind == Action::Kind::kCreate;
    const bool del = a.kind == Action::Kind::kDelete;
    bump(create ? "creating" : del ? "deleting" : "recreating");
    report.actions.emplace_back(a.name, create ? "CREATING" : del ? "DELETING" : "RECREATING");
  }
  report.current_actions = counts;
  report.is_stable = plan.stable && plan.actions.empty() && held == 0;
  report.version_target_reached = plan.version_target_reached && plan.actions.empty() && held == 0;
  report.waiting = plan.waiting;
  report.fingerprint = g.fingerprint;
  Status reported = svc_.group_runtime()->ReportGroup(project_, zone, g.name, report);
  if (!reported.ok() && reported.code() != compute::Code::kNotFound) {
    rep.errors.push_back(reported.message());
  }

  // Carry the step out: deletions and recreations first, then creations,
  // so that an instance on its way out counts toward maxSurge until it is
  // gone. Within each phase, everything at once.
  // statefulPolicy: the disks of these device names outlive their VM (on
  // recreate, update and autoheal they are reattached, never re-made); a
  // permanent delete deletes those marked ON_PERMANENT_INSTANCE_DELETION.
  const std::map<std::string, std::string> stateful = StatefulDisks(g);
  auto run = [this, &zone, &g, &stateful](const Action& a) -> Status {
    if (a.kind != Action::Kind::kCreate) {
      auto del = svc_.instances().Delete(project_, zone, a.name, {});
      if (!del.ok() && del.status().code() != compute::Code::kNotFound) return del.status();
      if (del.ok() && del->failed()) return Status::Unavailable(del->errors[0].message);
      if (a.kind == Action::Kind::kDelete) {
        for (const auto& [device, auto_delete] : stateful) {
          if (auto_delete != "ON_PERMANENT_INSTANCE_DELETION") continue;
          auto d = svc_.disks().Delete(project_, zone, StatefulDiskName(a.name, device), {});
          if (!d.ok() && d.status().code() != compute::Code::kNotFound) return d.status();
        }
        return Status::OK();
      }
    }
    auto t = svc_.instance_templates().Get(project_, compute::LastSegment(a.instance_template));
    if (!t.ok()) return t.status();
    Instance in = InstanceFromTemplate(*t, a.name, zone, g.self_link);
    for (auto& d : in.disks) {
      if (d.boot || !stateful.count(d.device_name)) continue;
      const std::string disk = StatefulDiskName(a.name, d.device_name);
      d.auto_delete = false;
      if (svc_.disks().Get(project_, zone, disk).ok()) {
        d.source = compute::ZonalPath(project_, zone, "disks", disk);  // Kept: reattached.
        d.initialize_params.reset();
      } else if (d.initialize_params) {
        d.initialize_params->disk_name = disk;  // The first time: made, named for the VM.
      }
    }
    auto op = svc_.instances().Insert(project_, zone, in, {});
    if (!op.ok()) return op.status();
    if (op->failed()) return Status::Unavailable(op->errors[0].message);
    return Status::OK();
  };
  std::vector<Status> results(plan.actions.size());
  for (bool creates : {false, true}) {
    std::vector<std::pair<size_t, std::future<Status>>> work;
    for (size_t i = 0; i < plan.actions.size(); ++i) {
      if ((plan.actions[i].kind == Action::Kind::kCreate) != creates) continue;
      work.emplace_back(i, std::async(std::launch::async, run, plan.actions[i]));
    }
    for (auto& [i, f] : work) results[i] = f.get();
  }
  compute::GroupRuntime::Report after = report;
  after.actions.clear();
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    const Status& st = results[i];
    const char* verb = a.kind == Action::Kind::kCreate   ? "created"
                       : a.kind == Action::Kind::kDelete ? "deleted"
                                                         : "recreated";
    const char* action = a.kind == Action::Kind::kCreate   ? "CREATING"
                         : a.kind == Action::Kind::kDelete ? "DELETING"
                                                           : "RECREATING";
    if (st.ok()) {
      rep.did.push_back(fmt::format("{} {}{} ({})", verb, a.name,
                                    a.version.empty() ? "" : " version " + a.version, a.reason));
      if (std::find(recreate_asked.begin(), recreate_asked.end(), a.name) != recreate_asked.end()) {
        (void)svc_.group_runtime()->RecreationDone(project_, zone, g.name, a.name);
      }
    } else {
      rep.errors.push_back(fmt::format("{} {}: {}", action, a.name, st.message()));
      after.new_errors.push_back({ErrorCode(st), st.message(),
                                  compute::ZonalPath(project_, zone, "instances", a.name), action,
                                  ""});
    }
  }
  if (!plan.actions.empty()) {
    Status st = svc_.group_runtime()->ReportGroup(project_, zone, g.name, after);
    if (!st.ok() && st.code() != compute::Code::kNotFound) rep.errors.push_back(st.message());
  }
  rep.instances = static_cast<int>(members.size());
  rep.available = plan.available;
  rep.stable = report.is_stable;
  rep.waiting = plan.waiting;
  return rep;
}

void Controller::StepAutoscalers(const std::string& zone,
                                 const std::vector<InstanceGroupManager>& groups,
                                 const std::vector<Instance>& instances,
                                 std::vector<GroupStepReport>* out) {
  compute::ListOptions o;
  auto scalers = svc_.autoscalers().List(project_, zone, o);
  if (!scalers.ok() || scalers->items.empty()) return;
  compute::GroupRuntime* runtime = svc_.group_runtime();
  const int64_t now = now_us_();
  // CPU use is measured over at least this long (a single step is noise).
  constexpr int64_t kInterval = 5 * compute::kMicrosPerSecond;
  for (const auto& a : scalers->items) {
    GroupStepReport rep;
    rep.zone = zone;
    rep.group = compute::LastSegment(a.target);
    const InstanceGroupManager* g = nullptr;
    for (const auto& x : groups) {
      if (x.self_link == a.target) g = &x;
    }
    if (!g) {
      (void)runtime->ReportAutoscaler(project_, zone, a.name, "ERROR", std::nullopt,
                                      Json::array({{{"message", "The target group does not exist."},
                                                    {"type", "MISSING_TARGET"}}}));
      continue;
    }
    const auto& p = a.policy;
    double sum = 0;
    int measured = 0;
    for (const auto& in : instances) {
      if (MetadataValue(in, "created-by") != g->self_link || in.status != "RUNNING") continue;
      seen_.insert(in.self_link);
      auto use = runtime->InstanceCpu(project_, zone, in.name);
      if (!use.ok()) continue;
      CpuSample& c = cpu_[in.self_link];
      if (c.at_us == 0 || use->seconds < c.seconds) {
        c = CpuSample{now, use->seconds, std::nullopt};  // First sample, or a new VM.
      } else if (now - c.at_us >= kInterval) {
        const double wall = static_cast<double>(now - c.at_us) / compute::kMicrosPerSecond;
        c.utilization = (use->seconds - c.seconds) / (wall * std::max(1, use->vcpus));
        c.at_us = now;
        c.seconds = use->seconds;
      }
      // A new instance's CPU (its boot) does not count until its cool-down ends.
      const int64_t created = compute::ParseTimestamp(in.creation_timestamp).value_or(now);
      if (now - created < int64_t{p.cool_down_period_sec} * compute::kMicrosPerSecond) continue;
      if (c.utilization) {
        sum += std::min(1.0, *c.utilization);
        ++measured;
      }
    }
    const int size = g->target_size.value_or(0);
    std::optional<double> util;
    if (measured > 0) util = sum / measured;
    const int raw = RawRecommendation(p, size, util);
    // Scale in looks back over GCE's stabilization period (10 min), or what
    // stabilizationPeriodSec or scaleInControl.timeWindowSec say.
    int window = 600;
    if (p.scale_in_window_sec > 0) window = p.scale_in_window_sec;
    if (p.extra.value("stabilizationPeriodSec", 0) > 0) {
      window = p.extra["stabilizationPeriodSec"].get<int>();
    }
    int want = scale_history_[a.self_link].Recommend(now, raw, window);
    want = std::clamp(want, p.min_num_replicas.value_or(1),
                      std::max(p.min_num_replicas.value_or(1), p.max_num_replicas));
    const bool may_shrink = p.mode == "ON";
    const bool acts = p.mode != "OFF" && (want > size || (want < size && may_shrink));
    Json details = Json::array();
    if (!util) {
      details.push_back({{"message",
                          "No CPU measurement yet (instances within their cool-down "
                          "period, or not running)."},
                         {"type", "UNKNOWN"}});
    }
    if (acts) {
      auto op = svc_.instance_group_managers().Resize(project_, zone, g->name, want, {});
      if (op.ok() && !op->failed()) {
        rep.did.push_back(fmt::format("autoscaler {}: size {} -> {} (CPU {:.2f}, target {:.2f})",
                                      a.name, size, want, util.value_or(0),
                                      p.cpu_utilization_target));
      } else {
        rep.errors.push_back("autoscaler " + a.name + ": resize: " +
                             (op.ok() ? op->errors[0].message : op.status().message()));
      }
    }
    (void)runtime->ReportAutoscaler(project_, zone, a.name, util ? "ACTIVE" : "PENDING", want,
                                    details);
    if (!rep.did.empty() || !rep.errors.empty()) out->push_back(std::move(rep));
  }
}

void Controller::DeleteOrphans(const std::string& zone, const std::vector<std::string>& groups,
                               const std::vector<Instance>& instances,
                               std::vector<GroupStepReport>* out) {
  for (const auto& in : instances) {
    std::string by = MetadataValue(in, "created-by");
    if (by.find("/instanceGroupManagers/") == std::string::npos) continue;
    if (std::find(groups.begin(), groups.end(), by) != groups.end()) continue;
    GroupStepReport rep;
    rep.zone = zone;
    rep.group = compute::LastSegment(by);
    auto del = svc_.instances().Delete(project_, zone, in.name, {});
    if (del.ok() && !del->failed()) {
      rep.did.push_back("deleted " + in.name + " (its group is gone)");
    } else {
      rep.errors.push_back("DELETING " + in.name + ": " +
                           (del.ok() ? del->errors[0].message : del.status().message()));
    }
    out->push_back(std::move(rep));
  }
}

}  // namespace imago::groups
