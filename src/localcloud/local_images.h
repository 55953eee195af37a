// LocalImages: the local cloud's images. Rows in the catalog, content in
// the content store: an imported file is copied in once, hashed as it is
// copied; an image of a disk keeps only the disk's delta over its parent.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_IMAGES_H_
#define IMAGO_LOCALCLOUD_LOCAL_IMAGES_H_

#include <optional>
#include <string>

#include "compute/images.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalImages final : public compute::Images {
 public:
  explicit LocalImages(LocalStore& store) : s_(store) {}
  LocalImages(const LocalImages&) = delete;
  LocalImages& operator=(const LocalImages&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::Image& image,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Image> Get(const std::string& project,
                                      const std::string& image) override;
  compute::Result<compute::Image> GetFromFamily(const std::string& project,
                                                const std::string& family) override;
  compute::Result<compute::ListPage<compute::Image>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& image,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Deprecate(
      const std::string& project, const std::string& image,
      const std::optional<compute::DeprecationStatus>& status,
      const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetLabels(const std::string& project,
                                                const std::string& image,
                                                const compute::Labels& labels,
                                                const std::string& fingerprint,
                                                const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project, const std::string& image,
                                            const compute::ImagePatch& patch,
                                            const compute::MutationOptions& opts) override;

  /// The file holding an image's content (local cloud only); 400
  /// resourceNotReady while it has none.
  compute::Result<std::string> ContentPath(const std::string& project, const std::string& image);

  /// The content of the file `path` (absolute) in the image's file system,
  /// read without booting it (disk_files.h), at most `max_bytes`. Kept in
  /// the home's cache by content: an image's content never changes, so a
  /// second read costs a file read. 404 when the image or the file does not
  /// exist, 400 when its disk holds no ext file system or the file is
  /// larger than `max_bytes`, 503 on I/O failure.
  compute::Result<std::string> ReadFile(const std::string& project, const std::string& image,
                                        const std::string& path, size_t max_bytes);

 private:
  // Copies `source` into the store as the content of a new image, journaled
  // (image_import.cc). `parent`: the source is this cloud's own qcow2 delta
  // over that blob, which the new blob then depends on.
  compute::Result<compute::Operation> Import(const std::string& project, compute::Image image,
                                             int fd, const std::string& shown,
                                             const compute::MutationOptions& opts,
                                             const std::string& parent = "");
  // Image.rawDisk.source: opened under the import policy (import_source.h);
  // a tar.gz is unpacked first.
  compute::Result<compute::Operation> FromRawDisk(const std::string& project, compute::Image image,
                                                  const compute::MutationOptions& opts);
  // An image of a disk no running instance uses: its delta (image_import.cc).
  compute::Result<compute::Operation> FromDisk(const std::string& project, compute::Image image,
                                               const compute::MutationOptions& opts);
  // A copy of another image or of a snapshot: new row, same content.
  compute::Result<compute::Operation> FromImageOrSnapshot(const std::string& project,
                                                          const compute::Image& in,
                                                          compute::Image image,
                                                          const compute::MutationOptions& opts);
  // Within a transaction: checks dates and resolves the replacement to a URL.
  compute::Status ValidateDeprecation(const std::string& project, const ImageRow& target,
                                      compute::DeprecationStatus* d);

  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_IMAGES_H_
