#include "compute/names.h"
#include "compute/types.h"

#include <gtest/gtest.h>

namespace imago::compute {
namespace {

TEST(NamesTest, AcceptsGceNames) {
  for (const char* ok : {"a", "image-v1", "debian-12-app-nginx-1-24-0-v20261126-153000", "x9"}) {
    EXPECT_TRUE(IsValidName(ok)) << ok;
    EXPECT_TRUE(ValidateName("name", ok).ok()) << ok;
  }
  EXPECT_TRUE(IsValidName(std::string(63, 'a')));
}

TEST(NamesTest, ExplainsEveryViolation) {
  EXPECT_FALSE(IsValidName(std::string(64, 'a')));
  auto why = ExplainNameViolations("9Bad_Name-");
  // Starts with a digit, ends with '-', upper case, '_'.
  EXPECT_EQ(why.size(), 4u);
  Status st = ValidateName("image.name", "Bad");
  EXPECT_EQ(st.code(), Code::kInvalid);
  EXPECT_NE(st.message().find("'image.name': 'Bad'"), std::string::npos) << st.message();
  EXPECT_FALSE(ExplainNameViolations("").empty());
}

TEST(NamesTest, Labels) {
  EXPECT_TRUE(ValidateLabels("labels", {{"env", "prod"}, {"team_a", ""}, {"k-1", "v_2-x"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{"Env", "prod"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{"1env", "prod"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{"env", "Prod"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{"env", "a.b"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{"", "x"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{std::string(64, 'k'), "x"}}).ok());
  EXPECT_FALSE(ValidateLabels("labels", {{"k", std::string(64, 'v')}}).ok());
  Labels many;
  for (int i = 0; i < 65; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_FALSE(ValidateLabels("labels", many).ok());
  EXPECT_TRUE(ValidateLabels("labels", {{"ключ", "значение"}}).ok());  // International.
}

TEST(NamesTest, RequestIds) {
  EXPECT_TRUE(ValidateRequestId("123e4567-e89b-12d3-a456-426614174000").ok());
  EXPECT_FALSE(ValidateRequestId("00000000-0000-0000-0000-000000000000").ok());
  EXPECT_FALSE(ValidateRequestId("not-a-uuid").ok());
  EXPECT_FALSE(ValidateRequestId("123e4567e89b12d3a456426614174000").ok());
  EXPECT_FALSE(ValidateRequestId("123e4567-e89b-12d3-a456-42661417400g").ok());
}

TEST(NamesTest, Projects) {
  EXPECT_TRUE(ValidateProject("local").ok());
  EXPECT_TRUE(ValidateProject("my-project-123").ok());
  EXPECT_TRUE(ValidateProject("example.com:my-project").ok());
  EXPECT_TRUE(ValidateProject("123456789012").ok());
  EXPECT_FALSE(ValidateProject("").ok());
  EXPECT_FALSE(ValidateProject("My_Project").ok());
  EXPECT_FALSE(ValidateProject("../etc").ok());
}

}  // namespace
}  // namespace imago::compute
