// PlanStep against a simulated group: instances that take a few steps to
// boot and to pass their health check (or never pass it), applied step
// after step until the group is stable, checking GCE's bounds at every
// step.
#include "groups/rollout_plan.h"

#include <gtest/gtest.h>

#include <map>

namespace imago::groups {
namespace {

constexpr int64_t kStepUs = 1000000;  // One step = one second.

// The instances of one group; Apply() carries out a plan's actions.
class World {
 public:
  // Instances of templates in `broken` boot but never pass a health check.
  explicit World(std::set<std::string> broken = {}) : broken_(std::move(broken)) {}

  void Add(const std::string& tmpl, bool ready = true) {
    Member m;
    m.name = "vm-" + std::to_string(next_++);
    m.instance_template = tmpl;
    m.created_us = now_;
    boot_[m.name] = ready ? 0 : kBootSteps;
    if (ready) {
      m.status = "RUNNING";
      m.health = Health::kHealthy;
      m.available_since_us = now_;
    } else {
      m.status = "PROVISIONING";
    }
    members_.push_back(m);
  }

  void Apply(const Plan& plan) {
    for (const Action& a : plan.actions) {
      if (a.kind == Action::Kind::kCreate) {
        Add(a.instance_template, false);
      } else {
        auto it = Find(a.name);
        ASSERT_NE(it, members_.end()) << a.name;
        if (a.kind == Action::Kind::kDelete) {
          members_.erase(it);
        } else {  // Recreate: same name, new disk and VM.
          it->instance_template = a.instance_template;
          it->status = "PROVISIONING";
          it->health = Health::kUnknown;
          it->available_since_us = 0;
          it->created_us = now_;
          boot_[a.name] = kBootSteps;
          ++recreated_;
        }
      }
    }
  }

  // One second passes: boots progress, health checks answer.
  void Tick() {
    now_ += kStepUs;
    for (Member& m : members_) {
      if (m.status.empty() || m.status == "TERMINATED") continue;
      if (boot_[m.name] > 0 && --boot_[m.name] > 0) continue;
      m.status = "RUNNING";
      bool bad = broken_.count(m.instance_template) > 0;
      m.health = bad ? Health::kUnhealthy : Health::kHealthy;
      if (!bad && m.available_since_us == 0) m.available_since_us = now_;
    }
  }

  void Kill(const std::string& name) {
    auto it = Find(name);
    it->status = "";
    it->health = Health::kUnknown;
  }

  std::vector<Member>::iterator Find(const std::string& name) {
    return std::find_if(members_.begin(), members_.end(),
                        [&](const Member& m) { return m.name == name; });
  }
  int Count(const std::string& tmpl) const {
    int n = 0;
    for (const Member& m : members_) n += m.instance_template == tmpl;
    return n;
  }

  static constexpr int kBootSteps = 3;
  std::vector<Member> members_;
  int64_t now_ = 1000 * kStepUs;
  int recreated_ = 0;

