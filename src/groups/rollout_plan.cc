#include "groups/rollout_plan.h"

#include <algorithm>

namespace imago::groups {

namespace {

constexpr int64_t kSecondUs = 1000000;

// A member as this step sees it.
struct View {
  const Member* m;
  int version;     // Index in spec.versions; -1: a template no version names.
  bool dead;       // Its VM is gone or TERMINATED.
  bool failing;    // Unhealthy after the initial delay.
  bool available;  // Counts toward targetSize - maxUnavailable.
};

// Keep order: available first, then alive, then dead; oldest first.
bool KeepBefore(const View& a, const View& b) {
  auto rank = [](const View& v) { return v.available ? 0 : (v.dead || v.failing) ? 2 : 1; };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  if (a.m->created_us != b.m->created_us) return a.m->created_us < b.m->created_us;
  return a.m->name < b.m->name;
}

int UnsizedVersion(const GroupSpec& spec) {
  for (size_t i = 0; i < spec.versions.size(); ++i) {
    if (!spec.versions[i].target_size) return static_cast<int>(i);
  }
  return spec.versions.empty() ? -1 : static_cast<int>(spec.versions.size()) - 1;
}

// The version that most lacks instances (first among equals); -1 if none.
int MostLacking(const std::vector<int>& deficit) {
  int best = -1;
  for (size_t i = 0; i < deficit.size(); ++i) {
    if (deficit[i] > 0 && (best < 0 || deficit[i] > deficit[best])) best = static_cast<int>(i);
  }
  return best;
}

}  // namespace

std::vector<int> VersionTargets(const GroupSpec& spec) {
  const int n = spec.target_size;
  std::vector<int> t(spec.versions.size(), 0);
  int assigned = 0;
  const int rest = UnsizedVersion(spec);
  for (size_t i = 0; i < spec.versions.size(); ++i) {
    const auto& size = spec.versions[i].target_size;
    if (static_cast<int>(i) == rest || !size) continue;
    // fixed: at most the group's size; percent: rounded half up.
    int want = size->fixed ? std::min(*size->fixed, n) : (size->percent.value_or(0) * n + 50) / 100;
    t[i] = std::max(0, std::min(want, n - assigned));
    assigned += t[i];
  }
  if (rest >= 0) t[rest] = n - assigned;
  return t;
}

Plan PlanStep(const GroupSpec& spec, const std::vector<Member>& members, int64_t now_us) {
  Plan plan;
  const int n = spec.target_size;
  const std::vector<int> targets = VersionTargets(spec);
  const int unsized = UnsizedVersion(spec);
  const int64_t delay_us = int64_t{spec.initial_delay_sec} * kSecondUs;
  const int64_t ready_us = int64_t{spec.policy.min_ready_sec} * kSecondUs;

  std::vector<View> views;
  for (const Member& m : members) {
    View v{&m, -1, false, false, false};
    for (size_t i = 0; i < spec.versions.size(); ++i) {
      if (spec.versions[i].instance_template == m.instance_template)
        v.version = static_cast<int>(i);
    }
    v.dead = m.status.empty() || m.status == "TERMINATED";
    v.failing = !v.dead && spec.has_health_check && m.health == Health::kUnhealthy &&
                now_us - m.created_us >= delay_us;
    v.available = m.status == "RUNNING" && m.available_since_us > 0 && !v.failing &&
                  now_us - m.available_since_us >= ready_us;
    plan.available += v.available;
    views.push_back(v);
  }
  std::sort(views.begin(), views.end(), KeepBefore);

  // Which members each version keeps (up to its target); the others are
  // old and leave. Opportunistic groups count a member of a template no
  // version names toward the unsized version: they replace nothing.
  std::vector<int> kept(targets.size(), 0);
  std::vector<const View*> keep, old;
  bool outdated = false;
  for (const View& v : views) {
    int version = v.version;
    if (version < 0) outdated = true;
    if (version < 0 && !spec.policy.proactive) version = unsized;
    if (version >= 0 && kept[version] < targets[version]) {
      ++kept[version];
      keep.push_back(&v);
    } else {
      old.push_back(&v);
    }
  }
  std::vector<int> deficit(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) deficit[i] = targets[i] - kept[i];

  // Repairs: a kept member whose VM ended, or that fails its health check
  // after the initial delay, is made again from its version's template.
  for (const View* v : keep) {
    if (!spec.repair || !(v->dead || v->failing)) continue;
    int version = v->version >= 0 ? v->version : unsized;
    plan.actions.push_back({Action::Kind::kRecreate, v->m->name,
                            spec.versions[version].instance_template, spec.versions[version].name,
                            v->dead ? "its VM is not running" : "it failed its health check"});
  }

  // Old members leave: an unavailable one at once; an available one while
  // targetSize - maxUnavailable stay available. RECREATE turns an old
  // member into a lacking version's in place instead.
  const int min_available = n - Resolve(spec.policy.max_unavailable, n);
  int available = plan.available;
  int total = static_cast<int>(members.size());
  int blocked = 0;
  for (const View* v : old) {
    if (v->available && available - 1 < min_available) {
      ++blocked;
      continue;
    }
    int lacking = spec.policy.substitute ? -1 : MostLacking(deficit);
    if (lacking >= 0) {
      plan.actions.push_back({Action::Kind::kRecreate, v->m->name,
                              spec.versions[lacking].instance_template, spec.versions[lacking].name,
                              "replaced by its version's template"});
      --deficit[lacking];
    } else {
      plan.actions.push_back({Action::Kind::kDelete, v->m->name, "", "",
                              v->version < 0 ? "its template is no version's"
                                             : "the group or its version has too many"});
      --total;
    }
    available -= v->available;
  }

  // Creates fill what versions lack, up to targetSize, or targetSize +
  // maxSurge while old members wait to leave.
  const int cap =
      n + (blocked > 0 && spec.policy.substitute ? Resolve(spec.policy.max_surge, n) : 0);
  for (int lacking = MostLacking(deficit); lacking >= 0 && total < cap;
       lacking = MostLacking(deficit)) {
    plan.actions.push_back({Action::Kind::kCreate, "", spec.versions[lacking].instance_template,
                            spec.versions[lacking].name,
                            blocked > 0 ? "surge: a new instance before an old one leaves"
                                        : "the group has fewer instances than its target"});
    --deficit[lacking];
    ++total;
  }

  if (blocked > 0 && plan.actions.empty()) {
    plan.waiting =
        "waiting for new instances to become available: " + std::to_string(plan.available) +
        " available, at least " + std::to_string(min_available) + " must stay";
  }
  plan.version_target_reached =
      !outdated && old.empty() && MostLacking(deficit) < 0 &&
      std::all_of(keep.begin(), keep.end(), [](const View* v) { return v->version >= 0; });
  plan.stable = plan.actions.empty() && old.empty() && static_cast<int>(members.size()) == n &&
                std::all_of(views.begin(), views.end(), [](const View& v) { return v.available; });
  return plan;
}

}  // namespace imago::groups
