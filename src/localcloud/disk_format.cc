#include "localcloud/disk_format.h"

#include <cstring>

namespace imago::localcloud {
namespace {

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint64_t Be64(const uint8_t* p) {
  return (uint64_t{Be32(p)} << 32) | Be32(p + 4);
}

compute::Status Refuse(const std::string& field, const std::string& what, const std::string& why) {
  return compute::Status::InvalidField(field, what, why);
}

}  // namespace

compute::Result<DiskInfo> SniffDiskFormat(const uint8_t* h, size_t n, uint64_t file_size,
                                          const std::string& field, const std::string& what,
                                          bool allow_backing) {
  if (file_size == 0) return Refuse(field, what, "The file is empty.");
  const char* convert = " Convert it first: qemu-img convert -O qcow2 FILE out.qcow2";
  if (n >= 4 && std::memcmp(h, "QFI\xfb", 4) == 0) {
    if (n < 72) return Refuse(field, what, "The qcow2 header is truncated.");
    uint32_t version = Be32(h + 4);
    uint64_t backing_offset = Be64(h + 8);
    uint32_t cluster_bits = Be32(h + 20);
    uint64_t size = Be64(h + 24);
    uint32_t crypt = Be32(h + 32);
    if (version != 2 && version != 3) {
      return Refuse(field, what, "Unsupported qcow2 version " + std::to_string(version) + ".");
    }
    if (cluster_bits < 9 || cluster_bits > 21) {
      return Refuse(field, what, "The qcow2 header is corrupt (cluster size).");
    }
    if (backing_offset != 0 && !allow_backing) {
      return Refuse(field, what,
                    "The qcow2 file has a backing file; an imported image must stand alone."
                    " Flatten it first: qemu-img convert -O qcow2 FILE out.qcow2");
    }
    if (crypt != 0) return Refuse(field, what, "Encrypted qcow2 files are not supported.");
    if (size == 0) return Refuse(field, what, "The qcow2 disk has a virtual size of 0.");
    return DiskInfo{"qcow2", size};
  }
  if (n >= 4 && (std::memcmp(h, "KDMV", 4) == 0 || std::memcmp(h, "# Disk Descriptor", 4) == 0)) {
    return Refuse(field, what, std::string("VMDK is not supported.") + convert);
  }
  if (n >= 72 && Be32(h + 64) == 0xbeda107f) {
    return Refuse(field, what, std::string("VDI is not supported.") + convert);
  }
  if (n >= 8 && std::memcmp(h, "vhdxfile", 8) == 0) {
    return Refuse(field, what, std::string("VHDX is not supported.") + convert);
  }
  if (n >= 8 && std::memcmp(h, "conectix", 8) == 0) {
    return Refuse(field, what, std::string("VHD is not supported.") + convert);
  }
  if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
    return Refuse(field, what,
                  "A gzip file is taken only as GCE's raw-disk archive (a tar.gz holding "
                  "disk.raw), and this one is not readable as that.");
  }
  return DiskInfo{"raw", file_size};
}

compute::Status CheckWholeSectors(const DiskInfo& disk, const std::string& field,
                                  const std::string& what) {
  if (disk.format != "raw" || disk.virtual_size % 512 == 0) return compute::Status::OK();
  return Refuse(field, what,
                "A raw disk is a whole number of 512-byte sectors; this file has " +
                    std::to_string(disk.virtual_size) +
                    " bytes (is it a disk image at all? qcow2 and raw are taken).");
}

int64_t DiskSizeGb(uint64_t virtual_size) {
  constexpr uint64_t kGiB = uint64_t{1} << 30;
  uint64_t gb = (virtual_size + kGiB - 1) / kGiB;
  return gb == 0 ? 1 : static_cast<int64_t>(gb);
}

}  // namespace imago::localcloud
