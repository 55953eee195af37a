#include "localcloud/content_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace imago::localcloud {

using compute::Result;
using compute::Status;

namespace {

constexpr size_t kChunk = 256 << 10;  // Fits in L2: hashing and copying stay in cache.
constexpr int kBuffers = 16;

Status Errno(const std::string& what) {
  return Status::Unavailable(what + ": " + strerror(errno));
}

Status MakeDir(const std::string& p) {
  if (mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create " + p);
  return Status::OK();
}

std::string Hex(const unsigned char* d, unsigned n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += k[d[i] >> 4];
    s += k[d[i] & 15];
  }
  return s;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads and hashes on the calling thread while a writer thread writes the
// chunks already hashed: the digest is of exactly the bytes written.
class CopyPipeline {
 public:
  CopyPipeline(int in, int out) : in_(in), out_(out) {
    for (auto& b : bufs_) b.data.reset(new char[kChunk]);
  }

  Status Run(uint64_t total, const compute::ProgressFn& progress, std::string* digest,
             uint64_t* copied) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::thread writer([this] { WriteLoop(); });
    Status st;
    uint64_t done = 0;
    for (int i = 0;; i = (i + 1) % kBuffers) {
      Buf& b = bufs_[i];
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return !b.full || write_failed_; });
        if (write_failed_) break;
      }
      ssize_t n;
      do {
        n = read(in_, b.data.get(), kChunk);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        st = Errno("cannot read source");
        break;
      }
      if (n > 0) EVP_DigestUpdate(ctx.get(), b.data.get(), static_cast<size_t>(n));
      done += static_cast<uint64_t>(n);
      {
        std::lock_guard l(mu_);
        b.len = static_cast<size_t>(n);
        b.full = true;
      }
      cv_.notify_all();
      if (progress && n > 0) progress(done, total);
      if (n == 0) break;  // The zero-length buffer tells the writer to stop.
    }
    if (!st.ok()) {
      std::lock_guard l(mu_);
      abort_ = true;
    }
    cv_.notify_all();
    writer.join();
    if (st.ok() && write_failed_)
      st = Status::Unavailable("cannot write to the image store: " +
                               std::string(strerror(write_errno_)));
    if (!st.ok()) return st;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx.get(), d, &len);
    *digest = Hex(d, len);
    *copied = done;
    return Status::OK();
  }

 private:
  struct Buf {
    std::unique_ptr<char[]> data;
    size_t len = 0;
    bool full = false;
  };

  void WriteLoop() {
    for (int i = 0;; i = (i + 1) % kBuffers) {
      Buf& b = bufs_[i];
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return b.full || abort_; });
        if (!b.full) return;  // Aborted.
      }
      if (b.len == 0) return;
      bool ok = WriteAll(out_, b.data.get(), b.len);
      {
        std::lock_guard l(mu_);
        b.full = false;
        if (!ok) {
          write_failed_ = true;
          write_errno_ = errno;
        }
      }
      cv_.notify_all();
      if (!ok) return;
    }
  }

  int in_, out_;
  Buf bufs_[kBuffers];
  std::mutex mu_;
  std::condition_variable cv_;
  bool abort_ = false;
  bool write_failed_ = false;
  int write_errno_ = 0;
};

