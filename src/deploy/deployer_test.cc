// The deployer's decisions against a real local cloud (SQLite catalog, no
// VMs): plans, refusals, the ledger, rollback targets, promotion checks and
// reaping. Applying a release with real VMs, health checks and traffic is
// tests/vm/deploy_test.sh.
#include "deploy/deployer.h"

#include <gtest/gtest.h>

#include <sys/time.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "base/testing.h"
#include "compute/group_codec.h"
#include "deploy/teardown.h"
#include "testenv/test_cloud.h"

namespace imago::deploy {
namespace {

using lifecycle::Release;
using lifecycle::ReleaseLedger;
namespace state = lifecycle::release_state;

class DeployerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ =
        std::make_unique<compute::ManualClock>(*compute::ParseTimestamp("2026-11-28T10:00:00Z"));
    cloud_ = testenv::OpenTestCloud({dir_.path() + "/home", clock_.get()});
    deployer_ = std::make_unique<Deployer>(*cloud_, *clock_, "tester@host", 10);
  }

  void Image(const std::string& name, const std::string& family) {
    std::string src = dir_.path() + "/" + name + ".raw";
    base::WriteFile(src, 64 * 1024, static_cast<int>(std::hash<std::string>()(name)));
    compute::Image im;
    im.name = name;
    im.family = family;
    im.raw_disk = compute::RawDisk{src, "", ""};
    clock_->Advance(60 * compute::kMicrosPerSecond);
    ASSERT_TRUE(cloud_->images().Insert("local", im, {}).ok());
  }

  Environment Env(const std::string& name, const std::string& extra = "") {
    std::string p = dir_.path() + "/" + name + ".yaml";
    std::ofstream(p) << "service: web\nimage: {family: app}\nsize: 2\nload_balancer: {port: "
                        "18080}\n"
                     << extra;
    auto env = LoadEnvironment(p);
    EXPECT_TRUE(env.ok()) << env.status().message();
    env->project = "local";
    env->zone = "local-a";
    return *env;
  }

  // Writes `r` into env's ledger as if a deploy had.
  void Put(const Environment& env, Release r) {
    ReleaseLedger ledger(cloud_->projects(), "local", env.service, env.name);
    ASSERT_TRUE(ledger
                    .Update([&](std::vector<Release>* rs, auto*) {
                      rs->push_back(r);
                      return compute::Status::OK();
                    })
                    .ok());
  }

  std::string ImageId(const std::string& name) {
    return std::to_string(cloud_->images().Get("local", name)->id);
  }

  // A group as a release would have made it (no instances: size 0).
  void Group(const std::string& name, const std::string& image) {
    auto t = compute::InstanceTemplateFromJson(
        {{"name", name},
         {"properties",
          {{"machineType", "e2-micro"},
           {"disks",
            {{{"boot", true},
              {"initializeParams", {{"sourceImage", "global/images/" + image}}}}}}}}});
    ASSERT_TRUE(cloud_->instance_templates().Insert("local", *t, {}).ok());
    auto g = compute::InstanceGroupManagerFromJson(
        {{"name", name}, {"instanceTemplate", name}, {"targetSize", 0}});
    ASSERT_TRUE(cloud_->instance_group_managers().Insert("local", "local-a", *g, {}).ok());
  }

  Release Live(int n, const std::string& image, const Environment& env) {
    Release r;
    r.number = n;
    r.service = env.service;
    r.env = env.name;
    r.zone = env.zone;
    r.kind = "deploy";
    r.state = state::kLive;
    r.image = image;
    r.image_id = ImageId(image);
    r.group = r.instance_template = fmt::format("web-{}-v{:03d}", env.name, n);
    r.strategy = "red-black";
    r.model = "push";
    r.config_hash = ConfigHash(env);
    r.size = env.size;
    return r;
  }

  base::TempDir dir_;
  std::unique_ptr<compute::ManualClock> clock_;
  std::unique_ptr<compute::Service> cloud_;
  std::unique_ptr<Deployer> deployer_;
};

