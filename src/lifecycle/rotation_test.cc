#include "lifecycle/rotation.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/testing.h"
#include "compute/counting_service.h"
#include "compute/group_codec.h"
#include "lifecycle/ancestry.h"
#include "lifecycle/release_ledger.h"
#include "testenv/test_cloud.h"

namespace imago::lifecycle {
namespace {

using compute::DeprecationState;
using compute::Image;
using compute::TimeUs;

constexpr TimeUs kDay = 86400 * compute::kMicrosPerSecond;

class RotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t0_ = *compute::ParseTimestamp("2026-01-01T00:00:00Z");
    clock_ = std::make_unique<compute::ManualClock>(t0_);
    cloud_ = testenv::OpenTestCloud({dir_.path() + "/home", clock_.get()});
    std::string src = dir_.path() + "/seed.raw";
    base::WriteFile(src, 4096, 1);
    Image seed;
    seed.name = "seed";
    seed.raw_disk = compute::RawDisk{src, "", ""};
    ASSERT_TRUE(cloud_->images().Insert("local", seed, {}).ok());
  }

  // Creates an image on day `day` (optionally built from `source`).
  void Create(const std::string& name, const std::string& family, int day,
              const std::string& source = "seed") {
    clock_->Set(t0_ + day * kDay);
    Image im;
    im.name = name;
    im.family = family;
    im.source_image = source;
    auto op = cloud_->images().Insert("local", im, {});
    ASSERT_TRUE(op.ok()) << op.status().message();
  }

  // Plans and applies at `day`; returns the plan.
  Plan Rotate(int day, const RotationPolicy& policy = {},
              std::optional<std::string> family = std::nullopt) {
    clock_->Set(t0_ + day * kDay);
    auto plan = PlanRotation(*cloud_, "local", policy, family, clock_->Now());
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    auto r = ApplyPlan(*cloud_, "local", *plan, nullptr);
    EXPECT_TRUE(r.failed.empty());
    return *plan;
  }

  std::string State(const std::string& name) {
    auto im = cloud_->images().Get("local", name);
    if (!im.ok()) return "GONE";
    return im->IsDeprecated() ? compute::DeprecationStateName(im->State()) : "READY";
  }

  std::string Why(const Plan& plan, const std::string& image) {
    for (const auto& s : plan.skips) {
      if (s.image == image) return s.reason;
    }
    for (const auto& c : plan.changes) {
      if (c.image == image) return "change: " + c.from + " -> " + c.to;
    }
    return "absent";
  }

  base::TempDir dir_;
  TimeUs t0_;
  std::unique_ptr<compute::ManualClock> clock_;
  std::unique_ptr<compute::Service> cloud_;
};

// The default policy over 90 days, rotating every day.
TEST_F(RotationTest, NinetyDaysWithTheDefaultPolicy) {
  std::map<int, std::map<std::string, std::string>> seen;
  for (int day = 0; day <= 90; ++day) {
    if (day == 0) Create("v1", "app", 0);
    if (day == 10) Create("v2", "app", 10);
    if (day == 20) Create("v3", "app", 20);
    if (day == 30) Create("v4", "app", 30);
    Rotate(day);
    for (auto n : {"v1", "v2", "v3", "v4"}) seen[day][n] = State(n);
  }
  // v1: kept while it is the newest non-head (day 10), deprecated when v3
  // comes (day 20), obsolete 7 days later, deleted 14 days after that,
  // really deleted 30 days after that.
  EXPECT_EQ(seen[19]["v1"], "READY");
  EXPECT_EQ(seen[20]["v1"], "DEPRECATED");
  EXPECT_EQ(seen[26]["v1"], "DEPRECATED");
  EXPECT_EQ(seen[27]["v1"], "OBSOLETE");
  EXPECT_EQ(seen[40]["v1"], "OBSOLETE");
  EXPECT_EQ(seen[41]["v1"], "DELETED");
  EXPECT_EQ(seen[70]["v1"], "DELETED");
  EXPECT_EQ(seen[71]["v1"], "GONE");
  EXPECT_EQ(seen[30]["v2"], "DEPRECATED");
  EXPECT_EQ(seen[37]["v2"], "OBSOLETE");
  EXPECT_EQ(seen[51]["v2"], "DELETED");
  EXPECT_EQ(seen[81]["v2"], "GONE");
  EXPECT_EQ(seen[90]["v3"], "READY");  // keep: 1.
  EXPECT_EQ(seen[90]["v4"], "READY");  // The head.
  // The dates are written where GCE tools show them.
  clock_->Set(t0_ + 45 * kDay);
  Create("v5", "app", 45);
  Rotate(46);
  auto v3 = cloud_->images().Get("local", "v3");
  ASSERT_TRUE(v3->deprecated.has_value());
  EXPECT_EQ(v3->deprecated->replacement, cloud_->images().Get("local", "v5")->self_link);
  EXPECT_EQ(v3->deprecated->deprecated.substr(0, 10), "2026-02-16");
  EXPECT_EQ(v3->deprecated->obsolete.substr(0, 10), "2026-02-23");
}

