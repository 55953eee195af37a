// compute::Images: the global collection of disk images (compute/v1 images).
#ifndef IMAGO_COMPUTE_IMAGES_H_
#define IMAGO_COMPUTE_IMAGES_H_

#include <optional>
#include <string>

#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

/// The fields `images.patch` may change; unset members stay as they are.
struct ImagePatch {
  std::optional<std::string> family;  // "" clears the family.
  std::optional<std::string> description;
  std::optional<DeprecationStatus> deprecated;  // state ACTIVE clears it.
};

/// Images are immutable: after Insert only their deprecation status, labels,
/// family and description change. See service.h for what every method shares.
class Images {
 public:
  virtual ~Images() = default;

  /// Creates an image from exactly one source: `raw_disk.source`,
  /// `source_image` (any ImageRef form; a family URL is resolved now and
  /// recorded as sourceImage + sourceImageId), `source_disk` (a disk no
  /// running instance uses) or `source_snapshot`. Output-only fields of
  /// `image` are ignored. On success the image is READY when the Operation
  /// is returned. A DEPRECATED source succeeds with a DEPRECATED_RESOURCE_USED
  /// warning on the Operation; an OBSOLETE or DELETED one is refused (400).
  /// 409 when the name is taken; 400 naming the field for a bad value.
  virtual Result<Operation> Insert(const std::string& project, const Image& image,
                                   const MutationOptions& opts) = 0;
  /// The image named `image` (a name or a numeric id); 404 naming its path.
  virtual Result<Image> Get(const std::string& project, const std::string& image) = 0;
  /// The newest READY image of `family` that is not deprecated; 404 naming
  /// the family's path when there is none.
  virtual Result<Image> GetFromFamily(const std::string& project, const std::string& family) = 0;
  /// One page of the project's images, DEPRECATED/OBSOLETE/DELETED ones
  /// included, filtered and ordered as `opts` says.
  virtual Result<ListPage<Image>> List(const std::string& project, const ListOptions& opts) = 0;
  /// Deletes the image. Disks, snapshots and images made from it keep
  /// working: its content stays while any of them needs it. 400
  /// resourceNotReady while it is PENDING.
  virtual Result<Operation> Delete(const std::string& project, const std::string& image,
                                   const MutationOptions& opts) = 0;
  /// Sets the deprecation status; nullopt (an empty body) or state ACTIVE
  /// clears it. `replacement`, when set, must name another existing image
  /// (stored as its URL); the dates must be RFC 3339. The dates are
  /// informational: nothing changes state by itself.
  virtual Result<Operation> Deprecate(const std::string& project, const std::string& image,
                                      const std::optional<DeprecationStatus>& status,
                                      const MutationOptions& opts) = 0;
  /// Replaces all labels. `fingerprint` must equal the image's current
  /// labelFingerprint, else 412 conditionNotMet (location If-Match).
  virtual Result<Operation> SetLabels(const std::string& project, const std::string& image,
                                      const Labels& labels, const std::string& fingerprint,
                                      const MutationOptions& opts) = 0;
  /// Changes family, description and deprecation status, as images.patch.
  virtual Result<Operation> Patch(const std::string& project, const std::string& image,
                                  const ImagePatch& patch, const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_IMAGES_H_