TEST_F(DeployerTest, TheFirstPlanPinsTheFamilyHeadAndMakesEverything) {
  Image("app-v1", "app");
  Image("app-v2", "app");
  auto plan = deployer_->PlanDeploy(Env("dev"));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->release, 1);
  EXPECT_EQ(plan->image, "app-v2");
  EXPECT_EQ(plan->image_id, ImageId("app-v2"));
  EXPECT_EQ(plan->why, "first release");
  EXPECT_EQ(plan->group, "web-dev-v001");
  EXPECT_EQ(plan->instance_template, "web-dev-v001");
  std::string text = FormatPlan(*plan);
  EXPECT_NE(text.find("release 1 of web (red-black, push)"), std::string::npos) << text;
  EXPECT_NE(text.find("+ instance template web-dev-v001"), std::string::npos) << text;
  EXPECT_NE(text.find("+ group web-dev-v001"), std::string::npos) << text;
  EXPECT_NE(text.find("+ load balancer web-dev"), std::string::npos) << text;
  // Planning changed nothing.
  EXPECT_TRUE(deployer_->Releases(Env("dev"))->empty());
  EXPECT_FALSE(cloud_->instance_templates().Get("local", "web-dev-v001").ok());
}

TEST_F(DeployerTest, TheWhySaysWhatMoved) {
  Image("app-v7", "app");
  Environment env = Env("dev");
  Put(env, Live(3, "app-v7", env));
  Group("web-dev-v003", "app-v7");
  // Same image, same configuration: nothing to do.
  auto same = deployer_->PlanDeploy(env);
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_FALSE(same->changes());
  EXPECT_NE(FormatPlan(*same).find("no changes; release 3 serves"), std::string::npos);
  // The family moves.
  Image("app-v8", "app");
  auto moved = deployer_->PlanDeploy(env);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->release, 4);
  EXPECT_EQ(moved->why, "family app moved from app-v7 to app-v8");
  EXPECT_NE(FormatPlan(*moved).find("~ backend service web-dev"), std::string::npos);
  EXPECT_NE(FormatPlan(*moved).find("- group web-dev-v003"), std::string::npos);
  // A configuration change alone is a release too.
  Environment changed = Env("dev", "config: {A: b}\n");
  Put(changed, Live(4, "app-v8", env));
  Group("web-dev-v004", "app-v8");
  auto config = deployer_->PlanDeploy(changed);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->release, 5);
  EXPECT_EQ(config->why, "configuration changed");
}

TEST_F(DeployerTest, RefusesImagesThatCannotRun) {
  EXPECT_EQ(deployer_->PlanDeploy(Env("dev")).status().code(), compute::Code::kNotFound);
  Image("app-v1", "app");
  compute::DeprecationStatus obsolete;
  obsolete.state = compute::DeprecationState::kObsolete;
  ASSERT_TRUE(cloud_->images().Deprecate("local", "app-v1", obsolete, {}).ok());
  auto pinned = Env("dev");
  pinned.image_family.clear();
  pinned.image = "app-v1";
  auto plan = deployer_->PlanDeploy(pinned);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), compute::Code::kResourceNotReady);
  EXPECT_NE(plan.status().message().find("'app-v1' is OBSOLETE"), std::string::npos)
      << plan.status().message();
}

TEST_F(DeployerTest, AnInterruptedReleaseIsContinuedOrAbandoned) {
  Image("app-v1", "app");
  Environment env = Env("dev");
  Release r = Live(1, "app-v1", env);
  r.state = state::kDeploying;
  r.why = "first release";
  Put(env, r);
  auto plan = deployer_->PlanDeploy(env);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->resume);
  EXPECT_EQ(plan->release, 1);
  EXPECT_NE(FormatPlan(*plan).find("continuing an interrupted run"), std::string::npos);
  // With another configuration: a new release, and the old one goes.
  auto other = deployer_->PlanDeploy(Env("dev", "config: {A: b}\n"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->resume);
  EXPECT_EQ(other->release, 2);
  EXPECT_NE(FormatPlan(*other).find("- release 1"), std::string::npos);
}

