// Advisory whole-file locks (flock). The kernel drops a lock when its holder
// dies, kill -9 included, which is what crash recovery relies on: a journal
// entry whose lock can be taken belongs to a process that is gone.
#ifndef IMAGO_LOCALCLOUD_FILE_LOCK_H_
#define IMAGO_LOCALCLOUD_FILE_LOCK_H_

#include <string>

#include "compute/status.h"

namespace imago::localcloud {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock() { Unlock(); }
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  /// Opens (creating) `path` and takes an exclusive lock, waiting for it.
  static compute::Result<FileLock> Acquire(const std::string& path);
  /// Same, without waiting: *held_by_other is set when another process holds it.
  static compute::Result<FileLock> TryAcquire(const std::string& path, bool* held_by_other);

  bool held() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void Unlock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_FILE_LOCK_H_
