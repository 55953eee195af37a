#include "cli/projection.h"

#include <sstream>

#include <gtest/gtest.h>

namespace imago::cli {
namespace {

using Json = nlohmann::json;

std::vector<Json> Rows() {
  return {
      Json{
          {"name", "app-v2"},
          {"family", "app"},
          {"selfLink", "https://x/compute/v1/projects/p/global/images/app-v2"},
          {"zone", "https://x/compute/v1/projects/p/zones/local-b"},
          {"labels", {{"env", "prod"}, {"team", "web"}}},
          {"tags", {{"items", {"http-server", "https-server"}}}},
          {"disks", {{{"source", "zones/local-b/disks/a"}}, {{"source", "zones/local-b/disks/b"}}}},
          {"creationTimestamp", "2026-12-01T10:00:00.000-00:00"},
          {"archiveSizeBytes", "1024"},
          {"ok", true}},
      Json{{"name", "base, \"old\""}, {"family", "base"}},
  };
}

std::string Print(const std::string& format, bool one = false) {
  auto p = ParseProjection(format);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return "";
  std::ostringstream out;
  std::vector<Json> rows = Rows();
  if (one) rows.resize(1);
  PrintProjected(out, *p, rows, one);
  return out.str();
}

TEST(ProjectionTest, ValueIsTabSeparatedWithoutHeading) {
  EXPECT_EQ(Print("value(name,family)"), "app-v2\tapp\nbase, \"old\"\tbase\n");
  EXPECT_EQ(Print("value(name)"), "app-v2\nbase, \"old\"\n");
  EXPECT_EQ(Print("get(selfLink)"), "https://x/compute/v1/projects/p/global/images/app-v2\n\n");
}

TEST(ProjectionTest, TableAlignsUnderUpperCaseHeadersAndLabels) {
  EXPECT_EQ(Print("table(name, zone.basename(), creationTimestamp:label=CREATED)"),
            "NAME         ZONE     CREATED\n"
            "app-v2       local-b  2026-12-01T10:00:00.000-00:00\n"
            "base, \"old\"\n");
  EXPECT_EQ(Print("table[no-heading](name,family)"), "app-v2       app\nbase, \"old\"  base\n");
}

TEST(ProjectionTest, CsvQuotesAsRfc4180) {
  EXPECT_EQ(Print("csv(name,family)"), "name,family\napp-v2,app\n\"base, \"\"old\"\"\",base\n");
  EXPECT_EQ(Print("csv[no-heading,separator=';'](name,family:label=fam)"),
            "app-v2;app\n\"base, \"\"old\"\"\";base\n");
}

TEST(ProjectionTest, NestedKeysListsAndTransforms) {
  EXPECT_EQ(Print("value(labels.env, tags.items.join(' '), disks[1].source.basename())", true),
            "prod\thttp-server https-server\tb\n");
  EXPECT_EQ(Print("value(disks[].source.basename(), tags.items.len(), name.upper())", true),
            "a;b\t2\tAPP-V2\n");
  EXPECT_EQ(Print("value(ok, archiveSizeBytes, missing.key, labels)", true),
            "True\t1024\t\tenv=prod;team=web\n");
}

TEST(ProjectionTest, JsonKeepsOnlyTheProjectedKeys) {
  EXPECT_EQ(Json::parse(Print("json(name,labels.env)", true)),
            (Json{{"name", "app-v2"}, {"labels", {{"env", "prod"}}}}));
  Json list = Json::parse(Print("json(name)"));
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.size(), 2u);
}

TEST(ProjectionTest, BadFormatsSayWhatIsWrongAndWhatWorks) {
  auto message = [](const std::string& f) {
    auto p = ParseProjection(f);
    EXPECT_FALSE(p.ok()) << f;
    return p.ok() ? std::string() : p.status().message();
  };
  EXPECT_NE(message("text(name)").find("unknown format 'text'"), std::string::npos);
  EXPECT_NE(message("value").find("value needs keys, e.g. value(name)"), std::string::npos);
  EXPECT_NE(message("value(name.foo())").find("unknown transform foo()"), std::string::npos);
  EXPECT_NE(message("value(name:sort=1)").find("unknown key attribute 'sort=1'"),
            std::string::npos);
  EXPECT_NE(message("value(name").find("is not (KEY,...)"), std::string::npos);
  EXPECT_NE(message("table[box](name)").find("unknown attribute 'box'"), std::string::npos);
  EXPECT_NE(message("value(a[x])").find("is not a list index"), std::string::npos);
  EXPECT_NE(message("value(a..b)").find("is not a key"), std::string::npos);
  EXPECT_NE(message("value('a)").find("not closed"), std::string::npos);
  EXPECT_NE(message("csv").find("value(KEY,...)"), std::string::npos)
      << "every error names the accepted forms";
}

}  // namespace
}  // namespace imago::cli
