// UsageIndex: the one place that answers "who uses this image". Rotation
// never advances an image that something uses. Each kind of reference is
// added here as imago gains it.
//
// Kinds today:
//   image  an image built from it (sourceImage) that is not DELETED: the
//          parent stays while its children are alive, so a chain stays
//          reproducible and layered children keep their base.
// To come with their issues: instance disks, disks' sources, instance
// templates, instance group versions, deployments that pin an image.
#ifndef IMAGO_LIFECYCLE_USAGE_H_
#define IMAGO_LIFECYCLE_USAGE_H_

#include <map>
#include <string>
#include <vector>

#include "compute/types.h"

namespace imago::lifecycle {

/// One use of an image.
struct ImageUse {
  std::string kind;  // "image", later "instance", "disk", "template", ...
  std::string by;    // Name of the user.
};

class UsageIndex {
 public:
  /// Indexes the references among `images` (all images of the project).
  explicit UsageIndex(const std::vector<compute::Image>& images);

  /// Who uses the image with this id; empty when nothing does.
  const std::vector<ImageUse>& UsesOf(uint64_t image_id) const;

  /// "image app-v1 (and 2 more)".
  static std::string Describe(const std::vector<ImageUse>& uses);

 private:
  std::map<uint64_t, std::vector<ImageUse>> uses_;
};

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_USAGE_H_