// Copies with copy_file_range (in the kernel, as cp does) on a second thread
// while this thread hashes the source through a small buffer: the two cores
// work at once. The caller checks afterwards that the source did not change.
// *done is false, with OK, when the kernel cannot copy between these files
// (then nothing was written).
Status KernelCopy(int in, const std::string& src, int out, uint64_t size,
                  const compute::ProgressFn& progress, std::string* digest, uint64_t* copied,
                  bool* done) {
  *done = false;
  off_t probe_in = 0, probe_out = 0;
  ssize_t first = size == 0 ? 0 : copy_file_range(in, &probe_in, out, &probe_out, 1, 0);
  if (first < 0) {
    if (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL) {
      return Status::OK();
    }
    return Errno("cannot copy " + src);
  }
  int hash_fd = open(("/proc/self/fd/" + std::to_string(in)).c_str(), O_RDONLY | O_CLOEXEC);
  if (hash_fd < 0) return Errno("cannot reopen " + src);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{hash_fd};
  posix_fadvise(hash_fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  std::atomic<bool> stop{false};
  int copy_errno = 0;
  off_t off_in = probe_in, off_out = probe_out;
  std::thread copier([&] {
    while (!stop && static_cast<uint64_t>(off_in) < size) {
      ssize_t n = copy_file_range(in, &off_in, out, &off_out,
                                  std::min<uint64_t>(size - off_in, 64 << 20), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        copy_errno = n < 0 ? errno : EIO;
        return;
      }
      // Start writing back what is copied, so the final fdatasync has little left.
      sync_file_range(out, off_out - n, n, SYNC_FILE_RANGE_WRITE);
    }
  });
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::unique_ptr<char[]> buf(new char[kChunk]);
  uint64_t hashed = 0;
  Status st;
  while (true) {
    ssize_t n = read(hash_fd, buf.get(), kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = Errno("cannot read " + src);
      break;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.get(), static_cast<size_t>(n));
    hashed += static_cast<uint64_t>(n);
    // Report what is both hashed and copied.
    if (progress) progress(std::min<uint64_t>(hashed, static_cast<uint64_t>(off_in)), size);
  }
  if (!st.ok()) stop = true;
  copier.join();
  if (st.ok() && copy_errno != 0) {
    errno = copy_errno;
    st = Errno("cannot copy " + src);
  }
  if (!st.ok()) return st;
  if (progress) progress(hashed, size);
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), d, &len);
  *digest = Hex(d, len);
  *copied = static_cast<uint64_t>(off_in) == hashed ? hashed : UINT64_MAX;
  *done = true;
  return Status::OK();
}

}  // namespace

Status ContentStore::Init() {
  IMAGO_RETURN_IF_ERROR(MakeDir(root_));
  IMAGO_RETURN_IF_ERROR(MakeDir(root_ + "/blobs"));
  IMAGO_RETURN_IF_ERROR(MakeDir(root_ + "/blobs/sha256"));
  return MakeDir(root_ + "/tmp");
}

std::string ContentStore::BlobPath(const std::string& digest) const {
  return root_ + "/blobs/sha256/" + digest;
}

bool ContentStore::Exists(const std::string& digest) const {
  struct stat st;
  return stat(BlobPath(digest).c_str(), &st) == 0;
}

namespace {

// Checks an open source: a regular file in a format the store takes.
Status CheckSource(int in, const std::string& shown, const std::string& field, DiskInfo* disk,
                   uint64_t* size, bool allow_backing) {
  struct stat sst;
  if (fstat(in, &sst) != 0 || !S_ISREG(sst.st_mode)) {
    return Status::InvalidField(field, shown, "The source must be a regular file.");
  }
  uint8_t head[kDiskHeaderBytes] = {};
  ssize_t hn = pread(in, head, sizeof head, 0);
  if (hn < 0) {
    return Status::InvalidField(
        field, shown, std::string("Cannot read the source file: ") + strerror(errno) + ".");
  }
  auto d = SniffDiskFormat(head, static_cast<size_t>(hn), static_cast<uint64_t>(sst.st_size), field,
                           shown, allow_backing);
  if (!d.ok()) return d.status();
  *disk = d.value();
  *size = static_cast<uint64_t>(sst.st_size);
  return Status::OK();
}

}  // namespace

Result<base::UniqueFd> OpenSourceFile(const std::string& path, const std::string& field) {
  int in = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (in < 0) {
    int e = errno;
    std::string why = e == ENOENT ? "The file does not exist." : std::string(strerror(e)) + ".";
    return Status::InvalidField(field, path, "Cannot read the source file: " + why);
  }
  return base::UniqueFd(in);
}

Result<DiskInfo> ContentStore::Probe(int fd, const std::string& shown,
                                     const std::string& field) const {
  DiskInfo disk;
  uint64_t size = 0;
  IMAGO_RETURN_IF_ERROR(CheckSource(fd, shown, field, &disk, &size, false));
  return disk;
}

