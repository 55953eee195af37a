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
//   template  an instance template whose boot disk is made from it (by
//             name: a template naming a family resolves it at each disk,
//             and keeps no one image); groups use templates.
//   release   one of the last N releases of an environment's (N: the
//             rotation policy's releases_kept, default kReleasesKept)
//             ledger, or a live, kept or deploying one: a rollback may
//             need it (lifecycle/release_ledger.h).
#ifndef IMAGO_LIFECYCLE_USAGE_H_
#define IMAGO_LIFECYCLE_USAGE_H_

#include <map>
#include <string>
#include <vector>

#include "compute/group_types.h"
#include "compute/service.h"
#include "compute/types.h"
#include "compute/vm_types.h"
#include "lifecycle/policy.h"

namespace imago::lifecycle {

/// The resources that can use an image, in every zone of a project.
struct VmResources {
  std::vector<compute::Disk> disks;
  std::vector<compute::Snapshot> snapshots;
  std::vector<compute::InstanceTemplate> templates;
  /// (environment's ledger key, image id) of the releases that count.
  std::vector<std::pair<std::string, std::string>> release_images;
};

/// Reads them: zones.list, disks.list in each zone, snapshots.list,
/// instanceTemplates.list, projects.get (the ledgers). `calls` counts the
/// calls made. `releases_kept`: how many of each environment's last
/// releases count (the rotation policy's releases_kept).
compute::Result<VmResources> ListVmResources(compute::Service& svc, const std::string& project,
                                             int* calls = nullptr,
                                             int releases_kept = kReleasesKept);

/// One use of an image.
struct ImageUse {
  std::string kind;  // "image", "instance", "disk", "snapshot", "template", "release".
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