TEST_F(RotationTest, AgeBasedDeprecationAndPerFamilyKeep) {
  auto policy = RotationPolicy::Parse(
      "default:\n  deprecate: 30d\n  keep: 0\n  min_age: 0s\nfamilies:\n  big:\n    keep: 2\n",
      "p");
  ASSERT_TRUE(policy.ok());
  for (int i = 0; i < 4; ++i) {
    Create(fmt::format("a{}", i), "small", i);
    Create(fmt::format("b{}", i), "big", i);
  }
  Plan p = Rotate(20, *policy);
  EXPECT_EQ(State("a0"), "READY");  // Superseded but not 30 days old.
  EXPECT_NE(Why(p, "a0").find("DEPRECATED when 4w2d old"), std::string::npos) << Why(p, "a0");
  Rotate(30, *policy);
  EXPECT_EQ(State("a0"), "DEPRECATED");  // 30 days old today.
  EXPECT_EQ(State("a1"), "READY");       // 30 days old tomorrow.
  EXPECT_EQ(State("b0"), "DEPRECATED");
  EXPECT_EQ(State("b1"), "READY");  // keep: 2 -> b2, b1 stay.
  EXPECT_EQ(State("b2"), "READY");
}

TEST_F(RotationTest, NeverTouchesTheHead) {
  Create("only", "app", 0);
  Plan p = Rotate(100);
  EXPECT_EQ(State("only"), "READY");
  EXPECT_EQ(Why(p, "only"), "family head");
}

// Two images created in the same millisecond: which one getFromFamily
// returns is the server's choice, so neither is rotated.
TEST_F(RotationTest, NeverTouchesAnImageAsNewAsTheHead) {
  Create("old", "app", 0);
  Create("mid", "app", 1);
  Create("twin-a", "app", 5);
  Create("twin-b", "app", 5);
  Plan p = Rotate(10, *RotationPolicy::Parse("default:\n  keep: 0\n", "p"));
  EXPECT_EQ(State("twin-a"), "READY");
  EXPECT_EQ(State("twin-b"), "READY");
  EXPECT_EQ(State("mid"), "DEPRECATED");
  EXPECT_EQ(State("old"), "DEPRECATED");
  std::string a = Why(p, "twin-a"), b = Why(p, "twin-b");
  EXPECT_TRUE((a == "family head" && b == "as new as the family head") ||
              (b == "family head" && a == "as new as the family head"))
      << a << " / " << b;
}

TEST_F(RotationTest, NeverTouchesAnImageInUse) {
  Create("base-1", "base", 0);
  Create("base-2", "base", 1);
  Create("base-3", "base", 2);
  Create("app-1", "app", 3, "base-1");  // Built from base-1.
  Plan p = Rotate(10);
  EXPECT_EQ(State("base-1"), "READY");
  EXPECT_EQ(Why(p, "base-1"), "in use by image app-1");
  ASSERT_TRUE(
      cloud_->images()
          .Deprecate("local", "app-1", compute::DeprecationStatus{DeprecationState::kDeleted}, {})
          .ok());
  Rotate(11);  // A DELETED child no longer holds its parent.
  EXPECT_EQ(State("base-1"), "DEPRECATED");
}