TEST_F(DeployerTest, RollbackReenablesTheWarmGroupElseRedeploysItsImage) {
  Image("app-v1", "app");
  Image("app-v2", "app");
  Environment env = Env("prod");
  EXPECT_EQ(deployer_->PlanRollback(env, 0).status().code(), compute::Code::kInvalid);
  Release one = Live(1, "app-v1", env);
  one.state = state::kDisabled;
  Put(env, one);
  Put(env, Live(2, "app-v2", env));
  Group("prod-dummy", "app-v1");  // Unrelated.
  // Release 1's group is gone: its image again, as release 3.
  auto cold = deployer_->PlanRollback(env, 0);
  ASSERT_TRUE(cold.ok()) << cold.status().message();
  EXPECT_FALSE(cold->warm);
  EXPECT_EQ(cold->image, "app-v1");
  EXPECT_EQ(cold->release, 3);
  EXPECT_NE(cold->why.find("rollback from release 2 to release 1"), std::string::npos);
  EXPECT_NE(cold->why.find("are gone"), std::string::npos);
  // Warm: its group still runs, so it is re-enabled, no boot.
  Group("web-prod-v001", "app-v1");
  auto warm = deployer_->PlanRollback(env, 0);
  ASSERT_TRUE(warm.ok());
  EXPECT_TRUE(warm->warm);
  EXPECT_EQ(warm->group, "web-prod-v001");
  EXPECT_EQ(warm->size, 2);
  EXPECT_NE(FormatPlan(*warm).find("no boot"), std::string::npos) << FormatPlan(*warm);
  // Named targets: the live one and unknown ones are refused.
  EXPECT_EQ(deployer_->PlanRollback(env, 2).status().code(), compute::Code::kInvalid);
  EXPECT_EQ(deployer_->PlanRollback(env, 9).status().code(), compute::Code::kNotFound);
}

TEST_F(DeployerTest, PromotionNeedsAHealthyLiveReleaseOfTheSameImage) {
  Image("app-v1", "app");
  Environment dev = Env("dev"), prod = Env("prod");
  auto none = deployer_->PlanPromotion(dev, prod);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("dev has no live release"), std::string::npos);
  Put(dev, Live(1, "app-v1", dev));
  Group("web-dev-v001", "app-v1");  // No instance: not healthy.
  auto sick = deployer_->PlanPromotion(dev, prod);
  ASSERT_FALSE(sick.ok());
  EXPECT_NE(sick.status().message().find("dev is not healthy (0 of 0"), std::string::npos)
      << sick.status().message();
}

TEST_F(DeployerTest, ReapDeletesExpiredGroupsAndKeepsTheRollbackTarget) {
  Image("app-v1", "app");
  Environment env = Env("dev");
  for (int n : {1, 2}) Group(fmt::format("web-dev-v{:03d}", n), "app-v1");
  Release one = Live(1, "app-v1", env), two = Live(1, "app-v1", env);
  one.state = state::kDisabled;
  one.expires_at = "2026-11-28T11:00:00Z";
  Put(env, one);
  two = Live(2, "app-v1", env);
  Put(env, two);
  // Within its window: kept.
  auto kept = deployer_->Reap(env);
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  EXPECT_TRUE(kept->empty());
  EXPECT_TRUE(cloud_->instance_group_managers().Get("local", "local-a", "web-dev-v001").ok());
  // Past it: the group and its template go, the release is RETIRED.
  clock_->Advance(2 * 3600 * compute::kMicrosPerSecond);
  auto reaped = deployer_->Reap(env);
  ASSERT_TRUE(reaped.ok()) << reaped.status().message();
  EXPECT_FALSE(cloud_->instance_group_managers().Get("local", "local-a", "web-dev-v001").ok());
  EXPECT_TRUE(cloud_->instance_group_managers().Get("local", "local-a", "web-dev-v002").ok());
  auto rs = deployer_->Releases(env);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ((*rs)[0].state, state::kRetired);
  EXPECT_EQ((*rs)[1].state, state::kLive);
}

