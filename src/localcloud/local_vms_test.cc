// Disks, snapshots, images from disks and zone operations on a real
// LocalCloud (SQLite file, content store, qemu-img). Booting instances is
// tested with real VMs in tests/vm/.
#include <gtest/gtest.h>

#include "base/subprocess.h"
#include "base/testing.h"
#include "compute/vm_codec.h"
#include "localcloud/local_cloud.h"

namespace imago::localcloud {
namespace {

using base::CountFiles;
using base::RunProcess;
using base::TempDir;
using base::WriteFile;

using compute::Code;
using compute::Disk;
using compute::Image;
using compute::Snapshot;

class LocalVmsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalCloudOptions o;
    o.home = dir_.path() + "/home";
    auto c = LocalCloud::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().message();
    cloud_ = std::move(c.value());
    // A 64 MiB raw image with recognisable bytes at 1 MiB.
    std::string src = dir_.path() + "/base.raw";
    WriteFile(src, 64 << 20, 3);
    Image im;
    im.name = "base-v1";
    im.family = "base";
    im.raw_disk = compute::RawDisk{src, "", ""};
    ASSERT_TRUE(cloud_->images().Insert("local", im, {}).ok());
  }

  compute::Result<compute::Operation> MakeDisk(const std::string& name, const std::string& image,
                                               int64_t size = 0) {
    Disk d;
    d.name = name;
    d.source_image = image;
    d.size_gb = size;
    return cloud_->disks().Insert("local", "local-a", d, {});
  }

  std::string DiskFile(const std::string& name) {
    auto d = cloud_->disks().Get("local", "local-a", name);
    return d.ok() ? dir_.path() + "/home/disks/" + std::to_string(d->id) + ".qcow2" : "";
  }

