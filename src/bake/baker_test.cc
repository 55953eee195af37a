// RecoverBakes against a real LocalCloud: a journal whose bake died is
// cleaned up and marked; one whose bake is alive (its lock held) is left.
#include "bake/baker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "localcloud/file_lock.h"
#include "localcloud/local_cloud.h"
#include "localcloud/test_util.h"

namespace imago::bake {
namespace {

void WriteJournal(const std::string& dir, const std::string& state) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bake.json")
      << nlohmann::json{{"state", state},    {"spec", dir + "/spec.yaml"}, {"project", "local"},
                        {"zone", "local-a"}, {"instance", "bake-gone"},    {"disk", "bake-gone"}}
             .dump();
}

std::string State(const std::string& dir) {
  std::ifstream in(dir + "/bake.json");
  return nlohmann::json::parse(in).value("state", "");
}

TEST(RecoverBakes, CleansUpDeadBakesOnly) {
  localcloud::TempDir dir;
  localcloud::LocalCloudOptions o;
  o.home = dir.path() + "/home";
  auto cloud = localcloud::LocalCloud::Open(o);
  ASSERT_TRUE(cloud.ok());
  std::string bakes = o.home + "/bakes";
  WriteJournal(bakes + "/dead", "running");
  WriteJournal(bakes + "/alive", "running");
  WriteJournal(bakes + "/finished", "done");
  auto held = localcloud::FileLock::Acquire(bakes + "/alive/lock");  // Its bake runs.
  ASSERT_TRUE(held.ok());
  auto lines = RecoverBakes(**cloud, o.home);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("an interrupted bake of " + bakes + "/dead/spec.yaml was cleaned up"),
            std::string::npos)
      << lines[0];
  EXPECT_EQ(State(bakes + "/dead"), "interrupted");
  EXPECT_EQ(State(bakes + "/alive"), "running");
  EXPECT_EQ(State(bakes + "/finished"), "done");
  EXPECT_TRUE(RecoverBakes(**cloud, o.home).empty());  // Once only.
}

}  // namespace
}  // namespace imago::bake