// A template's image and the images of an environment's last releases stay:
// a group or a rollback may need them.
TEST_F(RotationTest, NeverTouchesAnImageATemplateOrARecentReleaseUses) {
  for (int i = 1; i <= 9; ++i) Create(fmt::format("app-{}", i), "app", i - 1);
  auto t = compute::InstanceTemplateFromJson(
      {{"name", "web-v1"},
       {"properties",
        {{"machineType", "e2-micro"},
         {"disks",
          {{{"boot", true}, {"initializeParams", {{"sourceImage", "global/images/app-1"}}}}}}}}});
  ASSERT_TRUE(cloud_->instance_templates().Insert("local", *t, {}).ok());
  // A ledger of 7 releases: app-2 (a retired release, beyond the last 5),
  // app-3 (kept: DISABLED), then five more of app-4 .. app-8.
  ReleaseLedger ledger(cloud_->projects(), "local", "web", "prod");
  ASSERT_TRUE(ledger
                  .Update([&](std::vector<Release>* rs, auto*) {
                    const char* states[] = {"RETIRED", "DISABLED", "RETIRED", "RETIRED",
                                            "RETIRED", "RETIRED",  "LIVE"};
                    for (int n = 1; n <= 7; ++n) {
                      Release r;
                      r.number = n;
                      r.state = states[n - 1];
                      r.image_id = std::to_string(
                          cloud_->images().Get("local", fmt::format("app-{}", n + 1))->id);
                      rs->push_back(r);
                    }
                    return compute::Status::OK();
                  })
                  .ok());
  // A policy with a wider rollback window keeps the old release's image too.
  auto wide = RotationPolicy::Parse("releases_kept: 7\n", "policy.yaml");
  ASSERT_TRUE(wide.ok()) << wide.status().message();
  EXPECT_EQ(wide->releases_kept(), 7);
  auto dry = PlanRotation(*cloud_, "local", *wide, std::nullopt, t0_ + 10 * kDay);
  ASSERT_TRUE(dry.ok()) << dry.status().message();
  EXPECT_EQ(Why(*dry, "app-2"), "in use by release web-prod release 1");
  EXPECT_FALSE(RotationPolicy::Parse("releases_kept: 0\n", "policy.yaml").ok());
  Plan p = Rotate(10);
  EXPECT_EQ(Why(p, "app-1"), "in use by template web-v1");
  // An old release's image is not in use (it stays only as the one kept).
  EXPECT_EQ(Why(p, "app-2"), "one of the 1 newest kept usable for rollback (keep: 1)");
  EXPECT_EQ(Why(p, "app-3"), "in use by release web-prod release 2");
  EXPECT_EQ(Why(p, "app-4"), "in use by release web-prod release 3");
  EXPECT_EQ(State("app-4"), "READY");
}

TEST_F(RotationTest, NeverTouchesAnImageADiskOrASnapshotUses) {
  Create("base-1", "base", 0);
  Create("base-2", "base", 1);
  Create("base-3", "base", 2);
  Create("base-4", "base", 3);  // The head; base-3 is the one kept for rollback.
  compute::Disk d1;
  d1.name = "d1";
  d1.source_image = "base-1";
  ASSERT_TRUE(cloud_->disks().Insert("local", "local-a", d1, {}).ok());
  compute::Disk d2 = d1;
  d2.name = "d2";
  d2.source_image = "base-2";
  ASSERT_TRUE(cloud_->disks().Insert("local", "local-b", d2, {}).ok());  // Any zone counts.
  compute::Snapshot s2;
  s2.name = "s2";
  ASSERT_TRUE(cloud_->disks().CreateSnapshot("local", "local-b", "d2", s2, {}).ok());
  compute::Disk d3;
  d3.name = "d3";
  d3.source_snapshot = "s2";
  ASSERT_TRUE(cloud_->disks().Insert("local", "local-a", d3, {}).ok());
  Plan p = Rotate(10);
  EXPECT_EQ(State("base-1"), "READY");
  EXPECT_EQ(Why(p, "base-1"), "in use by disk d1");
  EXPECT_EQ(State("base-2"), "READY");
  std::string why = Why(p, "base-2");
  EXPECT_EQ(why, "in use by disk d3 (and 2 more)") << why;  // d3 (from s2), d2, s2.
  ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "d1", {}).ok());
  Plan after = Rotate(11);
  EXPECT_EQ(State("base-1"), "DEPRECATED") << Why(after, "base-1");
  EXPECT_EQ(State("base-2"), "READY");
}

