#include "packages/debian_packages.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "base/subprocess.h"

namespace imago::packages {
namespace {

class DebianPackagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/imago-packages-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { base::RunProcess({"rm", "-rf", dir_}); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

constexpr const char* kStatus =
    "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n\n"
    "Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1\n\n"
    "Package: removed\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n\n"
    "Package: libc6\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u4\n";

TEST(CompareVersionsTest, FollowsDebianPolicy) {
  EXPECT_LT(CompareVersions("1.0", "1.1"), 0);
  EXPECT_LT(CompareVersions("1.0~rc1", "1.0"), 0);  // ~ sorts before anything.
  EXPECT_GT(CompareVersions("1:0.9", "2.0"), 0);    // The epoch wins.
  EXPECT_LT(CompareVersions("2.36-9+deb12u4", "2.36-9+deb12u10"), 0);
  EXPECT_EQ(CompareVersions("0:1.2-3", "1.2-3"), 0);
}

TEST_F(DebianPackagesTest, StatusListsInstalledPackagesOnly) {
  auto got = ReadDpkgStatus(Write("status", kStatus));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].name, "bash");
  EXPECT_EQ((*got)[1].name, "libc6");  // Held, and installed.
  EXPECT_EQ((*got)[2].name, "tzdata");
  EXPECT_EQ((*got)[2].arch, "all");
}

TEST_F(DebianPackagesTest, BadFilesAreRefusedWithTheirName) {
  auto none = ReadDpkgStatus(dir_ + "/nope");
  EXPECT_EQ(none.status().code(), base::Code::kNotFound);
  auto text = ReadDpkgStatus(Write("text", "hello\n"));
  EXPECT_EQ(text.status().code(), base::Code::kInvalid);
  EXPECT_EQ(text.status().message().find('\n'), std::string::npos) << text.status().message();
  auto index = ReadIndex(Write("empty", ""), "empty-index", false);
  EXPECT_EQ(index.status().code(), base::Code::kInvalid);
  EXPECT_NE(index.status().message().find("empty-index is not a Packages index"),
            std::string::npos);
}

TEST_F(DebianPackagesTest, UpdatesAreNewerVersionsSecurityFirst) {
  auto installed = ReadDpkgStatus(Write("status", kStatus));
  ASSERT_TRUE(installed.ok());
  // The main archive: a newer bash and tzdata (arch all), an older libc6,
  // and a newer bash for another architecture that must not count.
  std::string main_text =
      "Package: bash\nArchitecture: amd64\nVersion: 5.2.15-2+b7\n\n"
      "Package: bash\nArchitecture: arm64\nVersion: 9.9\n\n"
      "Package: tzdata\nArchitecture: all\nVersion: 2025b-0+deb12u1\n\n"
      "Package: libc6\nArchitecture: amd64\nVersion: 2.36-9+deb12u1\n";
  Write("main_Packages", main_text);
  ASSERT_EQ(base::RunProcess({"gzip", dir_ + "/main_Packages"})->exit_code, 0);
  auto main = ReadIndex(dir_ + "/main_Packages.gz", "main", false);
  ASSERT_TRUE(main.ok()) << main.status().ToString();
  // The security archive: a newer libc6, and an older bash than main's.
  auto security =
      ReadIndex(Write("security_Packages",
                      "Package: libc6\nArchitecture: amd64\nVersion: 2.36-9+deb12u10\n\n"
                      "Package: bash\nArchitecture: amd64\nVersion: 5.2.15-2+b3\n"),
                "debian-security", true);
  ASSERT_TRUE(security.ok());
  auto updates = FindUpdates(*installed, {*main, *security});
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_EQ(updates[0].name, "bash");  // Security, and main has a newer one still.
  EXPECT_TRUE(updates[0].security);
  EXPECT_EQ(updates[0].available, "5.2.15-2+b7");
  EXPECT_EQ(updates[0].index, "main");
  EXPECT_EQ(updates[1].name, "libc6");
  EXPECT_TRUE(updates[1].security);
  EXPECT_EQ(updates[1].available, "2.36-9+deb12u10");
  EXPECT_EQ(updates[2].name, "tzdata");
  EXPECT_FALSE(updates[2].security);
  EXPECT_TRUE(FindUpdates(*installed, {}).empty());
}

TEST(IsSecurityIndexTest, KnowsDebiansLayout) {
  EXPECT_TRUE(IsSecurityIndex(
      "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-"
      "amd64_Packages.lz4"));
  EXPECT_TRUE(IsSecurityIndex("http://127.0.0.1:8080/dists/bookworm-security/main/Packages"));
  EXPECT_FALSE(
      IsSecurityIndex("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_"
                      "binary-amd64_Packages.lz4"));
}

}  // namespace
}  // namespace imago::packages
