// Files read out of a disk without booting it: the disk's ext4 file system
// (the whole disk one file system, as the local cloud's images are) read
// with e2fsprogs' debugfs. Used for an image's kernel (boot) and for its
// dpkg status (imago update-check).
#ifndef IMAGO_LOCALCLOUD_DISK_FILES_H_
#define IMAGO_LOCALCLOUD_DISK_FILES_H_

#include <memory>
#include <string>

#include "compute/status.h"

namespace imago::localcloud {

/// A raw view of a disk for debugfs, which reads raw file systems only: the
/// disk itself when it is raw, else a sparse raw copy (qemu-img convert; a
/// qcow2 chain is followed) in a directory of the caller's, removed when
/// the view goes.
class RawDiskView {
 public:
  /// 503 when the copy cannot be made.
  static compute::Result<std::unique_ptr<RawDiskView>> Open(const std::string& disk,
                                                            const std::string& format,
                                                            const std::string& tmp_dir);
  ~RawDiskView();
  RawDiskView(const RawDiskView&) = delete;
  RawDiskView& operator=(const RawDiskView&) = delete;

  const std::string& path() const { return path_; }

  /// Copies the regular file `from` (an absolute path in the file system)
  /// to the host file `to`. 404 when the file system has no such file (or
  /// it is empty), 400 when the disk holds no ext2/3/4 file system.
  compute::Status Dump(const std::string& from, const std::string& to) const;

  /// `ls -p DIR` of debugfs: one "/INODE/MODE/UID/GID/NAME/SIZE/" line per entry.
  compute::Result<std::string> List(const std::string& dir) const;

 private:
  RawDiskView(std::string path, bool copy) : path_(std::move(path)), copy_(copy) {}
  std::string path_;
  bool copy_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_DISK_FILES_H_