TEST_F(RotationTest, NeverTouchesAnImageYoungerThanMinAge) {
  Create("v1", "app", 0);
  Create("v2", "app", 1);
  Create("v3", "app", 2);
  auto policy = RotationPolicy::Parse("default:\n  keep: 0\n  min_age: 5d\n", "p");
  clock_->Set(t0_ + 3 * kDay);
  auto p = PlanRotation(*cloud_, "local", *policy, std::nullopt, clock_->Now());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->changes.empty());
  EXPECT_NE(Why(*p, "v1").find("younger than min_age 5d"), std::string::npos) << Why(*p, "v1");
}

TEST_F(RotationTest, NeverTouchesTheKeepNewest) {
  for (int i = 0; i < 5; ++i) Create(fmt::format("v{}", i), "app", i);
  auto policy = RotationPolicy::Parse("default:\n  keep: 2\n", "p");
  Plan p = Rotate(10, *policy);
  EXPECT_EQ(State("v3"), "READY");
  EXPECT_EQ(State("v2"), "READY");
  EXPECT_EQ(State("v1"), "DEPRECATED");
  EXPECT_EQ(State("v0"), "DEPRECATED");
  EXPECT_NE(Why(p, "v3").find("keep: 2"), std::string::npos);
}

TEST_F(RotationTest, NeverTouchesAnImageLabelledKeep) {
  Create("v1", "app", 0);
  Create("v2", "app", 1);
  Create("v3", "app", 2);
  auto v1 = cloud_->images().Get("local", "v1");
  ASSERT_TRUE(cloud_->images()
                  .SetLabels("local", "v1", {{"imago-keep", "true"}}, v1->label_fingerprint, {})
                  .ok());
  Plan p = Rotate(10);
  EXPECT_EQ(State("v1"), "READY");
  EXPECT_EQ(Why(p, "v1"), "labelled imago-keep=true");
}

TEST_F(RotationTest, IdempotentAndCallsAreChangesPlusLists) {
  for (int i = 0; i < 6; ++i) Create(fmt::format("v{}", i), "app", i);
  compute::CountingService counted(*cloud_);
  clock_->Set(t0_ + 100 * kDay);
  auto plan = PlanRotation(counted, "local", {}, std::nullopt, clock_->Now());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(counted.Total(), plan->list_calls);  // Planning only lists.
  EXPECT_EQ(counted.Count("images.list"), 1);
  ASSERT_EQ(plan->changes.size(), 4u);  // v0..v3 -> DEPRECATED (v4 kept, v5 head).
  counted.Reset();
  auto r = ApplyPlan(counted, "local", *plan, nullptr);
  EXPECT_EQ(r.applied, 4);
  EXPECT_EQ(counted.Total(), 4);  // One call per change.
  // Again at the same time: nothing left to do.
  auto again = PlanRotation(*cloud_, "local", {}, std::nullopt, clock_->Now());
  EXPECT_TRUE(again->changes.empty());
}

