// Controller::Step against fakes of the waist: instances that live in
// memory (and "boot" at once), a group store that derives its members from
// their created-by metadata, a prober that answers what the test says.
// The real thing, with QEMU, is tests/vm/groups_test.sh.
#include "groups/controller.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "base/testing.h"
#include "compute/resource_ref.h"
#include "testenv/fake_instances.h"
#include "testenv/test_cloud.h"

namespace imago::groups {
namespace {

using compute::Instance;
using compute::InstanceGroupManager;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;
using testenv::Done;
using testenv::FakeInstances;

// Templates: any name is a template whose selfLink names it.
class FakeTemplates final : public compute::InstanceTemplates {
 public:
  Result<Operation> Insert(const std::string&, const compute::InstanceTemplate&,
                           const MutationOptions&) override {
    return Done();
  }
  Result<compute::InstanceTemplate> Get(const std::string&, const std::string& name) override {
    compute::InstanceTemplate t;
    t.name = name;
    t.self_link = "https://x/compute/v1/projects/local/global/instanceTemplates/" + name;
    t.properties.machine_type = "e2-micro";
    t.properties.metadata.items = {{"role", "web"}};
    return t;
  }
  Result<ListPage<compute::InstanceTemplate>> List(const std::string&,
                                                   const ListOptions&) override {
    return ListPage<compute::InstanceTemplate>{};
  }
  Result<Operation> Delete(const std::string&, const std::string&,
                           const MutationOptions&) override {
    return Done();
  }
};

std::string TemplateLink(const std::string& name) {
  return "https://x/compute/v1/projects/local/global/instanceTemplates/" + name;
}

// One group in local-a; members are the instances whose created-by names it.
class FakeGroups final : public compute::InstanceGroupManagers, public compute::GroupRuntime {
 public:
  explicit FakeGroups(FakeInstances& vms) : vms_(vms) {}

  Result<Operation> Insert(const std::string&, const std::string&, const InstanceGroupManager& g,
                           const MutationOptions&) override {
    group_ = g;
    return Done();
  }
  Result<InstanceGroupManager> Get(const std::string&, const std::string&,
                                   const std::string& name) override {
    if (!group_ || group_->name != name) return Status::NotFound("no group " + name);
    return *group_;
  }
  Result<ListPage<InstanceGroupManager>> List(const std::string&, const std::string& zone,
                                              const ListOptions&) override {
    ListPage<InstanceGroupManager> page;
    if (group_ && zone == "local-a") page.items.push_back(*group_);
    return page;
  }
  Result<Operation> Delete(const std::string&, const std::string&, const std::string&,
                           const MutationOptions&) override {
    group_.reset();
    return Done();
  }
  Result<Operation> Resize(const std::string&, const std::string&, const std::string&, int size,
                           const MutationOptions&) override {
    group_->target_size = size;
    return Done();
  }
  Result<Operation> Patch(const std::string&, const std::string&, const std::string&, const Json&,
                          const MutationOptions&) override {
    return Done();
  }
  Result<Operation> SetInstanceTemplate(const std::string&, const std::string&, const std::string&,
                                        const std::string&, const MutationOptions&) override {
    return Done();
  }
  Result<std::vector<compute::ManagedInstance>> ListManagedInstances(const std::string& p,
                                                                     const std::string& z,
                                                                     const std::string&) override {
    std::vector<compute::ManagedInstance> out;
    for (const auto& name : vms_.Names()) {
      auto in = vms_.Get(p, z, name);
      if (!in.ok() || in->metadata.Get("created-by").value_or("") != group_->self_link) continue;
      compute::ManagedInstance m;
      m.instance = in->self_link;
      m.id = in->id;
      m.instance_status = in->status;
      m.instance_template = in->metadata.Get("instance-template").value_or("");
      out.push_back(m);
    }
    return out;
  }
  Result<Operation> RecreateInstances(const std::string&, const std::string&, const std::string&,
                                      const std::vector<std::string>& names,
                                      const MutationOptions&) override {
    for (const auto& n : names) pending_.insert(n);
    return Done();
  }
  Result<Operation> ApplyUpdatesToInstances(const std::string&, const std::string&,
                                            const std::string&, const compute::ApplyUpdatesRequest&,
                                            const MutationOptions&) override {
    return Done();
  }
  Result<Operation> DeleteInstances(const std::string&, const std::string&, const std::string&,
                                    const std::vector<std::string>&,
                                    const MutationOptions&) override {
    return Done();
  }
  Result<std::vector<compute::ManagedInstanceError>> ListErrors(const std::string&,
                                                                const std::string&,
                                                                const std::string&) override {
    return errors_;
  }
  Status ReportGroup(const std::string&, const std::string&, const std::string&,
                     const Report& r) override {
    last_ = r;
    for (const auto& e : r.new_errors) errors_.push_back(e);
    ++reports_;
    return Status::OK();
  }
  Result<std::vector<std::string>> PendingRecreations(const std::string&, const std::string&,
                                                      const std::string&) override {
    return std::vector<std::string>(pending_.begin(), pending_.end());
  }
  Status RecreationDone(const std::string&, const std::string&, const std::string&,
                        const std::string& name) override {
    pending_.erase(name);
    return Status::OK();
  }
  Result<CpuUse> InstanceCpu(const std::string&, const std::string&,
                             const std::string& name) override {
    return Status::NotFound("no CPU of " + name + " in this fake");
  }
  Status ReportAutoscaler(const std::string&, const std::string&, const std::string&,
                          const std::string&, std::optional<int>, const Json&) override {
    return Status::OK();
  }