// Secrets: resolved at plan time (a failure changes nothing), compared with
// the live release's bundle, never printed; bundles go with their template.
TEST_F(DeployerTest, SecretsAreResolvedAtPlanTimeAndNeverShown) {
  constexpr const char* kValue = "s3cret-7f3a-value";
  Image("app-v1", "app");
  const std::string extra = "secrets: {DB_PASSWORD: env:TEST_DB_PASSWORD}\n";
  // Without a store (GCE): refused, naming why.
  auto gce = deployer_->PlanDeploy(Env("dev", extra));
  ASSERT_FALSE(gce.ok());
  EXPECT_NE(gce.status().message().find("only the local cloud can hand secrets"), std::string::npos)
      << gce.status().message();

  std::map<std::string, std::string> vars;
  secrets::ResolverOptions opts;
  opts.getenv = [&vars](const char* n) -> const char* {
    auto it = vars.find(n);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  secrets::BundleStore store(dir_.path() + "/home");
  deployer_->set_secrets(&store, opts);
  Environment env = Env("dev", extra);
  auto unset = deployer_->PlanDeploy(env);
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.status().message().find(
                "secret DB_PASSWORD (env:TEST_DB_PASSWORD): the variable TEST_DB_PASSWORD is not "
                "set; nothing was changed"),
            std::string::npos)
      << unset.status().message();

  vars["TEST_DB_PASSWORD"] = kValue;
  auto plan = deployer_->PlanDeploy(env);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->secret_values.size(), 1u);
  EXPECT_EQ(plan->secret_values[0].second, kValue);
  std::string shown = FormatPlan(*plan) + PlanToJson(*plan).dump();
  EXPECT_EQ(shown.find(kValue), std::string::npos) << shown;
  EXPECT_NE(shown.find("1 secret(s) handed over at boot"), std::string::npos) << shown;
  EXPECT_TRUE(store.List("local").empty());  // A plan writes nothing.

  // Live with the same values: nothing to do; a changed value: a release.
  Group("web-dev-v001", "app-v1");
  Put(env, Live(1, "app-v1", env));
  ASSERT_TRUE(store.Put("local", "web-dev-v001", {{"DB_PASSWORD", kValue}}).ok());
  auto same = deployer_->PlanDeploy(env);
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_FALSE(same->changes());
  vars["TEST_DB_PASSWORD"] = "rotated-value";
  auto rotated = deployer_->PlanDeploy(env);
  ASSERT_TRUE(rotated.ok()) << rotated.status().message();
  EXPECT_EQ(rotated->release, 2);
  EXPECT_EQ(rotated->why, "secrets changed: DB_PASSWORD");

  // The controller's sweep: a bundle whose template is gone goes, unless a
  // deploy that is making that template is under way.
  ASSERT_TRUE(store.Put("local", "web-dev-v007", {{"DB_PASSWORD", kValue}}).ok());
  ASSERT_TRUE(store.Put("local", "web-dev-v008", {{"DB_PASSWORD", kValue}}).ok());
  // Written an hour ago: a bundle written within 10 minutes may be a
  // deploy's that the sweep's read of the ledgers missed.
  for (const char* b : {"web-dev-v007", "web-dev-v008"}) {
    std::string f = dir_.path() + "/home/secrets/local/" + b + ".json";
    struct timeval old[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
    ASSERT_EQ(utimes(f.c_str(), old), 0) << f;
  }
  ASSERT_TRUE(store.Put("local", "web-dev-v009", {{"DB_PASSWORD", kValue}}).ok());  // Just now.
  Release making = Live(8, "app-v1", env);
  making.state = state::kDeploying;
  Put(env, making);
  auto swept = ReapAll(*cloud_, *clock_, "local", &store);
  ASSERT_TRUE(swept.ok()) << swept.status().message();
  EXPECT_EQ(store.List("local"),
            (std::vector<std::string>{"web-dev-v001", "web-dev-v008", "web-dev-v009"}));
}