 private:
  std::set<std::string> broken_;
  std::map<std::string, int> boot_;
  int next_ = 1;
};

GroupSpec Spec(int size, const std::string& tmpl, int surge, int unavailable) {
  GroupSpec s;
  s.target_size = size;
  s.versions = {{"v", tmpl, std::nullopt}};
  s.policy.max_surge = {surge, std::nullopt, 0};
  s.policy.max_unavailable = {unavailable, std::nullopt, 0};
  s.has_health_check = true;
  return s;
}

int Available(const World& w) {
  int available = 0;
  for (const Member& m : w.members_) available += m.status == "RUNNING" && m.available_since_us;
  return available;
}

// Runs steps until the plan is stable (or `limit` steps), checking the
// bounds at every step: at most targetSize + maxSurge instances, and at
// least targetSize - maxUnavailable available (or as many as there were at
// the start, for a group still being made). Returns the number of steps.
int RunToStable(const GroupSpec& spec, World& w, int limit = 100) {
  const int most = spec.target_size + Resolve(spec.policy.max_surge, spec.target_size);
  const int least = std::min(
      Available(w), spec.target_size - Resolve(spec.policy.max_unavailable, spec.target_size));
  for (int step = 0; step < limit; ++step) {
    Plan p = PlanStep(spec, w.members_, w.now_);
    if (p.stable) return step;
    w.Apply(p);
    EXPECT_LE(static_cast<int>(w.members_.size()), most) << "step " << step;
    EXPECT_GE(Available(w), least) << "step " << step;
    w.Tick();
  }
  return limit;
}

TEST(RolloutPlanTest, NewGroupCreatesItsTargetAndBecomesStable) {
  World w;
  GroupSpec s = Spec(3, "t1", 1, 1);
  Plan p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 3u);
  for (const Action& a : p.actions) {
    EXPECT_EQ(a.kind, Action::Kind::kCreate);
    EXPECT_EQ(a.instance_template, "t1");
    EXPECT_EQ(a.version, "v");
  }
  EXPECT_FALSE(p.stable);
  w.Apply(p);
  EXPECT_LT(RunToStable(s, w), 100);
  EXPECT_EQ(w.Count("t1"), 3);
  EXPECT_TRUE(PlanStep(s, w.members_, w.now_).version_target_reached);
}

TEST(RolloutPlanTest, SurgeOneUnavailableZeroNeverDropsBelowTarget) {
  World w;
  for (int i = 0; i < 3; ++i) w.Add("t1");
  GroupSpec s = Spec(3, "t2", 1, 0);
  // First step: one surge instance, nothing deleted yet.
  Plan p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 1u);
  EXPECT_EQ(p.actions[0].kind, Action::Kind::kCreate);
  EXPECT_EQ(p.actions[0].instance_template, "t2");
  EXPECT_FALSE(p.version_target_reached);
  w.Apply(p);
  w.Tick();
  // While it boots, the old ones wait: the plan says why.
  Plan waiting = PlanStep(s, w.members_, w.now_);
  EXPECT_TRUE(waiting.actions.empty());
  EXPECT_NE(waiting.waiting.find("3 available, at least 3 must stay"), std::string::npos)
      << waiting.waiting;
  EXPECT_LT(RunToStable(s, w), 100);  // Checks <= 4 instances, >= 3 available at every step.
  EXPECT_EQ(w.Count("t2"), 3);
  EXPECT_EQ(w.Count("t1"), 0);
  EXPECT_TRUE(PlanStep(s, w.members_, w.now_).version_target_reached);
}

TEST(RolloutPlanTest, SurgeZeroUnavailableOneReplacesOneAtATime) {
  World w;
  for (int i = 0; i < 4; ++i) w.Add("t1");
  GroupSpec s = Spec(4, "t2", 0, 1);
  Plan p = PlanStep(s, w.members_, w.now_);
  // One old one leaves and one new one comes; never a fifth instance.
  int deletes = 0, creates = 0;
  for (const Action& a : p.actions) {
    deletes += a.kind == Action::Kind::kDelete;
    creates += a.kind == Action::Kind::kCreate;
  }
  EXPECT_EQ(deletes, 1);
  EXPECT_EQ(creates, 1);
  w.Apply(p);
  EXPECT_LT(RunToStable(s, w), 100);
  EXPECT_EQ(w.Count("t2"), 4);
}

TEST(RolloutPlanTest, RecreateKeepsNamesAndNeverSurges) {
  World w;
  for (int i = 0; i < 3; ++i) w.Add("t1");
  std::set<std::string> names;
  for (const Member& m : w.members_) names.insert(m.name);
  GroupSpec s = Spec(3, "t2", 0, 1);
  s.policy.substitute = false;
  EXPECT_LT(RunToStable(s, w), 100);
  std::set<std::string> after;
  for (const Member& m : w.members_) after.insert(m.name);
  EXPECT_EQ(after, names);
  EXPECT_EQ(w.Count("t2"), 3);
  EXPECT_EQ(w.recreated_, 3);
}

TEST(RolloutPlanTest, ABadRolloutStopsAndKeepsTheOldCapacity) {
  World w({"bad"});
  for (int i = 0; i < 3; ++i) w.Add("good");
  GroupSpec s = Spec(3, "bad", 1, 0);
  s.initial_delay_sec = 1000;  // The new instance is never repaired in this test.
  int steps = RunToStable(s, w, 30);
  EXPECT_EQ(steps, 30);           // Never stable...
  EXPECT_EQ(w.Count("good"), 3);  // ...and all old instances still serve.
  EXPECT_EQ(w.Count("bad"), 1);   // Only the one surge instance was tried.
  Plan p = PlanStep(s, w.members_, w.now_);
  EXPECT_FALSE(p.waiting.empty());
  // A newer spec (the old template again) replaces the rollout: the bad
  // instance goes and the group is stable on the good template.
  GroupSpec back = Spec(3, "good", 1, 0);
  back.initial_delay_sec = 1000;
  EXPECT_LT(RunToStable(back, w), 100);
  EXPECT_EQ(w.Count("bad"), 0);
  EXPECT_EQ(w.Count("good"), 3);
}

