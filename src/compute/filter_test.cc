#include "compute/filter.h"

#include <gtest/gtest.h>

namespace imago::compute {
namespace {

using Json = nlohmann::json;

// Three images to filter.
const Json& Images() {
  static const Json k = Json::parse(R"([
    {"name":"app-v1","family":"app","status":"READY","diskSizeGb":"10",
     "creationTimestamp":"2026-01-01T00:00:00.000+00:00",
     "labels":{"env":"prod","team":"web"},
     "deprecated":{"state":"DEPRECATED","replacement":"x"}},
    {"name":"app-v2","family":"app","status":"READY","diskSizeGb":"20",
     "creationTimestamp":"2026-02-01T00:00:00.000+00:00","labels":{"env":"dev"},
     "guestOsFeatures":[{"type":"UEFI_COMPATIBLE"},{"type":"GVNIC"}]},
    {"name":"base-7","family":"base","status":"PENDING","diskSizeGb":"2",
     "creationTimestamp":"2025-12-31T23:59:59.000-01:00"}
  ])");
  return k;
}

// Which of the three images (as a 3-char mask) a filter selects.
std::string Select(const std::string& text) {
  auto f = Filter::Parse(text, ImageFilterSchema());
  if (!f.ok()) return "error: " + f.status().message();
  std::string out;
  for (const Json& im : Images()) out += f->Matches(im) ? 'x' : '.';
  return out;
}

TEST(FilterTest, Table) {
  struct Case {
    const char* filter;
    const char* mask;
  } cases[] = {
      {"", "xxx"},
      {"   ", "xxx"},
      {"name = app-v1", "x.."},
      {"name = \"app-v1\"", "x.."},
      {"name = 'app-v2'", ".x."},
      {"name != app-v1", ".xx"},
      {"name = app-*", "xx."},
      {"name = *-7", "..x"},
      {"name != app-*", "..x"},
      {"family = app", "xx."},
      {"family=app", "xx."},
      {"status = READY family = app", "xx."},
      {"status = READY AND family = base", "..."},
      {"family = base OR name = app-v2", ".xx"},
      {"(family = base) OR (name = app-v2)", ".xx"},
      // OR binds tighter than AND: a AND (b OR c).
      {"family = app AND name = app-v1 OR name = base-7", "x.."},
      {"NOT family = app", "..x"},
      {"-family = app", "..x"},
      {"-(family = app)", "..x"},
      {"NOT (family = app AND name = app-v1)", ".xx"},
      {"labels.env = prod", "x.."},
      {"labels.env:*", "xx."},
      {"labels:env", "xx."},
      {"labels:team", "x.."},
      {"labels.team = web", "x.."},
      {"-labels.env:*", "..x"},
      {"deprecated.state = DEPRECATED", "x.."},
      {"deprecated:*", "x.."},
      {"deprecated.state != DEPRECATED", ".xx"},
      {"diskSizeGb > 5", "xx."},
      {"diskSizeGb >= 20", ".x."},
      {"diskSizeGb < 10", "..x"},
      {"diskSizeGb <= 10", "x.x"},
      {"diskSizeGb = 20", ".x."},
      {"creationTimestamp > \"2026-01-15T00:00:00Z\"", ".x."},
      // 2025-12-31T23:59:59-01:00 is 2026-01-01T00:59:59Z: compared as times, not text.
      {"creationTimestamp > \"2026-01-01T00:30:00Z\"", ".xx"},
      {"creationTimestamp < \"2026-01-01T00:30:00+00:00\"", "x.."},
      {"guestOsFeatures.type = GVNIC", ".x."},
      {"guestOsFeatures:*", ".x."},
      {"(status = READY) (labels.env = dev)", ".x."},
      // Regular-expression form (RE2, full match).
      {"name eq app-v[0-9]+", "xx."},
      {"name eq 'app-v1'", "x.."},
      {"name eq app", "..."},
      {"name ne .*-v2", "x.x"},
      {"(family eq app) (name ne app-v1)", ".x."},
      {"name eq \"base-.*\"", "..x"},
      {"family eq ''", "..."},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Select(c.filter), c.mask) << "filter: " << c.filter;
  }
}

TEST(FilterTest, RejectsMalformedFilters) {
  const char* bad[] = {
      "name",                       // No operator.
      "name =",                     // No value.
      "= app",                      // No field.
      "colour = red",               // Unknown field.
      "labelz.env = x",             // Unknown field.
      "deprecated.when = x",        // Unknown nested field.
      "(name = a",                  // Unclosed.
      "name = a)",                  // Stray ')'.
      "name = \"a",                 // Unclosed quote.
      "name eq a AND family eq b",  // Regex form joined with AND.
      "name eq a family = b",       // Forms mixed.
      "name eq (",                  // Bad regex.
      "name eq a[",                 // Bad regex.
      "name = a OR",                // Dangling OR.
      "NOT",                        // Nothing to negate.
      "name ~ a",                   // Unknown operator.
      "name = (a)",                 // Parenthesis in a bare value.
  };
  for (const char* f : bad) {
    auto r = Filter::Parse(f, ImageFilterSchema());
    EXPECT_FALSE(r.ok()) << f;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalid);
      EXPECT_NE(r.status().message().find("'filter'"), std::string::npos) << r.status().message();
    }
  }
  EXPECT_FALSE(Filter::Parse(std::string(10000, 'a'), ImageFilterSchema()).ok());
  EXPECT_FALSE(
      Filter::Parse(std::string(200, '(') + "name = a" + std::string(200, ')'), ImageFilterSchema())
          .ok());
}

TEST(FilterTest, RequiredValueFindsIndexableEqualities) {
  auto f = Filter::Parse("family = f-123 status = READY", ImageFilterSchema());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->RequiredValue("family"), "f-123");
  EXPECT_EQ(f->RequiredValue("status"), "READY");
  EXPECT_EQ(f->RequiredValue("name"), std::nullopt);
  auto g = Filter::Parse("family = f-* ", ImageFilterSchema());
  EXPECT_EQ(g->RequiredValue("family"), std::nullopt);  // Wildcard: not an equality.
  auto h = Filter::Parse("family = a OR family = b", ImageFilterSchema());
  EXPECT_EQ(h->RequiredValue("family"), std::nullopt);  // Not every match.
  auto i = Filter::Parse("family eq app", ImageFilterSchema());
  EXPECT_EQ(i->RequiredValue("family"), "app");
  auto k = Filter::Parse("family eq ap.", ImageFilterSchema());
  EXPECT_EQ(k->RequiredValue("family"), std::nullopt);
  auto n = Filter::Parse("NOT family = a", ImageFilterSchema());
  EXPECT_EQ(n->RequiredValue("family"), std::nullopt);
}

}  // namespace
}  // namespace imago::compute