  FakeInstances& vms_;
  std::optional<InstanceGroupManager> group_;
  std::set<std::string> pending_;
  std::vector<compute::ManagedInstanceError> errors_;
  Report last_;
  int reports_ = 0;
};

class SetProber final : public HealthProber {
 public:
  bool Probe(const compute::HealthCheck&, const Instance& in) override {
    std::lock_guard l(mu_);
    ++probes_;
    return !failing_.count(in.name);
  }
  std::mutex mu_;
  std::set<std::string> failing_;
  int probes_ = 0;
};

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = testenv::OpenTestCloud({dir_.path() + "/home"});
    svc_ = std::make_unique<compute::ComposedService>(*base_);
    svc_->Use(vms_).Use(templates_).Use(groups_, &groups_);
    InstanceGroupManager g;
    g.name = "web";
    g.base_instance_name = "web";
    g.self_link = "https://x/compute/v1/projects/local/zones/local-a/instanceGroupManagers/web";
    g.instance_template = TemplateLink("t1");
    g.versions = {{"v1", TemplateLink("t1"), std::nullopt}};
    g.target_size = 3;
    g.update_policy.max_surge = compute::FixedOrPercent{1, std::nullopt, 1};
    g.update_policy.max_unavailable = compute::FixedOrPercent{0, std::nullopt, 0};
    groups_.group_ = g;
    controller_ = std::make_unique<Controller>(*svc_, prober_, "local", [this] { return now_; });
  }

  // Steps until the group reports stable (or `limit` steps), one second each.
  int StepUntilStable(int limit = 30) {
    for (int i = 0; i < limit; ++i) {
      auto r = controller_->Step();
      EXPECT_TRUE(r.ok()) << r.status().message();
      if (r.ok()) {
        for (const auto& g : *r) {
          for (const auto& e : g.errors) ADD_FAILURE() << g.group << ": " << e;
        }
      }
      EXPECT_LE(vms_.Names().size(), 4u) << "step " << i << ": above targetSize + maxSurge";
      now_ += 1000000;
      if (groups_.last_.is_stable) return i;
    }
    return limit;
  }

  base::TempDir dir_;
  std::unique_ptr<compute::Service> base_;
  std::unique_ptr<compute::ComposedService> svc_;
  FakeInstances vms_;
  FakeTemplates templates_;
  FakeGroups groups_{vms_};
  SetProber prober_;
  std::unique_ptr<Controller> controller_;
  int64_t now_ = 1'800'000'000'000'000;
};

TEST_F(ControllerTest, MakesTheGroupWithGceMetadataAndReportsIt) {
  EXPECT_LT(StepUntilStable(), 30);
  auto names = vms_.Names();
  ASSERT_EQ(names.size(), 3u);
  for (const auto& n : names) {
    EXPECT_EQ(n.rfind("web-", 0), 0u) << n;
    EXPECT_EQ(n.size(), 8u) << n;  // web-xxxx
    auto in = vms_.Get("local", "local-a", n);
    EXPECT_EQ(in->metadata.Get("created-by").value_or(""), groups_.group_->self_link);
    EXPECT_EQ(in->metadata.Get("instance-template").value_or(""), TemplateLink("t1"));
    EXPECT_EQ(in->metadata.Get("role").value_or(""), "web");  // The template's own.
    EXPECT_EQ(in->machine_type, "zones/local-a/machineTypes/e2-micro");
  }
  EXPECT_TRUE(groups_.last_.version_target_reached);
  EXPECT_EQ(groups_.last_.current_actions["none"], 3);
}

