// References to resources in every form GCE accepts, and the URLs imago
// writes (selfLink, replacement, sourceImage).
#ifndef IMAGO_COMPUTE_RESOURCE_REF_H_
#define IMAGO_COMPUTE_RESOURCE_REF_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "compute/status.h"

namespace imago::compute {

/// The selfLink prefix GCE itself writes.
constexpr const char* kDefaultSelfLinkBase = "https://www.googleapis.com/compute/v1/";

/// A parsed reference to an image or to an image family.
struct ImageRef {
  enum class Kind { kImage, kFamily };
  Kind kind = Kind::kImage;
  std::string project;  // Empty: the caller's project.
  std::string name;     // Image or family name; empty when `id` is set.
  uint64_t id = 0;      // Non-zero when the image was named by its numeric id.

  bool is_family() const { return kind == Kind::kFamily; }
};

/// Parses an image reference:
///   https://HOST/compute/v1/projects/P/global/images/NAME   (any host, v1/beta/alpha)
///   projects/P/global/images/NAME      global/images/NAME      NAME
///   .../images/family/FAMILY           a numeric image id
/// On failure: 400 invalid naming `field` and the text.
Result<ImageRef> ParseImageRef(std::string_view field, std::string_view text);

/// "projects/P/global/images/NAME", the resource path used in messages.
std::string ImagePath(std::string_view project, std::string_view name);
/// "projects/P/global/images/family/F".
std::string FamilyPath(std::string_view project, std::string_view family);
/// "projects/P/global/operations/NAME".
std::string GlobalOperationPath(std::string_view project, std::string_view name);

/// A parsed reference to a zonal or global resource (disk, instance,
/// snapshot, machine type).
struct ResourceRef {
  std::string project;  // Empty: the caller's project.
  std::string zone;     // Empty: the caller's zone (zonal resources).
  std::string name;     // The name, or the id's digits.
  uint64_t id = 0;      // Non-zero when named by numeric id.
};

/// Parses NAME, an id, [projects/P/]zones/Z/COLLECTION/NAME (zonal) or
/// [projects/P/]global/COLLECTION/NAME (global), or a full URL of those.
Result<ResourceRef> ParseResourceRef(std::string_view field, std::string_view text,
                                     std::string_view collection, bool zonal);

/// "projects/P/zones/Z/COLLECTION/NAME".
std::string ZonalPath(std::string_view project, std::string_view zone, std::string_view collection,
                      std::string_view name);
/// "projects/P/global/COLLECTION/NAME".
std::string GlobalPath(std::string_view project, std::string_view collection,
                       std::string_view name);
/// "projects/P/zones/Z".
std::string ZonePath(std::string_view project, std::string_view zone);
/// The text after the last '/' (a name from a URL).
std::string LastSegment(std::string_view url);

/// base + path, where base ends with '/'.
std::string Link(std::string_view base, std::string_view path);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_RESOURCE_REF_H_
