#include "base/file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imago::base {

FileLock& FileLock::operator=(FileLock&& o) noexcept {
  if (this != &o) {
    Unlock();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Result<FileLock> FileLock::Acquire(const std::string& path) {
  // Another process may unlink the file between our open() and flock()
  // (recovery removes abandoned lock files): then the lock is on an orphan
  // inode, so check that the path still names what we locked, and retry.
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Status::Unavailable("cannot open lock " + path + ": " + strerror(errno));
    }
    while (flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        int e = errno;
        close(fd);
        return Status::Unavailable("cannot lock " + path + ": " + strerror(e));
      }
    }
    struct stat held, now;
    if (fstat(fd, &held) == 0 && stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      return FileLock(fd);
    }
    close(fd);
  }
  return Status::Unavailable("cannot lock " + path + ": it keeps being replaced");
}

Result<FileLock> FileLock::TryAcquire(const std::string& path, bool* held_by_other) {
  *held_by_other = false;
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotFound("cannot open lock " + path + ": " + strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    if (e == EWOULDBLOCK) {
      *held_by_other = true;
      return Status::Unavailable(path + " is locked by another process");
    }
    return Status::Unavailable("cannot lock " + path + ": " + strerror(e));
  }
  return FileLock(fd);
}

void FileLock::Unlock() {
  if (fd_ >= 0) {
    close(fd_);  // Closing the last descriptor releases the flock.
    fd_ = -1;
  }
}

}  // namespace imago::base
