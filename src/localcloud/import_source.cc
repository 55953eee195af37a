#include "localcloud/import_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace imago::localcloud {

using compute::Result;
using compute::Status;

namespace {

constexpr const char* kField = "image.rawDisk.source";

Status Refuse(const std::string& source, const std::string& why) {
  return Status::InvalidField(kField, source, why);
}

// The real path of a directory, or "" when it does not resolve.
std::string RealDir(const std::string& dir) {
  char buf[PATH_MAX];
  if (!realpath(dir.c_str(), buf)) return "";
  struct stat st;
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return "";
  return buf;
}

// What an O_PATH descriptor refers to, read back from the kernel.
std::string OpenedPath(int fd) {
  char buf[PATH_MAX];
  ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// Opens `path` and checks what was opened: below one of `roots` (real
// paths; none: anywhere), a regular file. Then reopens that very file for
// reading. `source` and `hint` are for messages.
Result<base::UniqueFd> OpenChecked(const std::string& path, const std::vector<std::string>& roots,
                                   const std::string& source, const std::string& hint) {
  base::UniqueFd probe(open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!probe.valid()) {
    int e = errno;
    return Refuse(source, e == ENOENT
                              ? "The file does not exist." + (hint.empty() ? "" : " " + hint)
                              : std::string("Cannot open it: ") + strerror(e) + ".");
  }
  if (!roots.empty()) {
    std::string real = OpenedPath(probe.get());
    bool inside = false;
    for (const std::string& root : roots) {
      inside = inside || (real.size() > root.size() + 1 && real.starts_with(root + "/"));
    }
    if (!inside) {
      return Refuse(source, "It resolves to a file outside what this server may read. " + hint);
    }
  }
  struct stat st;
  if (fstat(probe.get(), &st) != 0)
    return Refuse(source, std::string("Cannot stat it: ") + strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    return Refuse(source,
                  S_ISDIR(st.st_mode)
                      ? "It is a directory; the source must be a regular file (a disk image)."
                      : "It is not a regular file (a device, a FIFO or a "
                        "socket); give a disk image file.");
  }
  // The same inode, now for reading: a link swapped in meanwhile changes nothing.
  base::UniqueFd in(open(("/proc/self/fd/" + std::to_string(probe.get())).c_str(),
                         O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!in.valid()) return Refuse(source, std::string("Cannot read it: ") + strerror(errno) + ".");
  return in;
}

bool ValidBucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 222 || b == "." || b == "..") return false;
  for (char c : b) {
    if (!(islower(static_cast<unsigned char>(c)) || isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<ImportFile> OpenImportSource(const std::string& source, const ImportPolicy& policy,
                                    const std::string& home) {
  ImportFile file;
  file.shown = source;
  std::string bucket, object;
  for (const char* prefix : {"gs://", "https://storage.googleapis.com/"}) {
    if (source.starts_with(prefix)) {
      std::string rest = source.substr(strlen(prefix));
      size_t slash = rest.find('/');
      bucket = rest.substr(0, slash);
      object = slash == std::string::npos ? "" : rest.substr(slash + 1);
      if (!ValidBucket(bucket) || object.empty()) {
        return Refuse(source,
                      "A Cloud Storage URL is gs://BUCKET/OBJECT (or "
                      "https://storage.googleapis.com/BUCKET/OBJECT).");
      }
      break;
    }
  }
  Result<base::UniqueFd> fd = Status::Internal("unset");
  if (!bucket.empty()) {
    std::string dir = home + "/buckets/" + bucket;
    std::string root = RealDir(dir);
    std::string hint = "The local cloud's bucket " + bucket + " is the directory " + dir +
                       "; put the object there (" + dir + "/" + object + ").";
    if (root.empty()) return Refuse(source, "No such bucket. " + hint);
    fd = OpenChecked(root + "/" + object, {root}, source, hint);
  } else {
    std::string path = source.starts_with("file://") ? source.substr(7) : source;
    if (path.empty() || path[0] != '/') {
      return Refuse(source,
                    "Name a Cloud Storage object (gs://BUCKET/OBJECT: the local bucket is "
                    "$IMAGO_HOME/buckets/BUCKET) or an absolute path (/PATH or file:///PATH).");
    }
    if (policy.host_files) {
      fd = OpenChecked(path, {}, source, "");
    } else {
      std::vector<std::string> roots;
      for (const auto& r : policy.roots) {
        std::string real = RealDir(r);
        if (!real.empty()) roots.push_back(real);
      }
      std::string hint =
          roots.empty()
              ? "This server reads no file by path: put the disk in a bucket ($IMAGO_HOME/"
                "buckets/BUCKET/OBJECT, then gs://BUCKET/OBJECT), or start imago serve with "
                "--import-root DIR."
              : "Files are read below the import roots only (imago serve --import-root), or "
                "from a bucket (gs://BUCKET/OBJECT).";
      if (roots.empty()) return Refuse(source, hint);
      fd = OpenChecked(path, roots, source, hint);
    }
  }
  if (!fd.ok()) return fd.status();
  file.fd = std::move(fd.value());
  unsigned char magic[2] = {0, 0};
  file.gzip = pread(file.fd.get(), magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  return file;
}

Status ExtractDiskRaw(int in, const std::string& shown, int out) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  if (!a) return Status::Unavailable("cannot read archives (libarchive)");
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_fd(a.get(), in, 1 << 16) != ARCHIVE_OK) {
    return Refuse(shown, std::string("Not a readable tar.gz: ") + archive_error_string(a.get()));
  }
  auto bad = [&]() {
    const char* e = archive_error_string(a.get());
    return Refuse(shown, std::string("Not a readable tar.gz: ") + (e ? e : "unexpected end"));
  };
  archive_entry* entry = nullptr;
  while (true) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return bad();
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (name.starts_with("./")) name = name.substr(2);
    if (name != "disk.raw") continue;
    if (archive_entry_filetype(entry) != AE_IFREG) {
      return Refuse(shown, "Its disk.raw is not a regular file.");
    }
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while (true) {
      r = archive_read_data_block(a.get(), &buf, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return bad();
      const char* p = static_cast<const char*>(buf);
      while (size > 0) {
        ssize_t n = pwrite(out, p, size, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
          return Status::Unavailable(std::string("cannot write disk.raw: ") + strerror(errno));
        p += n;
        size -= static_cast<size_t>(n);
        offset += n;
      }
    }
    // A sparse archive may end in a hole: the file is as long as the entry.
    if (ftruncate(out, archive_entry_size(entry)) != 0) {
      return Status::Unavailable(std::string("cannot write disk.raw: ") + strerror(errno));
    }
    return Status::OK();
  }
  return Refuse(shown,
                "The archive holds no disk.raw: GCE's raw-disk format is a tar.gz with one "
                "file, disk.raw (tar -Sczf image.tar.gz disk.raw).");
}

}  // namespace imago::localcloud
