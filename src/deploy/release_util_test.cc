#include "deploy/release_util.h"

#include <gtest/gtest.h>

namespace imago::deploy {
namespace {

TEST(ReleaseUtilTest, AKeptConfigurationReadsBackItemForItemInOrder) {
  Environment env;
  env.service = "pg";
  env.name = "db";
  env.config = {{"RELEASE", "r1"},
                {"startup-script", "#!/bin/sh\necho 'two\nlines' \xc3\xa9\n"},
                {"EMPTY", ""}};
  auto items = ParsePullConfig(PullConfig(env));
  ASSERT_TRUE(items.ok()) << items.status().message();
  EXPECT_EQ(*items, env.config);
  EXPECT_EQ(ConfigKey(env, 7), "imago-config-pg-db-7");
  EXPECT_EQ(ReleaseName(env.Prefix(), 7), "pg-db-v007");
}

TEST(ReleaseUtilTest, AHandWrittenConfigurationIsAnErrorNotGarbage) {
  for (const char* bad : {"RELEASE\n", "RELEASE not*base64!\n"}) {
    auto items = ParsePullConfig(bad);
    ASSERT_FALSE(items.ok()) << bad;
    EXPECT_NE(items.status().message().find("is not KEY BASE64"), std::string::npos);
  }
  EXPECT_TRUE(ParsePullConfig("")->empty());
}

}  // namespace
}  // namespace imago::deploy
