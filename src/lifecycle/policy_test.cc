#include "lifecycle/policy.h"

#include <gtest/gtest.h>

namespace imago::lifecycle {
namespace {

constexpr compute::TimeUs kDay = 86400 * compute::kMicrosPerSecond;

TEST(PolicyTest, DefaultsAreDocumented) {
  RotationPolicy p;
  const FamilyPolicy& d = p.For("anything");
  EXPECT_FALSE(d.deprecate_age.has_value());
  EXPECT_EQ(d.obsolete_after, 7 * kDay);
  EXPECT_EQ(d.delete_after, 14 * kDay);
  EXPECT_EQ(d.purge_after, 30 * kDay);
  EXPECT_EQ(d.keep, 1);
  EXPECT_EQ(d.min_age, kDay);
}

TEST(PolicyTest, TheIssueExample) {
  auto p = RotationPolicy::Parse(R"(
families:            # before default on purpose: families inherit default anyway
  app:
    keep: 3
default:
  deprecate: superseded
  obsolete_after: 7d
  delete_after: 14d
  purge_after: 30d
  keep: 1
  min_age: 1d
)",
                                 "rotation.yaml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->For("app").keep, 3);
  EXPECT_EQ(p->For("app").obsolete_after, 7 * kDay);
  EXPECT_EQ(p->For("base").keep, 1);
  auto aged = RotationPolicy::Parse("default:\n  deprecate: 30d\n  min_age: 12h\n", "f");
  ASSERT_TRUE(aged.ok());
  EXPECT_EQ(*aged->Default().deprecate_age, 30 * kDay);
  EXPECT_EQ(aged->Default().min_age, kDay / 2);
  EXPECT_TRUE(RotationPolicy::Parse("", "empty.yaml").ok());
}

TEST(PolicyTest, RejectsMalformedPoliciesNamingFileLineKey) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"default:\n  keep: 1\n  colour: red\n", "p.yaml:3: 'default.colour': unknown key"},
      {"default:\n  obsolete_after: -7d\n",
       "p.yaml:2: 'default.obsolete_after': '-7d' is not a duration"},
      {"default:\n  obsolete_after: 7\n", "p.yaml:2: 'default.obsolete_after'"},
      {"default:\n  delete_after: soon\n", "p.yaml:2: 'default.delete_after'"},
      {"default:\n  deprecate: sometimes\n",
       "p.yaml:2: 'default.deprecate': expected 'superseded'"},
      {"default:\n  keep: -1\n", "p.yaml:2: 'default.keep'"},
      {"default:\n  keep: lots\n", "p.yaml:2: 'default.keep'"},
      {"families:\n  App:\n    keep: 2\n", "p.yaml:2: 'families.App'"},
      {"families:\n  app:\n    purge_after: 1y\n", "p.yaml:3: 'families.app.purge_after'"},
      {"defaults:\n  keep: 2\n", "p.yaml:1: 'defaults': unknown key"},
      {"default: [1, 2]\n", "'default': expected a mapping"},
      {"default:\n  keep: [1\n", "p.yaml:"},
      {"- a\n- b\n", "expected 'default:'"},
  };
  for (const auto& c : cases) {
    auto p = RotationPolicy::Parse(c.text, "p.yaml");
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.status().message().find(c.expect), std::string::npos)
        << c.text << " -> " << p.status().message();
  }
  EXPECT_FALSE(RotationPolicy::Load("/no/such/policy.yaml").ok());
}

}  // namespace
}  // namespace imago::lifecycle