TEST_F(ControllerTest, HealsAKilledInstanceAndRollsWithinItsBounds) {
  StepUntilStable();
  const std::string victim = vms_.Names()[0];
  vms_.Kill(victim);
  EXPECT_LT(StepUntilStable(), 30);
  EXPECT_EQ(vms_.Get("local", "local-a", victim)->status, "RUNNING");  // Same name.
  EXPECT_EQ(vms_.Names().size(), 3u);
  // A new version: surge 1, unavailable 0 (StepUntilStable checks <= 4).
  groups_.group_->versions = {{"v2", TemplateLink("t2"), std::nullopt}};
  EXPECT_LT(StepUntilStable(), 30);
  for (const auto& n : vms_.Names()) EXPECT_EQ(vms_.TemplateOf(n), TemplateLink("t2"));
  EXPECT_EQ(vms_.Names().size(), 3u);
}

TEST_F(ControllerTest, HealthGatesTheRolloutAndRecreationsAreDone) {
  compute::HealthCheck hc;
  hc.name = "hc";
  hc.type = "HTTP";
  hc.check_interval_sec = 1;
  hc.timeout_sec = 1;
  hc.healthy_threshold = 2;
  hc.unhealthy_threshold = 2;
  hc.http.emplace();
  ASSERT_TRUE(base_->health_checks().Insert("local", hc, {}).ok());
  groups_.group_->auto_healing_policies = {{"global/healthChecks/hc", 1000}};
  EXPECT_LT(StepUntilStable(), 30);
  EXPECT_GT(prober_.probes_, 0);
  // Every new instance fails its check: the rollout stops at one surge.
  groups_.group_->versions = {{"v2", TemplateLink("t2"), std::nullopt}};
  for (int i = 0; i < 10; ++i) {
    for (const auto& n : vms_.Names()) {
      if (vms_.TemplateOf(n) == TemplateLink("t2")) prober_.failing_.insert(n);
    }
    ASSERT_TRUE(controller_->Step().ok());
    now_ += 1000000;
  }
  int old = 0, fresh = 0;
  for (const auto& n : vms_.Names()) (vms_.TemplateOf(n) == TemplateLink("t1") ? old : fresh)++;
  EXPECT_EQ(old, 3);
  EXPECT_EQ(fresh, 1);
  EXPECT_FALSE(groups_.last_.is_stable);
  EXPECT_NE(groups_.last_.waiting.find("waiting for new instances"), std::string::npos);
  // recreateInstances: done by the next step, then no longer pending.
  groups_.group_->versions = {{"v1", TemplateLink("t1"), std::nullopt}};
  StepUntilStable();
  const std::string one = vms_.Names()[0];
  const uint64_t before = vms_.Get("local", "local-a", one)->id;
  groups_.pending_.insert(one);
  ASSERT_TRUE(controller_->Step().ok());
  EXPECT_TRUE(groups_.pending_.empty());
  EXPECT_NE(vms_.Get("local", "local-a", one)->id, before);
}

TEST_F(ControllerTest, OrphansOfAGoneGroupAreDeleted) {
  StepUntilStable();
  groups_.group_.reset();  // Deleted while its instances remained.
  auto r = controller_->Step();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(vms_.Names().empty());
  ASSERT_FALSE(r->empty());
  EXPECT_NE(r->back().did.at(0).find("its group is gone"), std::string::npos);
}

TEST(NewInstanceNameTest, RandomOrSequential) {
  EXPECT_EQ(NewInstanceName("web-###", {"web-001", "web-003"}), "web-002");
  EXPECT_EQ(NewInstanceName("db-#", {}), "db-1");
  std::string n = NewInstanceName("web", {});
  EXPECT_EQ(n.size(), 8u);
  EXPECT_EQ(n.rfind("web-", 0), 0u);
}

}  // namespace
}  // namespace imago::groups
