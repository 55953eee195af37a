#include "localcloud/content_store.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "localcloud/test_util.h"

namespace imago::localcloud {
namespace {

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