// kind: instance: the plan makes a disk and a VM, no group or load
// balancer; the ledger's VM releases keep their secrets bundle from the
// controller's sweep (they have no template), until they are reaped.
TEST_F(DeployerTest, AKindInstancePlanMakesOneVmAndItsDisksAndKeepsItsSecrets) {
  Image("db-v1", "db");
  std::string p = dir_.path() + "/db.yaml";
  std::ofstream(p) << "service: pg\nkind: instance\nimage: {family: db}\n"
                      "data_disks: {data: {size: 2GB}}\n";
  auto loaded = LoadEnvironment(p);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  Environment env = *loaded;
  env.project = "local";
  env.zone = "local-a";
  auto plan = deployer_->PlanDeploy(env);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->release, 1);
  EXPECT_EQ(plan->instance, "pg-db");
  EXPECT_EQ(plan->group, "");
  EXPECT_EQ(plan->instance_template, "pg-db-v001");  // Its health check and bundle.
  std::string text = FormatPlan(*plan);
  EXPECT_NE(text.find("deploy db: release 1 of pg (replace, push)"), std::string::npos) << text;
  EXPECT_NE(text.find("+ disk pg-db-data"), std::string::npos) << text;
  EXPECT_NE(text.find("+ instance pg-db"), std::string::npos) << text;
  EXPECT_EQ(text.find("group"), std::string::npos) << text;
  EXPECT_EQ(text.find("load balancer"), std::string::npos) << text;
  EXPECT_EQ(PlanToJson(*plan)["instance"], "pg-db");

  secrets::BundleStore store(dir_.path() + "/home");
  Release live = Live(1, "db-v1", env);
  live.group.clear();
  live.instance = "pg-db";
  live.instance_template = "pg-db-v001";
  live.strategy = "replace";
  Put(env, live);
  // The same environment as a group: refused, its resources differ.
  std::ofstream(p) << "service: pg\nimage: {family: db}\nload_balancer: {port: 18081}\n";
  auto as_group = LoadEnvironment(p);
  ASSERT_TRUE(as_group.ok()) << as_group.status().message();
  as_group->project = "local";
  as_group->zone = "local-a";
  auto refused = deployer_->PlanDeploy(*as_group);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(
                "kind: group but release 1 of db runs as VM pg-db; destroy the environment first"),
            std::string::npos)
      << refused.status().message();
  for (const char* b : {"pg-db-v001", "pg-db-v002"}) {
    ASSERT_TRUE(store.Put("local", b, {{"DB_PASSWORD", "x"}}).ok());
    std::string f = dir_.path() + "/home/secrets/local/" + b + ".json";
    struct timeval old[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
    ASSERT_EQ(utimes(f.c_str(), old), 0) << f;
  }
  auto swept = ReapAll(*cloud_, *clock_, "local", &store);
  ASSERT_TRUE(swept.ok()) << swept.status().message();
  // v001 is the live VM's; v002 no release names.
  EXPECT_EQ(store.List("local"), (std::vector<std::string>{"pg-db-v001"}));
}

