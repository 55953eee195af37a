// Recognises the disk image formats the local cloud stores: qcow2 (read from
// its header) and raw (anything else that is not a known foreign format).
#ifndef IMAGO_LOCALCLOUD_DISK_FORMAT_H_
#define IMAGO_LOCALCLOUD_DISK_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "compute/status.h"

namespace imago::localcloud {

/// Bytes of a file's start that SniffDiskFormat needs.
constexpr size_t kDiskHeaderBytes = 512;

struct DiskInfo {
  std::string format;         // "qcow2" or "raw".
  uint64_t virtual_size = 0;  // Bytes the guest sees.
};

/// Reads the first bytes of a file of `file_size` bytes. Refuses (400, naming
/// `field` and `what`) an empty file, a qcow2 file with a backing file (an
/// imported image must stand alone) or encryption, foreign formats (VMDK,
/// VDI, VHD, VHDX, saying how to convert them) and a gzip file (the caller
/// unpacks GCE's tar.gz archives first). `allow_backing` is
/// for the local cloud's own deltas (an image of a disk over its source).
compute::Result<DiskInfo> SniffDiskFormat(const uint8_t* head, size_t n, uint64_t file_size,
                                          const std::string& field, const std::string& what,
                                          bool allow_backing = false);

/// OK unless `disk` is raw and not a whole number of 512-byte sectors (then
/// it is no disk: a text file, a truncated download): 400 naming `field`.
/// What an image import asks of a raw file, as GCE asks it of disk.raw.
compute::Status CheckWholeSectors(const DiskInfo& disk, const std::string& field,
                                  const std::string& what);

/// GCE's diskSizeGb of a virtual size: whole GiB, rounded up, at least 1.
int64_t DiskSizeGb(uint64_t virtual_size);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_DISK_FORMAT_H_
