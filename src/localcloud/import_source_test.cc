// No request makes the local cloud read a file it was not given: what
// rawDisk.source may name under imago serve's policy (import roots and
// buckets only), path escapes of every kind refused with one line and
// nothing left behind, and GCE's own raw-disk format (a tar.gz of disk.raw).
#include "localcloud/import_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/subprocess.h"
#include "base/testing.h"
#include "localcloud/local_cloud.h"

namespace imago::localcloud {
namespace {

using base::CountFiles;
using base::TempDir;
using base::WriteFile;
using compute::Code;
using compute::Image;

class ImportSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    outside_ = dir_.path() + "/outside";
    std::filesystem::create_directories(root_);
    std::filesystem::create_directories(outside_);
    WriteFile(root_ + "/disk.raw", 64 * 1024, 1);
    WriteFile(outside_ + "/secret.raw", 64 * 1024, 2);
    LocalCloudOptions o;
    o.home = dir_.path() + "/home";
    o.import_policy.host_files = false;  // What imago serve runs with.
    o.import_policy.roots = {root_};
    auto c = LocalCloud::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().message();
    cloud_ = std::move(c.value());
  }

  compute::Result<compute::Operation> Import(const std::string& name, const std::string& source) {
    Image im;
    im.name = name;
    im.raw_disk = compute::RawDisk{source, "", ""};
    return cloud_->images().Insert("p", im, {});
  }

  // Refused with one line naming the field, and nothing left behind.
  void ExpectRefused(const std::string& source, const std::string& says) {
    int blobs = CountFiles(dir_.path() + "/home/blobs/sha256");
    auto op = Import("refused", source);
    ASSERT_FALSE(op.ok()) << source << " was imported";
    EXPECT_EQ(op.status().code(), Code::kInvalid) << op.status().message();
    EXPECT_NE(op.status().message().find("'image.rawDisk.source'"), std::string::npos);
    EXPECT_NE(op.status().message().find(says), std::string::npos)
        << source << ": " << op.status().message();
    EXPECT_EQ(op.status().message().find('\n'), std::string::npos);
    EXPECT_FALSE(cloud_->images().Get("p", "refused").ok());
    EXPECT_EQ(CountFiles(dir_.path() + "/home/blobs/sha256"), blobs);
    EXPECT_EQ(CountFiles(dir_.path() + "/home/tmp"), 0);
  }