  TempDir dir_;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_F(LocalVmsTest, DiskFromFamilyRecordsTheResolvedImage) {
  auto op = MakeDisk("d1", "global/images/family/base");
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_TRUE(op->done());
  EXPECT_EQ(op->zone, "https://www.googleapis.com/compute/v1/projects/local/zones/local-a");
  auto d = cloud_->disks().Get("local", "local-a", "d1");
  ASSERT_TRUE(d.ok());
  auto im = cloud_->images().Get("local", "base-v1");
  EXPECT_EQ(d->source_image, im->self_link);
  EXPECT_EQ(d->source_image_id, std::to_string(im->id));
  EXPECT_EQ(d->status, "READY");
  EXPECT_EQ(d->size_gb, 1);
  EXPECT_TRUE(d->users.empty());
  // A copy-on-write overlay: the disk file is small, its backing file the image's content.
  auto info = RunProcess({"qemu-img", "info", "--output=json", DiskFile("d1")});
  ASSERT_TRUE(info.ok());
  auto j = compute::Json::parse(info->out);
  EXPECT_EQ(j["format"], "qcow2");
  EXPECT_EQ(j["virtual-size"], 1LL << 30);
  EXPECT_NE(j.value("backing-filename", "").find("/blobs/sha256/"), std::string::npos);
  EXPECT_LT(j["actual-size"].get<int64_t>(), 1 << 20);
  // The zone's operations list has it; the global one does not.
  auto zonal = cloud_->operations().List({"local", "local-a"}, {});
  ASSERT_TRUE(zonal.ok());
  ASSERT_EQ(zonal->items.size(), 1u);
  EXPECT_EQ(zonal->items[0].name, op->name);
  EXPECT_TRUE(cloud_->operations().Get({"local", "local-a"}, op->name).ok());
  EXPECT_EQ(cloud_->operations().Get({"local", "local-b"}, op->name).status().code(),
            Code::kNotFound);
  EXPECT_EQ(cloud_->operations().Get(compute::Scope::Global("local"), op->name).status().code(),
            Code::kNotFound);
}

TEST_F(LocalVmsTest, BadDisksAreRefusedAndLeaveNothing) {
  ASSERT_TRUE(MakeDisk("d1", "base-v1").ok());
  EXPECT_EQ(MakeDisk("d1", "base-v1").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(MakeDisk("d2", "no-such-image").status().code(), Code::kInvalid);
  EXPECT_EQ(MakeDisk("d2", "global/images/family/nope").status().code(), Code::kNotFound);
  EXPECT_EQ(MakeDisk("Bad_Name", "base-v1").status().code(), Code::kInvalid);
  EXPECT_EQ(MakeDisk("d2", "base-v1", 70000).status().code(), Code::kInvalid);
  Disk d;
  d.name = "d3";
  EXPECT_EQ(cloud_->disks().Insert("local", "mars-a", d, {}).status().code(), Code::kNotFound);
  d.source_image = "base-v1";
  d.source_snapshot = "s1";
  EXPECT_EQ(cloud_->disks().Insert("local", "local-a", d, {}).status().code(), Code::kInvalid);
  // OBSOLETE images are refused, DEPRECATED ones warn.
  compute::DeprecationStatus obsolete;
  obsolete.state = compute::DeprecationState::kObsolete;
  ASSERT_TRUE(cloud_->images().Deprecate("local", "base-v1", obsolete, {}).ok());
  auto refused = MakeDisk("d4", "base-v1");
  EXPECT_EQ(refused.status().code(), Code::kInvalid);
  EXPECT_NE(refused.status().message().find("obsolete"), std::string::npos);
  compute::DeprecationStatus deprecated;
  deprecated.state = compute::DeprecationState::kDeprecated;
  ASSERT_TRUE(cloud_->images().Deprecate("local", "base-v1", deprecated, {}).ok());
  auto warned = MakeDisk("d5", "base-v1");
  ASSERT_TRUE(warned.ok());
  ASSERT_EQ(warned->warnings.size(), 1u);
  EXPECT_EQ(warned->warnings[0].code, "DEPRECATED_RESOURCE_USED");
  auto disks = cloud_->disks().List("local", "local-a", {});
  ASSERT_TRUE(disks.ok());
  EXPECT_EQ(disks->items.size(), 2u);  // d1 and d5.
  EXPECT_EQ(CountFiles(dir_.path() + "/home/disks"), 2);
  EXPECT_EQ(CountFiles(dir_.path() + "/home/tmp"), 0);
}

TEST_F(LocalVmsTest, BlankDiskSnapshotAndImageFromSnapshot) {
  Disk blank;
  blank.name = "scratch";
  ASSERT_TRUE(cloud_->disks().Insert("local", "local-a", blank, {}).ok());
  EXPECT_EQ(cloud_->disks().Get("local", "local-a", "scratch")->size_gb, 10);

  ASSERT_TRUE(MakeDisk("data", "base-v1", 2).ok());
  // Write into the disk (as a guest would) through qemu-io.
  auto w = RunProcess({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", DiskFile("data")});
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->exit_code, 0) << w->err;
  Snapshot s;
  s.name = "data-snap";
  auto op = cloud_->disks().CreateSnapshot("local", "local-a", "data", s, {});
  ASSERT_TRUE(op.ok()) << op.status().message();
  auto snap = cloud_->snapshots().Get("local", "data-snap");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->status, "READY");
  EXPECT_EQ(snap->disk_size_gb, 2);
  EXPECT_GT(snap->storage_bytes, 0);
  EXPECT_EQ(snap->source_disk_id,
            std::to_string(cloud_->disks().Get("local", "local-a", "data")->id));
  EXPECT_EQ(cloud_->disks().CreateSnapshot("local", "local-a", "data", s, {}).status().code(),
            Code::kAlreadyExists);

  // A disk from the snapshot holds the written bytes, and the disk it came
  // from can go: the snapshot stands alone.
  ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "data", {}).ok());
  Disk restored;
  restored.name = "restored";
  restored.source_snapshot = "global/snapshots/data-snap";
  ASSERT_TRUE(cloud_->disks().Insert("local", "local-a", restored, {}).ok());
  auto r =
      RunProcess({"qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 64k", DiskFile("restored")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.find("Pattern verification failed"), std::string::npos) << r->out;

  // An image from the snapshot shares its content; a smaller disk is refused.
  Image from_snap;
  from_snap.name = "from-snap";
  from_snap.source_snapshot = "data-snap";
  ASSERT_TRUE(cloud_->images().Insert("local", from_snap, {}).ok());
  EXPECT_EQ(cloud_->images().Get("local", "from-snap")->source_snapshot_id,
            std::to_string(snap->id));
  restored.name = "small";
  restored.size_gb = 1;
  EXPECT_EQ(cloud_->disks().Insert("local", "local-a", restored, {}).status().code(),
            Code::kInvalid);

  // Deleting the snapshot keeps the content the image still uses.
  int blobs = CountFiles(dir_.path() + "/home/blobs/sha256");
  ASSERT_TRUE(cloud_->snapshots().Delete("local", "data-snap", {}).ok());
  EXPECT_EQ(CountFiles(dir_.path() + "/home/blobs/sha256"), blobs);
  ASSERT_TRUE(cloud_->images().Delete("local", "from-snap", {}).ok());
  // The disk "restored" still backs on the snapshot's content.
  EXPECT_EQ(CountFiles(dir_.path() + "/home/blobs/sha256"), blobs);
  ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "restored", {}).ok());
}

TEST_F(LocalVmsTest, ImageContentStaysWhileADiskBacksOnIt) {
  ASSERT_TRUE(MakeDisk("d1", "base-v1").ok());
  int blobs = CountFiles(dir_.path() + "/home/blobs/sha256");
  ASSERT_TRUE(cloud_->images().Delete("local", "base-v1", {}).ok());
  EXPECT_EQ(CountFiles(dir_.path() + "/home/blobs/sha256"), blobs);
  auto check = RunProcess({"qemu-img", "check", DiskFile("d1")});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->exit_code, 0) << check->err;
  ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "d1", {}).ok());
  EXPECT_EQ(CountFiles(dir_.path() + "/home/disks"), 0);
}

