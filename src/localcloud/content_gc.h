// Garbage collection of image content: a blob goes when the last image,
// disk or snapshot that rests on it goes, and with it, up its chain of
// parents, every blob that was kept only for it. Unlinking is journaled:
// a blob's row leaves the catalog and its digest enters the trash in one
// transaction; the file is unlinked afterwards, under the store lock, so a
// crash between the two leaves a trash entry that the next run empties.
//
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_CONTENT_GC_H_
#define IMAGO_LOCALCLOUD_CONTENT_GC_H_

#include <string>

#include "compute/status.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

/// Within a write transaction (store lock held): drops `digest`, and up
/// its chain of parents every blob nothing uses any more, into the trash.
compute::Status ReleaseContent(LocalStore& s, std::string digest);

/// Unlinks the trash's files whose blob rows are gone (content re-imported
/// meanwhile is kept). Call with mu() held and the store lock
/// (HOME/store.lock) held, outside a transaction. `*removed` counts files.
compute::Status EmptyTrash(LocalStore& s, int* removed);

/// EmptyTrash with both locks taken here.
compute::Status CollectTrash(LocalStore& s);

/// HOME/store.lock, held while content files are published or unlinked.
std::string StoreLockPath(const LocalStore& s);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_CONTENT_GC_H_
