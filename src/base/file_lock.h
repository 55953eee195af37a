// Advisory whole-file locks (flock). The kernel drops a lock when its holder
// dies, kill -9 included, which is what crash recovery relies on: a journal
// entry whose lock can be taken belongs to a process that is gone.
#ifndef IMAGO_BASE_FILE_LOCK_H_
#define IMAGO_BASE_FILE_LOCK_H_

#include <string>

#include "base/status.h"

namespace imago::base {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock() { Unlock(); }
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  /// Opens (creating, mode 0600) `path` and takes an exclusive lock, waiting
  /// for it. The lock is on the file `path` names when this returns (a file
  /// unlinked and made again meanwhile is locked anew). 503 when the file
  /// cannot be opened or locked.
  static Result<FileLock> Acquire(const std::string& path);
  /// The same without waiting and without creating: 404 when `path` does
  /// not exist; 503 with *held_by_other set when another process holds it.
  static Result<FileLock> TryAcquire(const std::string& path, bool* held_by_other);

  bool held() const { return fd_ >= 0; }
  /// The open descriptor of the locked file (owned by this lock).
  int fd() const { return fd_; }
  /// Releases the lock (the file stays). Safe to call twice.
  void Unlock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace imago::base

#endif  // IMAGO_BASE_FILE_LOCK_H_