  TempDir dir_;
  std::string root_, outside_;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_F(ImportSourceTest, ReadsBelowTheImportRootOnly) {
  ASSERT_TRUE(Import("inside", root_ + "/disk.raw").ok());
  ASSERT_TRUE(Import("inside-url", "file://" + root_ + "/disk.raw").ok());
  ExpectRefused(outside_ + "/secret.raw", "outside what this server may read");
  ExpectRefused(root_ + "/../outside/secret.raw", "outside");
  ExpectRefused("file:///etc/passwd", "outside");
  ExpectRefused("/proc/self/environ", "outside");
  ExpectRefused("/proc/self/root/" + outside_ + "/secret.raw", "outside");
  ExpectRefused("relative/disk.raw", "absolute path");
  ExpectRefused("http://example.invalid/disk.raw", "absolute path");
  ExpectRefused(root_ + "/missing.raw", "does not exist");
}

TEST_F(ImportSourceTest, LinksAreJudgedByWhereTheyLead) {
  std::filesystem::create_symlink(outside_ + "/secret.raw", root_ + "/out-link.raw");
  std::filesystem::create_symlink(root_ + "/disk.raw", root_ + "/in-link.raw");
  std::filesystem::create_symlink(outside_, root_ + "/out-dir");
  std::filesystem::create_symlink(root_ + "/disk.raw", outside_ + "/into-root.raw");
  ExpectRefused(root_ + "/out-link.raw", "outside");
  ExpectRefused(root_ + "/out-dir/secret.raw", "outside");
  ASSERT_TRUE(Import("in-link", root_ + "/in-link.raw").ok());
  // A link outside that leads into the root names a file the server may read.
  ASSERT_TRUE(Import("into-root", outside_ + "/into-root.raw").ok());
}

TEST_F(ImportSourceTest, OnlyRegularFilesWithContent) {
  std::filesystem::create_directories(root_ + "/dir");
  ExpectRefused(root_ + "/dir", "directory");
  ASSERT_EQ(mkfifo((root_ + "/fifo").c_str(), 0600), 0);
  ExpectRefused(root_ + "/fifo", "not a regular file");  // And it does not block.
  std::ofstream(root_ + "/empty.raw").close();
  ExpectRefused(root_ + "/empty.raw", "empty");
  WriteFile(root_ + "/text.raw", 6, 3);
  ExpectRefused(root_ + "/text.raw", "512-byte sectors");
  if (mknod((root_ + "/zero").c_str(), S_IFCHR | 0600, makedev(1, 5)) == 0) {
    ExpectRefused(root_ + "/zero", "not a regular file");
  }
}

TEST_F(ImportSourceTest, NoRootsMeansNoPaths) {
  cloud_.reset();
  LocalCloudOptions o;
  o.home = dir_.path() + "/home";
  o.import_policy.host_files = false;
  cloud_ = std::move(LocalCloud::Open(o).value());
  ExpectRefused(root_ + "/disk.raw", "--import-root");
}

TEST_F(ImportSourceTest, BucketsMapToDirectoriesOfTheHome) {
  std::string bucket = dir_.path() + "/home/buckets/my-bucket";
  std::filesystem::create_directories(bucket + "/images");
  WriteFile(bucket + "/images/v1.raw", 64 * 1024, 4);
  ASSERT_TRUE(Import("from-gs", "gs://my-bucket/images/v1.raw").ok());
  ASSERT_TRUE(Import("from-https", "https://storage.googleapis.com/my-bucket/images/v1.raw").ok());
  ExpectRefused("gs://no-bucket/v1.raw", "No such bucket");
  ExpectRefused("gs://my-bucket/../../../root/disk.raw", "outside");
  ExpectRefused("gs://my-bucket/images/none.raw", "does not exist");
  ExpectRefused("gs://../x", "gs://BUCKET/OBJECT");
  ExpectRefused("gs://my-bucket/", "gs://BUCKET/OBJECT");
  std::filesystem::create_symlink(outside_ + "/secret.raw", bucket + "/leak.raw");
  ExpectRefused("gs://my-bucket/leak.raw", "outside");
}

// The file is opened first and what was opened is checked: a file swapped
// for a link to a secret, as often as a thread can, is never read.
TEST_F(ImportSourceTest, ASwappedLinkIsNeverFollowedOut) {
  std::string target = root_ + "/swap.raw";
  std::string regular = root_ + "/regular.raw";
  WriteFile(regular, 64 * 1024, 1);  // The same content as disk.raw: one digest.
  std::filesystem::copy_file(regular, target);
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    while (!stop) {
      std::string tmp = target + ".tmp";
      std::filesystem::remove(tmp);
      std::filesystem::copy_file(regular, tmp);
      std::filesystem::rename(tmp, target);
      std::filesystem::create_symlink(outside_ + "/secret.raw", tmp);
      std::filesystem::rename(tmp, target);
    }
  });
  int imported = 0, refused = 0;
  for (int i = 0; i < 3000 && (imported < 5 || refused < 5); ++i) {
    auto op = Import("swap-" + std::to_string(i), target);
    if (op.ok()) {
      ++imported;
    } else {
      // Refused because it led outside, or because the file it opened was
      // unlinked under it (its ctime moved): safe either way.
      const std::string& m = op.status().message();
      EXPECT_TRUE(m.find("outside") != std::string::npos ||
                  m.find("changed while it was imported") != std::string::npos)
          << m;
      refused += m.find("outside") != std::string::npos;
    }
  }
  stop = true;
  swapper.join();
  // Whatever got in is the inside content: one blob, the regular file's.
  auto list = cloud_->images().List("p", {});
  ASSERT_TRUE(list.ok());
  for (const auto& im : list->items) {
    auto path = cloud_->ImageContentPath("p", im.name);
    ASSERT_TRUE(path.ok());
    EXPECT_EQ(std::filesystem::file_size(*path), 64u * 1024);
  }
  EXPECT_LE(CountFiles(dir_.path() + "/home/blobs/sha256"), 1);
  EXPECT_GT(refused, 0) << "the swap never showed the link";
  EXPECT_GT(imported, 0) << "the swap never showed the regular file";
}

// GCE's raw-disk format: a (sparse) tar.gz holding disk.raw.
TEST_F(ImportSourceTest, TakesGcesTarGzOfDiskRaw) {
  std::string work = root_ + "/tgz";
  std::filesystem::create_directories(work);
  WriteFile(work + "/disk.raw", 1 << 20, 9);
  auto tar = base::RunProcess({"tar", "-C", work, "-Sczf", root_ + "/image.tar.gz", "disk.raw"});
  ASSERT_TRUE(tar.ok() && tar->exit_code == 0);
  ASSERT_TRUE(Import("from-tgz", root_ + "/image.tar.gz").ok());
  auto path = cloud_->ImageContentPath("p", "from-tgz");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(std::filesystem::file_size(*path), 1u << 20);
  auto same = base::RunProcess({"cmp", *path, work + "/disk.raw"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->exit_code, 0) << "the image is not disk.raw";
  EXPECT_EQ(CountFiles(dir_.path() + "/home/tmp"), 0);  // The unpacked copy is gone.

  WriteFile(work + "/other.raw", 4096, 1);
  tar = base::RunProcess({"tar", "-C", work, "-czf", root_ + "/nodisk.tar.gz", "other.raw"});
  ASSERT_TRUE(tar.ok() && tar->exit_code == 0);
  ExpectRefused(root_ + "/nodisk.tar.gz", "no disk.raw");
  std::ofstream(root_ + "/broken.tar.gz") << std::string("\x1f\x8b\x08\x00garbage", 12);
  ExpectRefused(root_ + "/broken.tar.gz", "Not a readable tar.gz");
}

}  // namespace
}  // namespace imago::localcloud