// env destroy: what the environment made goes, nothing else; a rerun of a
// half-done destroy finishes it; a ttl that ended destroys it.
TEST_F(DeployerTest, DestroyDeletesWhatTheEnvironmentMadeAndNothingElse) {
  Image("app-v1", "app");
  Environment env = Env("dev", "ttl: 1h\n");
  for (const char* g : {"web-dev-v001", "web-dev-v002", "web-devx-v001", "web-qa-v001"}) {
    Group(g, "app-v1");
  }
  auto hc = compute::HealthCheckFromJson(
      {{"name", "web-dev-v002"}, {"type", "TCP"}, {"tcpHealthCheck", {{"port", 80}}}});
  ASSERT_TRUE(cloud_->health_checks().Insert("local", *hc, {}).ok());
  secrets::BundleStore store(dir_.path() + "/home");
  ASSERT_TRUE(store.Put("local", "web-dev-v002", {{"A", "x"}}).ok());
  ASSERT_TRUE(store.Put("local", "web-qa-v001", {{"A", "x"}}).ok());
  Release one = Live(1, "app-v1", env), two = Live(2, "app-v1", env);
  one.state = state::kDisabled;
  two.config_key = "imago-config-web-dev-2";
  two.env_expires_at = "2026-11-28T11:00:00Z";
  Put(env, one);
  ReleaseLedger ledger(cloud_->projects(), "local", "web", "dev");
  ASSERT_TRUE(ledger
                  .Update([&](std::vector<Release>* rs, auto* extra) {
                    rs->push_back(two);
                    extra->emplace_back("imago-config-web-dev-2", "A eA==\n");
                    extra->emplace_back("unrelated", "kept");
                    return compute::Status::OK();
                  })
                  .ok());
  Release qa = Live(1, "app-v1", Env("qa"));
  Put(Env("qa"), qa);

  auto envs = ListEnvironments(*cloud_, *clock_, "local");
  ASSERT_TRUE(envs.ok()) << envs.status().message();
  ASSERT_EQ(envs->size(), 2u);
  EXPECT_EQ((*envs)[0].env, "dev");
  EXPECT_EQ((*envs)[0].live, 2);
  EXPECT_EQ((*envs)[0].expires_at, "2026-11-28T11:00:00Z");
  EXPECT_FALSE((*envs)[0].expired);
  EXPECT_EQ((*envs)[1].expires_at, "");

  auto plan = PlanTeardown(*cloud_, &store, "local", "web", "dev");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(
      plan->resources,
      (std::vector<std::string>{
          "group web-dev-v001", "group web-dev-v002", "instance template web-dev-v001",
          "instance template web-dev-v002", "health check web-dev-v002", "secrets web-dev-v002",
          "metadata imago-config-web-dev-2", "ledger imago-releases-web-dev"}));
  // Nothing expired yet.
  auto none = DestroyExpired(*cloud_, *clock_, &store, "local");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // An hour later the ttl has ended: destroyed, as the controller does it.
  clock_->Advance(3600 * compute::kMicrosPerSecond);
  auto did = DestroyExpired(*cloud_, *clock_, &store, "local");
  ASSERT_TRUE(did.ok()) << did.status().message();
  ASSERT_EQ(did->size(), 1u);
  EXPECT_NE((*did)[0].find("web-dev: its ttl ended at 2026-11-28T11:00:00Z; destroyed"),
            std::string::npos)
      << (*did)[0];
  for (const char* g : {"web-dev-v001", "web-dev-v002"}) {
    EXPECT_FALSE(cloud_->instance_group_managers().Get("local", "local-a", g).ok()) << g;
    EXPECT_FALSE(cloud_->instance_templates().Get("local", g).ok()) << g;
  }
  EXPECT_FALSE(cloud_->health_checks().Get("local", "web-dev-v002").ok());
  for (const char* g : {"web-devx-v001", "web-qa-v001"}) {
    EXPECT_TRUE(cloud_->instance_group_managers().Get("local", "local-a", g).ok()) << g;
  }
  EXPECT_EQ(store.List("local"), (std::vector<std::string>{"web-qa-v001"}));
  auto md = cloud_->projects().Get("local")->common_instance_metadata;
  EXPECT_FALSE(md.Get("imago-config-web-dev-2").has_value());
  EXPECT_FALSE(md.Get(lifecycle::LedgerKey("web", "dev")).has_value());
  EXPECT_EQ(md.Get("unrelated").value_or(""), "kept");
  EXPECT_TRUE(md.Get(lifecycle::LedgerKey("web", "qa")).has_value());
  EXPECT_TRUE(cloud_->images().Get("local", "app-v1").ok());  // Images are never deleted.
  // Destroyed: nothing left to find.
  auto again = PlanTeardown(*cloud_, &store, "local", "web", "dev");
  EXPECT_EQ(again.status().code(), compute::Code::kNotFound) << again.status().message();
}

TEST_F(DeployerTest, TheLedgerNeverLosesAConcurrentWrite) {
  Environment env = Env("dev");
  ReleaseLedger a(cloud_->projects(), "local", "web", "dev");
  ReleaseLedger b(cloud_->projects(), "local", "web", "dev");
  int calls = 0;
  // `a` reads, `b` writes in between, `a`'s write is refused and redone.
  ASSERT_TRUE(a.Update([&](std::vector<Release>* rs, auto*) {
                 if (calls++ == 0) {
                   EXPECT_TRUE(b.Update([](std::vector<Release>* r2, auto*) {
                                  Release r;
                                  r.number = 1;
                                  r2->push_back(r);
                                  return compute::Status::OK();
                                }).ok());
                 }
                 Release r;
                 r.number = static_cast<int>(rs->size()) + 1;
                 rs->push_back(r);
                 return compute::Status::OK();
               }).ok());
  EXPECT_EQ(calls, 2);
  auto rs = a.Read();
  ASSERT_TRUE(rs.ok());
  ASSERT_EQ(rs->size(), 2u);
  EXPECT_EQ((*rs)[1].number, 2);
  // Other keys of the project's metadata are kept.
  auto p = cloud_->projects().Get("local");
  EXPECT_TRUE(p->common_instance_metadata.Get(lifecycle::LedgerKey("web", "dev")));
}

}  // namespace
}  // namespace imago::deploy
