#include "server/partial_response.h"

#include <gtest/gtest.h>

namespace imago::server {
namespace {

using nlohmann::json;

json Select(const char* fields, const json& v) {
  auto sel = ParseFieldSelection(fields);
  EXPECT_TRUE(sel.ok()) << fields << ": " << sel.status().message();
  return sel.ok() ? ApplyFieldSelection(*sel, v) : json();
}

TEST(PartialResponseTest, KeepsWhatIsSelected) {
  json list = {{"kind", "compute#imageList"},
               {"items",
                {{{"name", "a"}, {"status", "READY"}, {"family", "f"}},
                 {{"name", "b"}, {"status", "PENDING"}}}},
               {"nextPageToken", "t"}};
  EXPECT_EQ(Select("items(name,status),nextPageToken", list),
            (json{{"items",
                   {{{"name", "a"}, {"status", "READY"}}, {{"name", "b"}, {"status", "PENDING"}}}},
                  {"nextPageToken", "t"}}));
  EXPECT_EQ(Select("items/name", list), (json{{"items", {{{"name", "a"}}, {{"name", "b"}}}}}));
  json image = {{"name", "a"}, {"deprecated", {{"state", "DEPRECATED"}, {"replacement", "x"}}}};
  EXPECT_EQ(Select("name,deprecated/state", image),
            (json{{"name", "a"}, {"deprecated", {{"state", "DEPRECATED"}}}}));
  EXPECT_EQ(Select("*", image), image);
  EXPECT_EQ(Select("deprecated(*)", image), (json{{"deprecated", image["deprecated"]}}));
  EXPECT_EQ(Select("missing", image), json::object());
}

TEST(PartialResponseTest, MalformedSelectionsAreA400) {
  for (const char* bad : {"items(name", "items()", ",", "a,,b", "a)", "a//b", "a(b))", "a b"}) {
    auto sel = ParseFieldSelection(bad);
    ASSERT_FALSE(sel.ok()) << bad;
    EXPECT_EQ(sel.status().http_code(), 400);
    EXPECT_NE(sel.status().message().find("'fields'"), std::string::npos);
  }
  std::string deep(100, '(');
  EXPECT_FALSE(ParseFieldSelection("a" + deep).ok());
}

}  // namespace
}  // namespace imago::server
