#include "secrets/bundle_store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/testing.h"

namespace imago::secrets {
namespace {

int Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(BundleStore, PutGetRemoveWithPrivateModes) {
  base::TempDir home;
  BundleStore store(home.path());
  EXPECT_EQ(store.Get("p", "web-dev-v001").status().code(), base::Code::kNotFound);
  ASSERT_TRUE(store.Put("p", "web-dev-v001", {{"B", "two"}, {"A", "one"}}).ok());
  auto got = store.Get("p", "web-dev-v001");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].first, "B");  // The file's order.
  EXPECT_EQ((*got)[1].second, "one");
  EXPECT_EQ(Mode(home.path() + "/secrets"), 0700);
  EXPECT_EQ(Mode(home.path() + "/secrets/p"), 0700);
  EXPECT_EQ(Mode(home.path() + "/secrets/p/web-dev-v001.json"), 0600);
  ASSERT_TRUE(store.Put("p", "web-dev-v002", {{"A", "x"}}).ok());
  EXPECT_EQ(store.List("p"), (std::vector<std::string>{"web-dev-v001", "web-dev-v002"}));
  ASSERT_TRUE(store.Remove("p", "web-dev-v001").ok());
  ASSERT_TRUE(store.Remove("p", "web-dev-v001").ok());  // Already gone: fine.
  EXPECT_EQ(store.List("p"), (std::vector<std::string>{"web-dev-v002"}));
}

TEST(BundleStore, NamesThatAreNotPathSegmentsAreRefused) {
  base::TempDir home;
  BundleStore store(home.path());
  EXPECT_FALSE(store.Put("p", "../escape", {{"A", "x"}}).ok());
  EXPECT_FALSE(store.Put("../p", "b", {{"A", "x"}}).ok());
  EXPECT_FALSE(store.Get("p", "../../etc/passwd").ok());
  EXPECT_EQ(base::CountFiles(home.path()), 0);
}

}  // namespace
}  // namespace imago::secrets