Result<DiskInfo> ContentStore::Probe(const std::string& src, const std::string& field) const {
  auto fd = OpenSourceFile(src, field);
  if (!fd.ok()) return fd.status();
  return Probe(fd->get(), src, field);
}

Result<PendingBlob> ContentStore::Reserve(const std::string& name) {
  PendingBlob blob;
  blob.tmp_path = root_ + "/tmp/" + name;
  auto lock = base::FileLock::Acquire(blob.tmp_path);
  if (!lock.ok()) return lock.status();
  blob.lock = std::move(lock.value());
  return blob;
}

Status ContentStore::Import(int in, const std::string& src, const std::string& field,
                            const compute::ProgressFn& progress, PendingBlob* blob,
                            bool allow_backing) {
  auto fail = [&](Status st) {
    unlink(blob->tmp_path.c_str());
    return st;
  };
  DiskInfo disk;
  uint64_t size = 0;
  if (Status st = CheckSource(in, src, field, &disk, &size, allow_backing); !st.ok()) {
    return fail(st);
  }
  posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
  int out = blob->lock.fd();
  if (ftruncate(out, 0) != 0) return fail(Errno("cannot truncate " + blob->tmp_path));
  struct stat before;
  if (fstat(in, &before) != 0) return fail(Errno("cannot stat " + src));
  uint64_t copied = 0;
  bool kernel_copied = false;
  Status st = KernelCopy(in, src, out, size, progress, &blob->info.digest, &copied, &kernel_copied);
  if (st.ok() && !kernel_copied) {
    // The kernel cannot copy between these files: copy through user space.
    if (lseek(in, 0, SEEK_SET) != 0 || ftruncate(out, 0) != 0 || lseek(out, 0, SEEK_SET) != 0) {
      return fail(Errno("cannot rewind " + src));
    }
    CopyPipeline pipe(in, out);
    st = pipe.Run(size, progress, &blob->info.digest, &copied);
  }
  if (!st.ok()) return fail(st);
  struct stat after;
  if (fstat(in, &after) != 0) return fail(Errno("cannot stat " + src));
  if (after.st_size != before.st_size || after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
      after.st_ctim.tv_nsec != before.st_ctim.tv_nsec || copied != size) {
    return fail(Status::Unavailable("the source file " + src +
                                    " changed while it was imported; import it again when "
                                    "nothing writes to it"));
  }
  if (fdatasync(out) != 0) return fail(Errno("cannot sync " + blob->tmp_path));
  blob->info.size = copied;
  blob->info.disk = disk;
  if (disk.format == "raw") blob->info.disk.virtual_size = copied;
  return Status::OK();
}

Status ContentStore::Import(const std::string& src, const std::string& field,
                            const compute::ProgressFn& progress, PendingBlob* blob,
                            bool allow_backing) {
  auto in = OpenSourceFile(src, field);
  if (!in.ok()) {
    unlink(blob->tmp_path.c_str());
    return in.status();
  }
  return Import(in->get(), src, field, progress, blob, allow_backing);
}

Status ContentStore::Publish(PendingBlob* blob) {
  std::string dst = BlobPath(blob->info.digest);
  if (Exists(blob->info.digest)) {
    // Same content already stored: keep the one there.
    unlink(blob->tmp_path.c_str());
  } else if (rename(blob->tmp_path.c_str(), dst.c_str()) != 0) {
    return Errno("cannot publish " + dst);
  }
  chmod(dst.c_str(), 0400);
  blob->published = true;
  return Status::OK();
}

Status ContentStore::Remove(const std::string& digest) {
  std::string p = BlobPath(digest);
  if (unlink(p.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove " + p);
  return Status::OK();
}

int ContentStore::RemoveAbandoned() {
  std::string dir = root_ + "/tmp";
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  closedir(d);
  int removed = 0;
  for (const auto& n : names) {
    std::string p = dir + "/" + n;
    bool busy = false;
    auto lock = base::FileLock::TryAcquire(p, &busy);
    if (!lock.ok()) continue;  // A live writer holds it (or it vanished).
    if (unlink(p.c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace imago::localcloud