TEST_F(RotationTest, SchedulesDatesForManualDeprecations) {
  Create("v1", "app", 0);
  Create("v2", "app", 1);
  Create("v3", "app", 2);
  ASSERT_TRUE(
      cloud_->images()
          .Deprecate("local", "v1", compute::DeprecationStatus{DeprecationState::kObsolete}, {})
          .ok());
  Plan p = Rotate(5);
  EXPECT_EQ(Why(p, "v1"), "change: OBSOLETE -> OBSOLETE");
  EXPECT_EQ(cloud_->images().Get("local", "v1")->deprecated->deleted.substr(0, 10), "2026-01-20");
}

TEST_F(RotationTest, AFamilyThatDoesNotExistIsAnError) {
  auto p = PlanRotation(*cloud_, "local", {}, std::string("ghost"), clock_->Now());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), compute::Code::kNotFound);
}

TEST_F(RotationTest, OutdatedOnAThreeLevelChain) {
  Create("base-1", "base", 0);
  Create("app-1", "app", 1, "base-1");
  Create("prod-1", "prod", 2, "app-1");
  auto all = [&] { return cloud_->images().List("local", {})->items; };
  auto images = all();
  EXPECT_TRUE(FindOutdated(images, std::nullopt).empty());
  Create("base-2", "base", 3);  // The base moves.
  images = all();
  auto out = FindOutdated(images, std::nullopt);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].image->name, "app-1");
  EXPECT_EQ(out[0].stale->name, "base-1");
  EXPECT_EQ(out[0].head->name, "base-2");
  EXPECT_EQ(out[0].depth, 1);
  EXPECT_EQ(out[1].image->name, "prod-1");
  EXPECT_EQ(out[1].stale->name, "base-1");
  EXPECT_EQ(out[1].depth, 2);
  EXPECT_EQ(FindOutdated(images, std::string("prod")).size(), 1u);
  // Rebuild in order: app on the new base; prod is then outdated through
  // its parent, the nearest stale ancestor.
  Create("app-2", "app", 4, "base-2");
  images = all();
  out = FindOutdated(images, std::nullopt);
  ASSERT_EQ(out.size(), 1u);  // app-1 is no longer app's head: rotation's, not a rebuild's.
  EXPECT_EQ(out[0].image->name, "prod-1");
  EXPECT_EQ(out[0].stale->name, "app-1");
  EXPECT_EQ(out[0].head->name, "app-2");
  EXPECT_EQ(out[0].depth, 1);
  // Then prod on the new app: every family's head is on its parents' heads.
  Create("prod-2", "prod", 5, "app-2");
  images = all();
  EXPECT_TRUE(FindOutdated(images, std::nullopt).empty());
}

TEST_F(RotationTest, OutdatedWhenAnAncestorIsGoneButNotForACopyOfItsOwnFamily) {
  Create("base-1", "base", 0);
  Create("app-1", "app", 1, "base-1");
  Create("prod-1", "prod", 2, "app-1");
  Create("pg-1", "pg", 3);
  Create("pg-2", "pg", 4, "pg-1");  // images create --source-image pg-1 --family pg
  auto all = [&] { return cloud_->images().List("local", {})->items; };
  auto images = all();
  EXPECT_TRUE(FindOutdated(images, std::nullopt).empty());
  ASSERT_TRUE(cloud_->images().Delete("local", "base-1", {}).ok());
  images = all();
  auto out = FindOutdated(images, std::nullopt);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].image->name, "app-1");
  EXPECT_EQ(out[0].stale, nullptr);
  EXPECT_EQ(out[0].gone, "base-1");
  EXPECT_EQ(out[0].depth, 1);
  EXPECT_EQ(out[1].image->name, "prod-1");
  EXPECT_EQ(out[1].gone, "base-1");
  EXPECT_EQ(out[1].depth, 2);
}

