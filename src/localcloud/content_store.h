// The content-addressed store of image content: one file per distinct
// content, named by its SHA-256, below ROOT/blobs/sha256/. Files are written
// once and never changed.
//
// Writing is two-phase so that a crash (kill -9) at any point leaves nothing
// that recovery cannot recognise:
//   1. Import() copies the source into ROOT/tmp/NAME while hashing it; the
//      temporary file is flock()ed by the writer for as long as it lives.
//   2. Publish() renames it to its digest's path; the caller then commits the
//      catalog row and destroys the PendingBlob (which drops the lock).
// A temporary file whose lock can be taken has no living writer: it is junk.
#ifndef IMAGO_LOCALCLOUD_CONTENT_STORE_H_
#define IMAGO_LOCALCLOUD_CONTENT_STORE_H_

#include <cstdint>
#include <string>

#include "base/file_lock.h"
#include "base/file_util.h"
#include "compute/service.h"
#include "compute/status.h"
#include "localcloud/disk_format.h"

namespace imago::localcloud {

struct BlobInfo {
  std::string digest;  // Lower-case hex SHA-256 of the content.
  uint64_t size = 0;   // Bytes stored.
  DiskInfo disk;       // Format and virtual size.
  std::string parent;  // The blob this qcow2 delta backs on; "" when it stands alone.
};

/// A blob written to the temporary area, not yet published. Holds the lock.
struct PendingBlob {
  base::FileLock lock;
  std::string tmp_path;
  BlobInfo info;
  bool published = false;
};

/// Opens `path` for reading (never blocking on a FIFO, never taking a
/// terminal); 400 naming `field` when it cannot be opened.
compute::Result<base::UniqueFd> OpenSourceFile(const std::string& path, const std::string& field);

class ContentStore {
 public:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;

  /// Creates the directories.
  compute::Status Init();

  std::string BlobPath(const std::string& digest) const;

  /// Checks that the open file `fd` (shown as `shown`) is a regular file in
  /// a format the store takes (see SniffDiskFormat; `field` names the
  /// source in errors). The descriptor stays the caller's.
  compute::Result<DiskInfo> Probe(int fd, const std::string& shown, const std::string& field) const;
  /// The same for the file at `src`.
  compute::Result<DiskInfo> Probe(const std::string& src, const std::string& field) const;

  /// Creates and locks the temporary file `name`.
  compute::Result<PendingBlob> Reserve(const std::string& name);

  /// Copies the open file `fd` (shown as `src` in messages) into the
  /// reserved temporary file, hashing it in the same pass, and fsyncs it.
  /// 503 when the file changes while it is read. On failure the temporary
  /// file is removed. `allow_backing`: the source is the local cloud's own
  /// qcow2 delta over another blob (never a user's file). The descriptor
  /// stays the caller's.
  compute::Status Import(int fd, const std::string& src, const std::string& field,
                         const compute::ProgressFn& progress, PendingBlob* blob,
                         bool allow_backing = false);
  /// The same for the file at `src` (opened here).
  compute::Status Import(const std::string& src, const std::string& field,
                         const compute::ProgressFn& progress, PendingBlob* blob,
                         bool allow_backing = false);

  /// Moves a pending blob to its content path (if that content is already
  /// stored, the copy is dropped). The lock stays with `blob`.
  compute::Status Publish(PendingBlob* blob);

  /// Deletes the content file of `digest` (absent is fine).
  compute::Status Remove(const std::string& digest);

  /// Deletes temporary files whose writer is gone. Returns how many.
  int RemoveAbandoned();

  bool Exists(const std::string& digest) const;

 private:
  std::string root_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_CONTENT_STORE_H_