TEST(RolloutPlanTest, DeadAndFailingInstancesAreRecreated) {
  World w({"t1-broken-later"});
  for (int i = 0; i < 3; ++i) w.Add("t1");
  GroupSpec s = Spec(3, "t1", 1, 1);
  w.Kill("vm-2");
  Plan p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 1u);
  EXPECT_EQ(p.actions[0].kind, Action::Kind::kRecreate);
  EXPECT_EQ(p.actions[0].name, "vm-2");
  EXPECT_EQ(p.actions[0].instance_template, "t1");
  EXPECT_EQ(p.actions[0].reason, "its VM is not running");
  w.Apply(p);
  EXPECT_LT(RunToStable(s, w), 100);
  // A failing health check after the initial delay: recreated too.
  w.Find("vm-3")->health = Health::kUnhealthy;
  s.initial_delay_sec = 0;
  p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 1u);
  EXPECT_EQ(p.actions[0].name, "vm-3");
  EXPECT_EQ(p.actions[0].reason, "it failed its health check");
  // Within the initial delay it is left alone.
  s.initial_delay_sec = 100000;
  EXPECT_TRUE(PlanStep(s, w.members_, w.now_).actions.empty());
  // DO_NOTHING: never repaired.
  s.initial_delay_sec = 0;
  s.repair = false;
  EXPECT_TRUE(PlanStep(s, w.members_, w.now_).actions.empty());
}

TEST(RolloutPlanTest, ResizeDownDeletesAndResizeUpCreates) {
  World w;
  for (int i = 0; i < 5; ++i) w.Add("t1");
  GroupSpec s = Spec(2, "t1", 1, 0);
  Plan p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 3u);
  for (const Action& a : p.actions) EXPECT_EQ(a.kind, Action::Kind::kDelete);
  w.Apply(p);
  EXPECT_TRUE(PlanStep(s, w.members_, w.now_).stable);
  s.target_size = 4;
  p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 2u);
  EXPECT_EQ(p.actions[0].kind, Action::Kind::kCreate);
  // Resizing to 0 deletes everything, whatever maxUnavailable says.
  s.target_size = 0;
  p = PlanStep(s, w.members_, w.now_);
  EXPECT_EQ(p.actions.size(), 2u);
}

TEST(RolloutPlanTest, CanaryVersionsGetTheirShare) {
  GroupSpec s = Spec(10, "stable", 2, 0);
  s.versions = {{"stable", "t1", std::nullopt},
                {"canary", "t2", FixedOrPercent{std::nullopt, 25, 0}}};
  EXPECT_EQ(VersionTargets(s), (std::vector<int>{7, 3}));  // 25% of 10 = 2.5, rounded: 3.
  s.versions[1].target_size = FixedOrPercent{20, std::nullopt, 0};
  EXPECT_EQ(VersionTargets(s), (std::vector<int>{0, 10}));  // fixed is capped at the group's size.
  s.versions[1].target_size = FixedOrPercent{1, std::nullopt, 0};
  EXPECT_EQ(VersionTargets(s), (std::vector<int>{9, 1}));
  World w;
  for (int i = 0; i < 10; ++i) w.Add("t1");
  EXPECT_LT(RunToStable(s, w), 100);
  EXPECT_EQ(w.Count("t1"), 9);
  EXPECT_EQ(w.Count("t2"), 1);
  EXPECT_TRUE(PlanStep(s, w.members_, w.now_).version_target_reached);
}

TEST(RolloutPlanTest, OpportunisticUpdatesOnlyNewInstances) {
  World w;
  for (int i = 0; i < 3; ++i) w.Add("t1");
  GroupSpec s = Spec(3, "t2", 1, 0);
  s.policy.proactive = false;
  Plan p = PlanStep(s, w.members_, w.now_);
  EXPECT_TRUE(p.actions.empty());
  EXPECT_FALSE(p.version_target_reached);  // Still on t1: not reached, but nothing to do.
  s.target_size = 4;
  p = PlanStep(s, w.members_, w.now_);
  ASSERT_EQ(p.actions.size(), 1u);
  EXPECT_EQ(p.actions[0].instance_template, "t2");
}

TEST(RolloutPlanTest, PercentsRoundUp) {
  EXPECT_EQ(Resolve({std::nullopt, 10, 0}, 25), 3);
  EXPECT_EQ(Resolve({std::nullopt, 0, 0}, 25), 0);
  EXPECT_EQ(Resolve({4, std::nullopt, 0}, 25), 4);
  EXPECT_EQ(Resolve({}, 25), 0);
}

}  // namespace
}  // namespace imago::groups
