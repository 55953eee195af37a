// Where an image's content may come from when a request names a file
// (Image.rawDisk.source), and how that file is opened so that no request
// can make the local cloud read a file it was not given (docs/security.md).
//
//   gs://BUCKET/OBJECT, https://storage.googleapis.com/BUCKET/OBJECT
//       the object OBJECT of the local bucket HOME/buckets/BUCKET/;
//   /PATH, file:///PATH
//       a file of this machine: any the process can read when the policy
//       allows host files (the imago command: its user names their own
//       files), else only one below an import root (imago serve
//       --import-root DIR; none by default).
//
// The check is made on what was opened, never on a name before opening it:
// the path is opened (O_PATH, following links, without side effects on
// devices or FIFOs), the opened file's real path is read back from
// /proc/self/fd and must lie below the root, it must be a regular file, and
// only then is that same file reopened for reading. A link swapped in
// between cannot redirect it.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_IMPORT_SOURCE_H_
#define IMAGO_LOCALCLOUD_IMPORT_SOURCE_H_

#include <string>
#include <vector>

#include "base/file_util.h"
#include "compute/status.h"
#include "localcloud/local_options.h"

namespace imago::localcloud {

/// An opened import source.
struct ImportFile {
  base::UniqueFd fd;  // Open for reading.
  std::string shown;  // How messages name it (the source as given).
  bool gzip = false;  // A gzip file: GCE's raw-disk archive, a tar.gz holding disk.raw.
};

/// Opens what `source` names under `policy`, the buckets being below
/// `home`/buckets. 400 naming image.rawDisk.source, saying how to import,
/// for anything else: another scheme, a path outside the roots (after links
/// and `..` are resolved), a missing file or bucket, a directory, a device,
/// a FIFO.
compute::Result<ImportFile> OpenImportSource(const std::string& source, const ImportPolicy& policy,
                                             const std::string& home);

/// Unpacks the disk.raw of the tar.gz `in` (GCE's raw-disk archive) into
/// `out` (sparse where the archive is). 400 naming `shown` when it is not
/// such an archive or holds no disk.raw.
compute::Status ExtractDiskRaw(int in, const std::string& shown, int out);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_IMPORT_SOURCE_H_
