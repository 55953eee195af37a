#include "base/ini.h"

#include <gtest/gtest.h>

namespace imago::base {
namespace {

TEST(ParseIni, SectionsKeysAndComments) {
  auto p = ParseIni(
      "# gcloud writes this\n[core]\naccount = a@example.com\nproject=my-proj \n\n"
      "; comment\n[compute]\n  zone =  europe-west1-b\nregion = europe-west1\nnot a pair\n");
  EXPECT_EQ(p["core/project"], "my-proj");
  EXPECT_EQ(p["core/account"], "a@example.com");
  EXPECT_EQ(p["compute/zone"], "europe-west1-b");
  EXPECT_EQ(p["compute/region"], "europe-west1");
  EXPECT_EQ(p.size(), 4u);
}

TEST(ParseIni, KeysBeforeAnySectionAreIgnored) {
  auto p = ParseIni("project = x\n[core\nproject = y\n");
  EXPECT_TRUE(p.empty());
}

TEST(FormatIni, RoundTripsBySection) {
  std::map<std::string, std::string> v = {
      {"compute/zone", "local-b"}, {"core/project", "shop"}, {"nosection", "x"}};
  std::string text = FormatIni(v);
  EXPECT_EQ(text, "[compute]\nzone = local-b\n\n[core]\nproject = shop\n");
  v.erase("nosection");
  EXPECT_EQ(ParseIni(text), v);
}

}  // namespace
}  // namespace imago::base