TEST_F(RotationTest, StaleDisksAreThoseOnAnImageTheFamilyMovedPast) {
  Create("base-1", "base", 0);
  Create("app-1", "app", 1, "base-1");
  Create("app-2", "app", 2, "base-1");
  Create("tmp-1", "tmp", 3);
  auto images = cloud_->images().List("local", {})->items;
  auto image_named = [&](const std::string& name) {
    for (const auto& im : images)
      if (im.name == name) return im;
    ADD_FAILURE() << name;
    return Image{};
  };
  auto disk = [&](const std::string& name, const Image& im) {
    compute::Disk d;
    d.name = name;
    d.self_link =
        "https://compute.googleapis.com/compute/v1/projects/local/zones/local-a/disks/" + name;
    d.source_image = im.self_link;
    d.source_image_id = std::to_string(im.id);
    return d;
  };
  Image gone = image_named("tmp-1");
  std::vector<compute::Disk> disks = {disk("on-head", image_named("app-2")),
                                      disk("on-old", image_named("app-1")), disk("on-gone", gone),
                                      disk("from-snapshot", Image{})};
  disks[3].source_snapshot = "global/snapshots/s";
  ASSERT_TRUE(cloud_->images().Delete("local", "tmp-1", {}).ok());
  images = cloud_->images().List("local", {})->items;
  auto stale = FindStaleDisks(disks, images, std::nullopt);
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_EQ(stale[0].disk->name, "on-old");
  EXPECT_EQ(stale[0].why, "app-1 is no longer the head of app (now app-2)");
  EXPECT_EQ(stale[1].disk->name, "on-gone");
  EXPECT_EQ(stale[1].image, nullptr);
  EXPECT_EQ(stale[1].why, "tmp-1 no longer exists");
  // The base moves: a disk on app's head is now on an outdated chain.
  Create("base-2", "base", 4);
  images = cloud_->images().List("local", {})->items;
  stale = FindStaleDisks(disks, images, std::string("app"));
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_EQ(stale[0].disk->name, "on-head");
  EXPECT_EQ(stale[0].why, "app-2 is built on base-1, no longer the head of base (now base-2)");
  EXPECT_EQ(stale[1].disk->name, "on-old");  // The gone one has no family: not app's.
}

TEST_F(RotationTest, SimulationGivesEachImagesStateOnALaterDateAndChangesNothing) {
  Create("v1", "app", 0);
  Create("v2", "app", 1);
  Create("v3", "app", 2);
  auto at = [&](int day) {
    auto s = SimulateRotation(*cloud_, "local", {}, std::nullopt, t0_ + 2 * kDay, t0_ + day * kDay);
    EXPECT_TRUE(s.ok()) << s.status().message();
    std::map<std::string, FutureState> by;
    for (auto& f : *s) by[f.image] = f;
    return by;
  };
  // Default policy: DEPRECATED on the first run (day 2), OBSOLETE 7 days
  // later, DELETED 14 days after that, gone 30 days after that.
  auto s = at(32);
  EXPECT_EQ(s["v1"].now, "READY");
  EXPECT_EQ(s["v1"].then, "DELETED");
  EXPECT_EQ(s["v1"].since.substr(0, 10), compute::FormatRfc3339(t0_ + 23 * kDay).substr(0, 10));
  EXPECT_EQ(s["v2"].then, "READY");
  EXPECT_EQ(s["v2"].why, "one of the 1 newest kept usable for rollback (keep: 1)");
  EXPECT_EQ(s["v3"].why, "family head");
  EXPECT_EQ(at(5)["v1"].then, "DEPRECATED");
  EXPECT_EQ(at(60)["v1"].then, "PURGED");
  EXPECT_EQ(State("v1"), "READY");  // Only simulated.
  EXPECT_FALSE(
      SimulateRotation(*cloud_, "local", {}, std::nullopt, t0_ + 2 * kDay, t0_ + kDay).ok());
}

TEST(PurgeLabelTest, RoundTrip) {
  TimeUs t = *compute::ParseTimestamp("2026-12-26T14:30:05Z");
  EXPECT_EQ(PurgeLabelValue(t), "20261226-143005");
  EXPECT_EQ(ParsePurgeLabel("20261226-143005"), t);
  EXPECT_FALSE(ParsePurgeLabel("2026-12-26"));
  EXPECT_FALSE(ParsePurgeLabel("20261399-143005"));
}

}  // namespace
}  // namespace imago::lifecycle
