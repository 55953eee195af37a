#include "gce/gcloud_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/testing.h"

namespace imago::gce {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

class GcloudConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.config_dir = dir_.path() + "/gcloud";
    mkdir(env_.config_dir.c_str(), 0755);
    mkdir((env_.config_dir + "/configurations").c_str(), 0755);
  }
  base::TempDir dir_;
  GcloudEnvironment env_;
};

TEST_F(GcloudConfigTest, NothingConfiguredIsEmptyNotAnError) {
  GcloudEnvironment none;
  none.config_dir = dir_.path() + "/does-not-exist";
  auto p = ReadGcloudProperties(none);
  EXPECT_EQ(p.project, "");
  EXPECT_EQ(p.zone, "");
  EXPECT_EQ(p.config_name, "default");
}

TEST_F(GcloudConfigTest, ReadsTheActiveConfiguration) {
  Write(env_.config_dir + "/active_config", "work\n");
  Write(env_.config_dir + "/configurations/config_default", "[core]\nproject = home-proj\n");
  Write(env_.config_dir + "/configurations/config_work",
        "[core]\nproject = work-proj\n[compute]\nzone = us-central1-a\n");
  auto p = ReadGcloudProperties(env_);
  EXPECT_EQ(p.config_name, "work");
  EXPECT_EQ(p.project, "work-proj");
  EXPECT_EQ(p.zone, "us-central1-a");
  EXPECT_EQ(p.project_source, "gcloud configuration 'work'");
}

TEST_F(GcloudConfigTest, DefaultConfigurationWhenNoneIsActive) {
  Write(env_.config_dir + "/configurations/config_default", "[core]\nproject = home-proj\n");
  auto p = ReadGcloudProperties(env_);
  EXPECT_EQ(p.project, "home-proj");
  EXPECT_EQ(p.zone, "");
}

TEST_F(GcloudConfigTest, EnvironmentWinsOverTheFile) {
  Write(env_.config_dir + "/configurations/config_default",
        "[core]\nproject = home-proj\n[compute]\nzone = a-zone\n");
  Write(env_.config_dir + "/configurations/config_other", "[core]\nproject = other-proj\n");
  env_.active_config = "other";
  env_.zone_override = "b-zone";
  auto p = ReadGcloudProperties(env_);
  EXPECT_EQ(p.project, "other-proj");
  EXPECT_EQ(p.zone, "b-zone");
  EXPECT_EQ(p.zone_source, "CLOUDSDK_COMPUTE_ZONE");
  env_.project_override = "env-proj";
  EXPECT_EQ(ReadGcloudProperties(env_).project, "env-proj");
}

TEST_F(GcloudConfigTest, AConfigurationNameCannotReadOutsideTheDirectory) {
  Write(dir_.path() + "/config_evil", "[core]\nproject = evil\n");
  env_.active_config = "../../config_evil";
  EXPECT_EQ(ReadGcloudProperties(env_).project, "");
}

}  // namespace
}  // namespace imago::gce
