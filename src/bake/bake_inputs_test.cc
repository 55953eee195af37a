// The record of a bake's inputs: written and read back, what a damaged or
// missing record gives, and the phrases that say which input changed.
#include "bake/bake_inputs.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing.h"

namespace imago::bake {
namespace {

const std::string kDigest = std::string(40, 'a') + std::string(24, 'b');

TEST(BakeInputsTest, SavedAndLoadedByTheLabelsDigest) {
  base::TempDir dir;
  std::vector<DigestPart> parts = {{"source image", "11", "kit-v1"},
                                   {"spec settings", "22", "/s/app.yaml"}};
  ASSERT_TRUE(SaveBakeInputs(dir.path(), kDigest, "app-v1", parts).ok());
  auto back = LoadBakeInputs(dir.path(), kDigest.substr(0, 40));
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].what, "source image");
  EXPECT_EQ((*back)[0].detail, "kit-v1");
  EXPECT_EQ((*back)[1].digest, "22");
}

TEST(BakeInputsTest, MissingOrDamagedRecords) {
  base::TempDir dir;
  EXPECT_EQ(LoadBakeInputs(dir.path(), std::string(40, 'c')).status().code(),
            compute::Code::kNotFound);
  // A label is never a path: nothing outside the directory is read.
  EXPECT_EQ(LoadBakeInputs(dir.path(), "../../etc/passwd").status().code(),
            compute::Code::kNotFound);
  ASSERT_TRUE(SaveBakeInputs(dir.path(), kDigest, "x", {}).ok());
  ASSERT_TRUE(
      base::WriteFileAtomic(dir.path() + "/bake-inputs/" + kDigest.substr(0, 40) + ".json", "{[")
          .ok());
  EXPECT_EQ(LoadBakeInputs(dir.path(), kDigest.substr(0, 40)).status().code(),
            compute::Code::kInvalid);
  EXPECT_FALSE(SaveBakeInputs(dir.path(), "not-hex", "x", {}).ok());
}

TEST(BakeInputsTest, ChangedInputsNamesEachDifference) {
  std::vector<DigestPart> before = {{"source image", "1", "kit-v1"},
                                    {"spec settings", "2", ""},
                                    {"provisioner 1 (shell at a.yaml:4): script", "3", ""},
                                    {"provisioner 2 (file at a.yaml:8): source", "4", ""}};
  EXPECT_TRUE(ChangedInputs(before, before).empty());
  std::vector<DigestPart> now = {
      {"source image", "9", "kit-v2"},
      {"spec settings", "2", ""},
      {"provisioner 1 (shell at a.yaml:4): script", "8", ""},
      {"provisioner 2 (ansible at a.yaml:8): playbook directory", "5", ""}};
  EXPECT_EQ(
      ChangedInputs(before, now),
      (std::vector<std::string>{"source image: kit-v1 -> kit-v2",
                                "provisioner 1 (shell at a.yaml:4): script changed",
                                "provisioner 2 (ansible at a.yaml:8): playbook directory (new)",
                                "provisioner 2 (file at a.yaml:8): source (gone)"}));
}

}  // namespace
}  // namespace imago::bake
