#include "localcloud/content_gc.h"

#include "base/file_lock.h"

namespace imago::localcloud {

using compute::Status;

std::string StoreLockPath(const LocalStore& s) {
  return s.home() + "/store.lock";
}

Status ReleaseContent(LocalStore& s, std::string digest) {
  Catalog& c = s.catalog();
  while (!digest.empty()) {
    auto users = c.CountContentUsers(digest);
    if (!users.ok()) return users.status();
    if (*users > 0) return Status::OK();
    auto blob = c.FindBlob(digest);
    if (!blob.ok()) return blob.status();
    std::string parent = blob->has_value() ? (*blob)->parent : "";
    IMAGO_RETURN_IF_ERROR(c.DeleteBlob(digest));
    IMAGO_RETURN_IF_ERROR(c.AddTrash(digest));
    digest = parent;  // The parent may have been kept only for this child.
  }
  return Status::OK();
}

Status EmptyTrash(LocalStore& s, int* removed) {
  Catalog& c = s.catalog();
  auto trash = c.ListTrash();
  if (!trash.ok()) return trash.status();
  for (const std::string& digest : *trash) {
    IMAGO_RETURN_IF_ERROR(c.db().WriteTxn([&]() -> Status {
      auto exists = c.BlobExists(digest);
      if (!exists.ok()) return exists.status();
      if (!*exists) {  // Not re-imported meanwhile: the file can go.
        IMAGO_RETURN_IF_ERROR(s.store().Remove(digest));
        ++*removed;
      }
      return c.RemoveTrash(digest);
    }));
  }
  return Status::OK();
}

Status CollectTrash(LocalStore& s) {
  auto store_lock = base::FileLock::Acquire(StoreLockPath(s));
  if (!store_lock.ok()) return store_lock.status();
  std::lock_guard lock(s.mu());
  int removed = 0;
  return EmptyTrash(s, &removed);
}

}  // namespace imago::localcloud