TEST_F(LocalVmsTest, ImageFromDiskKeepsOnlyItsDeltaAndItsParentsContent) {
  ASSERT_TRUE(MakeDisk("build", "base-v1").ok());
  auto w = RunProcess({"qemu-io", "-f", "qcow2", "-c", "write -P 0x77 2M 4k", DiskFile("build")});
  ASSERT_TRUE(w.ok() && w->exit_code == 0);
  Image im;
  im.name = "app-v1";
  im.family = "app";
  im.source_disk = "zones/local-a/disks/build";
  auto op = cloud_->images().Insert("local", im, {});
  ASSERT_TRUE(op.ok()) << op.status().message();
  auto app = cloud_->images().Get("local", "app-v1");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->status, "READY");
  EXPECT_NE(app->source_disk.find("/zones/local-a/disks/build"), std::string::npos);
  EXPECT_EQ(app->source_image_id, std::to_string(cloud_->images().Get("local", "base-v1")->id));
  // Only the delta is stored: the 4 KiB written (in one cluster), not the 64 MiB.
  EXPECT_LT(app->archive_size_bytes, 1 << 20);
  std::string blobs = dir_.path() + "/home/blobs/sha256";
  EXPECT_EQ(CountFiles(blobs), 2);
  // The disk and even the parent image can go: the parent's content stays
  // for the child, and a disk of the child sees both layers.
  ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "build", {}).ok());
  ASSERT_TRUE(cloud_->images().Delete("local", "base-v1", {}).ok());
  EXPECT_EQ(CountFiles(blobs), 2);
  ASSERT_TRUE(MakeDisk("check", "app-v1").ok());
  auto r = RunProcess({"qemu-io", "-f", "qcow2", "-c", "read -P 0x77 2M 4k", DiskFile("check")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.find("Pattern verification failed"), std::string::npos) << r->out;
  // Outside the written cluster the child reads the parent's bytes ('R'
  // starts every 4 KiB of the base).
  auto base_bytes =
      RunProcess({"qemu-io", "-f", "qcow2", "-c", "read -P 0x52 1M 1", DiskFile("check")});
  ASSERT_TRUE(base_bytes.ok());
  EXPECT_EQ(base_bytes->out.find("Pattern verification failed"), std::string::npos)
      << base_bytes->out;
  // The last user gone, the whole chain goes.
  ASSERT_TRUE(cloud_->images().Delete("local", "app-v1", {}).ok());
  EXPECT_EQ(CountFiles(blobs), 2);  // The disk "check" still rests on it.
  ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "check", {}).ok());
  EXPECT_EQ(CountFiles(blobs), 0);
  im.name = "app-v2";
  im.source_disk = "disks/build";
  EXPECT_EQ(cloud_->images().Insert("local", im, {}).status().code(), Code::kInvalid);
}

TEST_F(LocalVmsTest, ListsPageAndFilter) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(MakeDisk("d" + std::to_string(i), "base-v1").ok());
  compute::ListOptions o;
  o.max_results = 2;
  std::vector<std::string> names;
  while (true) {
    auto page = cloud_->disks().List("local", "local-a", o);
    ASSERT_TRUE(page.ok());
    for (const auto& d : page->items) names.push_back(d.name);
    if (page->next_page_token.empty()) break;
    o.page_token = page->next_page_token;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
  // A page token belongs to its zone.
  o.page_token.clear();
  auto first = cloud_->disks().List("local", "local-a", o);
  o.page_token = first->next_page_token;
  EXPECT_EQ(cloud_->disks().List("local", "local-b", o).status().code(), Code::kInvalid);
  compute::ListOptions f;
  f.filter = "name = d3";
  auto one = cloud_->disks().List("local", "local-a", f);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->items.size(), 1u);
  f.filter = "nosuchfield = 1";
  EXPECT_EQ(cloud_->disks().List("local", "local-a", f).status().code(), Code::kInvalid);
  EXPECT_TRUE(cloud_->disks().List("local", "local-b", {})->items.empty());
  auto zones = compute::ListAllZones(cloud_->zones(), "local");
  ASSERT_TRUE(zones.ok());
  EXPECT_EQ(zones->size(), 3u);
}

TEST_F(LocalVmsTest, RequestIdReplaysTheFirstDiskInsert) {
  compute::MutationOptions opts;
  opts.request_id = "7c3a1b9e-2f4d-4e8a-9b1c-0d2e3f4a5b6c";
  Disk d;
  d.name = "once";
  d.source_image = "base-v1";
  auto a = cloud_->disks().Insert("local", "local-a", d, opts);
  auto b = cloud_->disks().Insert("local", "local-a", d, opts);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->name, b->name);
  EXPECT_EQ(CountFiles(dir_.path() + "/home/disks"), 1);
}

}  // namespace
}  // namespace imago::localcloud
