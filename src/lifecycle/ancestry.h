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

namespace imago::lifecycle {

/// Heads of every family among `images`, computed as getFromFamily does:
/// the newest READY image that is not deprecated. Family name -> image.
std::map<std::string, const compute::Image*> FamilyHeads(const std::vector<compute::Image>& images);

struct OutdatedImage {
  const compute::Image* image;
  const compute::Image* stale;  // The nearest ancestor that is not its family's head.
  const compute::Image* head;   // The head of that family now (nullptr when it has none).
  int depth;                    // 1: the parent, 2: the grandparent, ...
};

/// Images (not deprecated; of `family` when given; the heads of their
/// families, or without a family) whose chain holds an image that is no
/// longer the head of its family. Sorted by name. An older image of a family
/// is not listed: the family has moved past it, and rotation retires it.
std::vector<OutdatedImage> FindOutdated(const std::vector<compute::Image>& images,
                                        const std::optional<std::string>& family);

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_ANCESTRY_H_
