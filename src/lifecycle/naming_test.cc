#include "lifecycle/naming.h"

#include <gtest/gtest.h>

#include <set>

#include "base/testing.h"
#include "compute/names.h"

namespace imago::lifecycle {
namespace {

compute::TimeUs At(const char* t) {
  return *compute::ParseTimestamp(t);
}

TEST(NamingTest, TheIssueExample) {
  NameParts p{"debian-12", "app", "nginx", "1.24.0", "", At("2026-11-26T15:30:00Z")};
  auto n = RenderName(kDefaultTemplate, p);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, "debian-12-app-nginx-1-24-0-v20261126-153000");
  EXPECT_TRUE(CheckName(*n, std::string(kDefaultTemplate)).empty());
}

TEST(NamingTest, SanitizesFreeText) {
  EXPECT_EQ(Sanitize("Ubuntu 22.04 LTS"), "ubuntu-22-04-lts");
  EXPECT_EQ(Sanitize("--A__b--"), "a-b");
  NameParts p{"12", "app", "x", "1", "", At("2026-01-02T03:04:05Z")};
  auto n = RenderName(kDefaultTemplate, p);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, "img-12-app-x-1-v20260102-030405");  // Must start with a letter.
}

TEST(NamingTest, LongNamesAreShortenedKeepingDateAndUniqueness) {
  std::set<std::string> seen;
  for (const char* sw : {"a-very-long-software-name-that-goes-on-and-on-and-on-forever",
                         "a-very-long-software-name-that-goes-on-and-on-and-on-forever2"}) {
    NameParts p{"debian-12", "app", sw, "1.24.0", "", At("2026-11-26T15:30:00Z")};
    auto n = RenderName(kDefaultTemplate, p);
    ASSERT_TRUE(n.ok());
    EXPECT_LE(n->size(), 63u) << *n;
    EXPECT_TRUE(compute::IsValidName(*n)) << *n;
    EXPECT_TRUE(n->ends_with("-v20261126-153000")) << *n;
    seen.insert(*n);
  }
  EXPECT_EQ(seen.size(), 2u);  // The hash keeps them apart.
}

TEST(NamingTest, TemplatesAreChecked) {
  EXPECT_TRUE(ValidateTemplate("{os}-web-{version}-v{date}").ok());
  EXPECT_FALSE(ValidateTemplate("{os}-{colour}").ok());
  EXPECT_FALSE(ValidateTemplate("{os").ok());
  EXPECT_FALSE(ValidateTemplate("os}").ok());
  EXPECT_FALSE(ValidateTemplate("{os}_{role}").ok());
  EXPECT_FALSE(ValidateTemplate("").ok());
  NameParts p{"debian-12", "", "nginx", "1.2", "", At("2026-11-26T15:30:00Z")};
  auto missing = RenderName(kDefaultTemplate, p);  // No role.
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--role"), std::string::npos);
  auto custom = RenderName("{family}-{version}-v{date}",
                           {"", "", "", "2.0", "web", At("2026-11-26T00:00:00Z")});
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom, "web-2-0-v20261126");
}

TEST(NamingTest, CheckExplainsEveryProblem) {
  EXPECT_EQ(CheckName("Debian_12-", std::nullopt).size(), 4u);  // Start, end, case, `_`.
  auto why = CheckName("web-server", std::string(kDefaultTemplate));
  ASSERT_EQ(why.size(), 1u);
  EXPECT_NE(why[0].find("<os>-<role>-<software>-<version>-vYYYYMMDD-HHMMSS"), std::string::npos);
}

TEST(NamingStoreTest, PerFamilyTemplates) {
  base::TempDir dir;
  NamingStore store(dir.path() + "/naming.json");
  EXPECT_FALSE(store.Get("web")->has_value());
  ASSERT_TRUE(store.Set("web", "{os}-web-{version}-v{date}").ok());
  EXPECT_EQ(store.Get("web")->value(), "{os}-web-{version}-v{date}");
  EXPECT_FALSE(store.Set("web", "{nope}").ok());
  EXPECT_FALSE(store.Set("Bad", "{os}").ok());
  ASSERT_TRUE(store.Set("web", "").ok());
  EXPECT_FALSE(store.Get("web")->has_value());
}

}  // namespace
}  // namespace imago::lifecycle
