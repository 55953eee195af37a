// How the local cloud resolves what a request names as a source: an image
// (by name, id, URL or family) or a snapshot, with GCE's rules on their
// states. Shared by images, disks and instances.
//
// Every function here runs with the store's lock held, inside a transaction.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_SOURCES_H_
#define IMAGO_LOCALCLOUD_SOURCES_H_

#include <string>

#include "compute/resource_ref.h"
#include "compute/status.h"
#include "compute/types.h"
#include "localcloud/catalog.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

/// The image row `ref` names (a family: its head); 404 naming its path.
compute::Result<ImageRow> LoadImageRef(LocalStore& s, const std::string& project,
                                       const compute::ImageRef& ref);
/// The image row `image` (a name or a numeric id) names; 404 naming its path,
/// 400 for a malformed name.
compute::Result<ImageRow> LoadImage(LocalStore& s, const std::string& project,
                                    const std::string& image);

/// The image `text` names in request field `field`, checked for use as a
/// source: it must be READY and neither OBSOLETE nor DELETED (400); a
/// DEPRECATED one is used, with a DEPRECATED_RESOURCE_USED warning added to
/// `op` when given. An unknown image is 400 naming the field, an unknown
/// family 404 naming the family's path (as GCE answers).
compute::Result<ImageRow> ResolveSourceImage(LocalStore& s, const std::string& project,
                                             const std::string& field, const std::string& text,
                                             compute::Operation* op);

/// The READY snapshot `text` names in request field `field`; 400 naming
/// the field when there is none, 400 resourceNotReady while it is made.
compute::Result<ResourceRow> ResolveSnapshot(LocalStore& s, const std::string& project,
                                             const std::string& field, const std::string& text);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_SOURCES_H_
