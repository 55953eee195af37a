#include "localcloud/disk_format.h"

#include <gtest/gtest.h>

#include <cstring>

namespace imago::localcloud {
namespace {

void Put32(uint8_t* p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}
void Put64(uint8_t* p, uint64_t v) {
  Put32(p, static_cast<uint32_t>(v >> 32));
  Put32(p + 4, static_cast<uint32_t>(v));
}

// A qcow2 header as qemu-img writes it.
std::vector<uint8_t> Qcow2(uint64_t size, uint64_t backing_offset = 0, uint32_t crypt = 0) {
  std::vector<uint8_t> h(kDiskHeaderBytes, 0);
  std::memcpy(h.data(), "QFI\xfb", 4);
  Put32(&h[4], 3);
  Put64(&h[8], backing_offset);
  Put32(&h[20], 16);
  Put64(&h[24], size);
  Put32(&h[32], crypt);
  return h;
}

TEST(DiskFormatTest, ReadsQcow2VirtualSize) {
  auto h = Qcow2(10ULL << 30);
  auto d = SniffDiskFormat(h.data(), h.size(), 196608, "f", "x.qcow2");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->format, "qcow2");
  EXPECT_EQ(d->virtual_size, 10ULL << 30);
  EXPECT_EQ(DiskSizeGb(d->virtual_size), 10);
}

TEST(DiskFormatTest, RawIsTheFileSize) {
  std::vector<uint8_t> h(kDiskHeaderBytes, 0x41);
  auto d = SniffDiskFormat(h.data(), h.size(), 5000, "f", "x.raw");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->format, "raw");
  EXPECT_EQ(d->virtual_size, 5000u);
  EXPECT_EQ(DiskSizeGb(5000), 1);
  EXPECT_EQ(DiskSizeGb((1ULL << 30) + 1), 2);
}

// A raw disk is whole sectors (as GCE's disk.raw must be); anything else
// (a 6-byte text file, a truncated download) is no disk.
TEST(DiskFormatTest, RawMustBeWholeSectors) {
  std::vector<uint8_t> h(kDiskHeaderBytes, 0x41);
  for (uint64_t size : {6ULL, 5000ULL, (1ULL << 20) + 1}) {
    compute::Status st = CheckWholeSectors({"raw", size}, "f", "x.raw");
    ASSERT_FALSE(st.ok()) << size;
    EXPECT_NE(st.message().find("512-byte sectors"), std::string::npos);
  }
  EXPECT_TRUE(CheckWholeSectors({"raw", 5120}, "f", "x.raw").ok());
  EXPECT_TRUE(CheckWholeSectors({"qcow2", 5000}, "f", "x.qcow2").ok());
  std::vector<uint8_t> gz = {0x1f, 0x8b, 8, 0};
  auto d = SniffDiskFormat(gz.data(), gz.size(), 1024, "f", "x.tar.gz");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("disk.raw"), std::string::npos);
}

TEST(DiskFormatTest, RefusesWhatCannotBeStored) {
  auto backed = Qcow2(1 << 20, 512);
  auto crypt = Qcow2(1 << 20, 0, 1);
  auto zero = Qcow2(0);
  std::vector<uint8_t> vmdk(kDiskHeaderBytes, 0);
  std::memcpy(vmdk.data(), "KDMV", 4);
  std::vector<uint8_t> vhdx(kDiskHeaderBytes, 0);
  std::memcpy(vhdx.data(), "vhdxfile", 8);
  for (auto* h : {&backed, &crypt, &zero, &vmdk, &vhdx}) {
    auto d = SniffDiskFormat(h->data(), h->size(), 1 << 20, "image.rawDisk.source", "in.img");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find("'image.rawDisk.source': 'in.img'"), std::string::npos);
  }
  std::vector<uint8_t> empty;
  EXPECT_FALSE(SniffDiskFormat(empty.data(), 0, 0, "f", "e").ok());
  auto truncated = Qcow2(1 << 20);
  EXPECT_FALSE(SniffDiskFormat(truncated.data(), 40, 40, "f", "t").ok());
}

}  // namespace
}  // namespace imago::localcloud
