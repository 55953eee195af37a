#include "base/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/testing.h"

namespace imago::base {
namespace {

TEST(FileUtilTest, WriteFileAtomicReplacesWholeAndLeavesNoTemp) {
  TempDir dir;
  std::string path = dir.path() + "/state.json";
  ASSERT_TRUE(WriteFileAtomic(path, "first", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second, longer").ok());
  auto back = ReadFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "second, longer");
  struct stat st;
  EXPECT_NE(stat((path + ".tmp").c_str(), &st), 0);
  EXPECT_EQ(CountFiles(dir.path()), 1);
}

TEST(FileUtilTest, ErrorsSayWhat) {
  TempDir dir;
  auto missing = ReadFile(dir.path() + "/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  Status st = WriteFileAtomic(dir.path() + "/no/such/dir/x", "y");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/no/such/dir/x"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace imago::base
