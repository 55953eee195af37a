#include "localcloud/content_store.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/testing.h"

namespace imago::localcloud {
namespace {

using base::CountFiles;
using base::TempDir;
using base::WriteFile;

using compute::Status;

std::string Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  std::string hex;
  for (unsigned char c : d) {
    static const char* k = "0123456789abcdef";
    hex += k[c >> 4];
    hex += k[c & 15];
  }
  return hex;
}

TEST(ContentStoreTest, ImportHashesWhatItCopies) {
  TempDir dir;
  ContentStore store(dir.path() + "/home");
  ASSERT_TRUE(store.Init().ok());
  std::string src = dir.path() + "/src.raw";
  WriteFile(src, 9 << 20 | 123, 1);  // Not a multiple of the chunk size.
  uint64_t last = 0;
  auto blob = store.Reserve("op-1");
  ASSERT_TRUE(blob.ok());
  ASSERT_TRUE(store
                  .Import(
                      src, "f", [&](uint64_t d, uint64_t) { last = d; }, &blob.value())
                  .ok());
  EXPECT_EQ(blob->info.digest, Sha256OfFile(src));
  EXPECT_EQ(blob->info.size, (9u << 20) | 123);
  EXPECT_EQ(last, blob->info.size);
  ASSERT_TRUE(store.Publish(&blob.value()).ok());
  EXPECT_TRUE(store.Exists(blob->info.digest));
  EXPECT_EQ(Sha256OfFile(store.BlobPath(blob->info.digest)), blob->info.digest);
  EXPECT_EQ(CountFiles(dir.path() + "/home/tmp"), 0);
}

// Across filesystems the kernel cannot copy: the user-space pipeline does,
// with the same digest.
TEST(ContentStoreTest, CopiesAcrossFilesystems) {
  if (access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no /dev/shm";
  TempDir dir;
  ContentStore store(dir.path() + "/home");
  ASSERT_TRUE(store.Init().ok());
  std::string src = "/dev/shm/imago-test-" + std::to_string(getpid());
  WriteFile(src, 3 << 20 | 7, 5);
  auto blob = store.Reserve("op-x");
  ASSERT_TRUE(blob.ok());
  Status st = store.Import(src, "f", nullptr, &blob.value());
  std::string want = Sha256OfFile(src);
  unlink(src.c_str());
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(blob->info.digest, want);
  ASSERT_TRUE(store.Publish(&blob.value()).ok());
  EXPECT_EQ(Sha256OfFile(store.BlobPath(want)), want);
}

// A source that changes while it is read is refused, not stored half old, half new.
TEST(ContentStoreTest, RefusesASourceThatChangesDuringTheImport) {
  TempDir dir;
  ContentStore store(dir.path() + "/home");
  ASSERT_TRUE(store.Init().ok());
  std::string src = dir.path() + "/src.raw";
  WriteFile(src, 8 << 20, 6);
  bool appended = false;
  auto blob = store.Reserve("op-y");
  ASSERT_TRUE(blob.ok());
  Status st = store.Import(
      src, "f",
      [&](uint64_t, uint64_t) {
        if (!appended) {
          std::ofstream(src, std::ios::app) << "more";
          appended = true;
        }
      },
      &blob.value());
  ASSERT_TRUE(appended);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("changed while it was imported"), std::string::npos) << st.message();
  EXPECT_EQ(CountFiles(dir.path() + "/home/tmp"), 0);
}

TEST(ContentStoreTest, AbandonedTempFilesGoLiveOnesStay) {
  TempDir dir;
  ContentStore store(dir.path());
  ASSERT_TRUE(store.Init().ok());
  auto live = store.Reserve("live");
  ASSERT_TRUE(live.ok());
  // A file nobody holds a lock on: left by a writer that died.
  WriteFile(dir.path() + "/tmp/dead", 100, 2);
  // flock locks belong to the open file description, so a second open in
  // this process cannot take the lock that `live` holds: same as another process.
  EXPECT_EQ(store.RemoveAbandoned(), 1);
  EXPECT_EQ(CountFiles(dir.path() + "/tmp"), 1);
}

TEST(ContentStoreTest, ProbeRefusesBadSources) {
  TempDir dir;
  ContentStore store(dir.path());
  ASSERT_TRUE(store.Init().ok());
  EXPECT_FALSE(store.Probe(dir.path() + "/missing", "f").ok());
  EXPECT_FALSE(store.Probe(dir.path(), "f").ok());  // A directory.
  std::ofstream(dir.path() + "/empty").close();
  EXPECT_FALSE(store.Probe(dir.path() + "/empty", "f").ok());
}

}  // namespace
}  // namespace imago::localcloud
