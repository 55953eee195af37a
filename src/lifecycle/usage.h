// UsageIndex: the one place that answers "who uses this image". Rotation
// never advances an image that something uses. Each kind of reference is
// added here as imago gains it.
//
// Kinds today:
//   image     an image built from it (sourceImage) that is not DELETED: the
//             parent stays while its children are alive, so a chain stays
//             reproducible and layered children keep their base.
//   instance  an instance whose disk was made from it (directly, or from a
//             snapshot of such a disk).
//   disk      a disk made from it, attached to nothing.
//   snapshot  a snapshot of a disk made from it (while that disk exists:
//             a snapshot does not record the image itself).
// To come with their issues: instance templates, instance group versions,
// deployments that pin an image.
#ifndef IMAGO_LIFECYCLE_USAGE_H_
#define IMAGO_LIFECYCLE_USAGE_H_

#include <map>
#include <string>
#include <vector>

#include "compute/service.h"
#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::lifecycle {

/// The resources that can use an image, in every zone of a project.
struct VmResources {
  std::vector<compute::Disk> disks;
  std::vector<compute::Snapshot> snapshots;
};

/// Reads them: zones.list, disks.list in each zone, snapshots.list. `calls`
/// counts the list calls made.
compute::Result<VmResources> ListVmResources(compute::Service& svc, const std::string& project,
                                             int* calls = nullptr);

/// One use of an image.
struct ImageUse {
  std::string kind;  // "image", "instance", "disk", "snapshot".
  std::string by;    // Name of the user.
};

class UsageIndex {
 public:
  /// Indexes the references to `images` (all images of the project) from
  /// images and from `vms`.
  explicit UsageIndex(const std::vector<compute::Image>& images, const VmResources& vms = {});

  /// Who uses the image with this id; empty when nothing does.
  const std::vector<ImageUse>& UsesOf(uint64_t image_id) const;

  /// "image app-v1 (and 2 more)".
  static std::string Describe(const std::vector<ImageUse>& uses);

 private:
  std::map<uint64_t, std::vector<ImageUse>> uses_;
};

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_USAGE_H_
