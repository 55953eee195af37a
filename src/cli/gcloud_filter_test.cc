#include "cli/gcloud_filter.h"

#include <gtest/gtest.h>

namespace imago::cli {
namespace {

using Json = nlohmann::json;

const Json kApp = {{"name", "app-v2"},
                   {"family", "app"},
                   {"diskSizeGb", "10"},
                   {"labels", {{"env", "prod"}}},
                   {"tags", {{"items", {"http-server", "web"}}}}};
const Json kBase = {{"name", "Base-v1"}, {"family", "base"}, {"diskSizeGb", "2"}};

bool Match(const std::string& text, const Json& r) {
  auto f = GcloudFilter::Parse(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().message();
  return f.ok() && f->Matches(r);
}

TEST(GcloudFilterTest, RegexMatchesAnywhere) {
  EXPECT_TRUE(Match("name~^app", kApp));
  EXPECT_FALSE(Match("name~^app", kBase));
  EXPECT_TRUE(Match("name~v[0-9]$", kBase));
  EXPECT_TRUE(Match("name!~^app", kBase));
  EXPECT_FALSE(Match("name !~ ^app", kApp));
}

TEST(GcloudFilterTest, HasIsCaseInsensitiveContainsWithWildcards) {
  EXPECT_TRUE(Match("name:app", kApp));
  EXPECT_TRUE(Match("name:base", kBase)) << "case-insensitive";
  EXPECT_TRUE(Match("name:b*v1", kBase));
  EXPECT_FALSE(Match("name:xyz", kApp));
  EXPECT_TRUE(Match("labels:env", kApp)) << "a map has the key";
  EXPECT_TRUE(Match("labels.env:*", kApp));
  EXPECT_FALSE(Match("labels.env:*", kBase));
  EXPECT_TRUE(Match("tags.items:web", kApp)) << "any element of a list";
}

TEST(GcloudFilterTest, ComparisonsAndBooleans) {
  EXPECT_TRUE(Match("labels.env=prod", kApp));
  EXPECT_TRUE(Match("family = ap*", kApp));
  EXPECT_FALSE(Match("family=ap", kApp)) << "= is the whole value";
  EXPECT_TRUE(Match("family!=app", kBase));
  EXPECT_TRUE(Match("diskSizeGb>9", kApp)) << "numbers as numbers, not text";
  EXPECT_FALSE(Match("diskSizeGb>9", kBase));
  EXPECT_TRUE(Match("NOT name:app", kBase));
  EXPECT_TRUE(Match("-name:app", kBase));
  EXPECT_TRUE(Match("family=app AND name~v2", kApp));
  EXPECT_TRUE(Match("family=app name~v2", kApp));
  EXPECT_TRUE(Match("family=base OR family=app", kApp));
  EXPECT_TRUE(Match("name~v2 family=base OR family=app", kApp)) << "OR binds tighter";
  EXPECT_FALSE(Match("(name~v2 family=base) OR family=nope", kApp));
  EXPECT_TRUE(Match("name:'app-v2'", kApp));
}

TEST(GcloudFilterTest, WhatNeedsTheClient) {
  EXPECT_TRUE(GcloudFilter::Parse("name~^app")->needs_client());
  EXPECT_TRUE(GcloudFilter::Parse("name:app")->needs_client());
  EXPECT_FALSE(GcloudFilter::Parse("labels.env:* AND family = app")->needs_client());
  EXPECT_EQ(GcloudFilter::Parse("name~a labels.env=b")->keys(),
            (std::vector<std::string>{"name", "labels.env"}));
}

TEST(GcloudFilterTest, BadExpressionsSayWhy) {
  auto message = [](const std::string& text) {
    auto f = GcloudFilter::Parse(text);
    EXPECT_FALSE(f.ok()) << text;
    return f.ok() ? std::string() : f.status().message();
  };
  EXPECT_NE(message("name~(").find("is not a regular expression"), std::string::npos);
  EXPECT_NE(message("name").find("needs an operator"), std::string::npos);
  EXPECT_NE(message("(name:a").find("( is not closed"), std::string::npos);
  EXPECT_NE(message("name:'a").find("quote is not closed"), std::string::npos);
  EXPECT_NE(message("name=").find("has no value"), std::string::npos);
  EXPECT_NE(message("name eq a").find("needs an operator"), std::string::npos)
      << "the API's regular-expression form is not gcloud's: it goes to the API";
}

}  // namespace
}  // namespace imago::cli
