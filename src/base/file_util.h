// Whole-file reads and crash-safe writes.
#ifndef IMAGO_BASE_FILE_UTIL_H_
#define IMAGO_BASE_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace imago::base {

/// An open file descriptor, closed when this goes.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives the descriptor up without closing it.
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// Replaces `path` with `content` so that a crash at any moment leaves
/// either the old file or the new one whole: writes PATH.tmp (mode `mode`),
/// fsyncs it, renames it over `path`, and fsyncs the directory. 503 with
/// the reason on failure (then `path` is unchanged and PATH.tmp removed).
Status WriteFileAtomic(const std::string& path, std::string_view content, int mode = 0644);

/// The whole content of `path`. 404 when it does not exist, 503 when it
/// cannot be read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace imago::base

#endif  // IMAGO_BASE_FILE_UTIL_H_
