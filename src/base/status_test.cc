#include "base/status.h"

#include <gtest/gtest.h>

namespace imago::base {
namespace {

TEST(StatusTest, MapsReasonsToHttpCodes) {
  EXPECT_EQ(Status::ResourceNotFound("projects/p/global/images/x").http_code(), 404);
  EXPECT_STREQ(Status::ResourceNotFound("x").reason(), "notFound");
  EXPECT_EQ(Status::ResourceExists("x").http_code(), 409);
  EXPECT_STREQ(Status::ResourceExists("x").reason(), "alreadyExists");
  EXPECT_EQ(Status::ConditionNotMet("m").http_code(), 412);
  EXPECT_EQ(Status::ResourceInUse("m").http_code(), 400);
  EXPECT_STREQ(Status::ResourceInUse("m").reason(), "resourceInUseByAnotherResource");
  EXPECT_TRUE(Status::OK().ok());
}

TEST(StatusTest, GceMessageTemplates) {
  EXPECT_EQ(Status::ResourceNotFound("projects/p/global/images/x").message(),
            "The resource 'projects/p/global/images/x' was not found");
  EXPECT_EQ(Status::InvalidField("name", "Bad", "Must be lower case.").message(),
            "Invalid value for field 'name': 'Bad'. Must be lower case.");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  Result<int> bad = Status::NotFound("gone");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace imago::base
