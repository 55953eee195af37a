// Ancestry: every image records the image it was built from (sourceImage),
// so images form chains (base -> app -> product). An image is outdated when
// an image in its chain is no longer the head of its family: the seed's
// "users must somehow be told that their image is outdated".
#ifndef IMAGO_LIFECYCLE_ANCESTRY_H_
#define IMAGO_LIFECYCLE_ANCESTRY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::lifecycle {

/// Heads of every family among `images`, computed as getFromFamily does:
/// the newest READY image that is not deprecated. Family name -> image.
std::map<std::string, const compute::Image*> FamilyHeads(const std::vector<compute::Image>& images);

struct OutdatedImage {
  const compute::Image* image;
  /// The nearest ancestor that is not its family's head; nullptr when the
  /// chain reaches an image of the project that no longer exists (`gone`).
  const compute::Image* stale;
  const compute::Image* head;  // The head of that family now (nullptr when it has none).
  int depth;                   // 1: the parent, 2: the grandparent, ...
  std::string gone;            // The name of the ancestor that no longer exists.
};

/// Images (not deprecated; of `family` when given; the heads of their
/// families, or without a family) whose chain holds an image that is no
/// longer the head of its family, or reaches an image of their own project
/// that no longer exists (an image of another project, such as a public
/// base image, is not followed). Sorted by name. An older image of a family
/// is not listed: the family has moved past it, and rotation retires it.
std::vector<OutdatedImage> FindOutdated(const std::vector<compute::Image>& images,
                                        const std::optional<std::string>& family);

/// A disk made from an image that is no longer what its family serves: the
/// image is not its family's head (superseded), is outdated (above), or no
/// longer exists. A VM's boot disk is one: its `users` name the VM.
struct StaleDisk {
  const compute::Disk* disk;
  const compute::Image* image;  // nullptr when the image no longer exists.
  std::string why;              // One line: what moved, and to what.
};

/// The disks among `disks` made from a stale image of `images` (of
/// `family` when given), in the order of `disks`. Disks made from a
/// snapshot or from another project's image are not judged.
std::vector<StaleDisk> FindStaleDisks(const std::vector<compute::Disk>& disks,
                                      const std::vector<compute::Image>& images,
                                      const std::optional<std::string>& family);

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_ANCESTRY_H_
