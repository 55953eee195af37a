// The methods of a global collection whose resource is one catalog row and
// nothing else (instance templates, health checks, ...): get, list and
// delete by kind. Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_GLOBAL_ROWS_H_
#define IMAGO_LOCALCLOUD_GLOBAL_ROWS_H_

#include <functional>
#include <mutex>
#include <string>

#include "localcloud/list_util.h"
#include "localcloud/local_store.h"

namespace imago::localcloud::internal {

/// The `kind` row named `name` (or id) in `project`, read by `read` (a
/// FromJson of the resource); 404 naming "global/COLLECTION/NAME".
template <typename T, typename Read>
Result<T> GetGlobalRow(LocalStore& s, const char* kind, const char* collection,
                       const std::string& project, const std::string& name, const Read& read) {
  IMAGO_RETURN_IF_ERROR(s.CheckProject(project));
  std::lock_guard lock(s.mu());
  auto row = s.LoadRow(kind, collection, project, "", name);
  if (!row.ok()) return row.status();
  return read(row->resource);
}

/// One page of the `kind` rows of `project` that `opts` selects.
template <typename T, typename Read>
Result<ListPage<T>> ListGlobalRows(LocalStore& s, const char* kind, const char* collection,
                                   const std::string& project, const ListOptions& opts,
                                   const compute::FilterSchema& schema, const Read& read) {
  auto plan = PlanList(collection, project, opts, schema);
  if (!plan.ok()) return plan.status();
  plan->scan.name = plan->filter.RequiredValue("name");
  std::lock_guard lock(s.mu());
  return FillPage<T>(s.catalog(), kind, project, "", *plan, read);
}

/// Deletes the `kind` row `name` as one mutation. `check`, when given, sees
/// the row first (inside the transaction) and may refuse; then nothing
/// changes.
inline Result<Operation> DeleteGlobalRow(
    LocalStore& s, const char* kind, const char* collection, const std::string& project,
    const std::string& name, const compute::MutationOptions& opts,
    const std::function<Status(const ResourceRow&)>& check = nullptr) {
  IMAGO_RETURN_IF_ERROR(s.CheckProject(project));
  return s.Mutate(project, "delete", opts, [&](Operation* op) -> Status {
    auto row = s.LoadRow(kind, collection, project, "", name);
    if (!row.ok()) return row.status();
    if (check) IMAGO_RETURN_IF_ERROR(check(*row));
    IMAGO_RETURN_IF_ERROR(s.catalog().DeleteResource(row->id));
    op->target_link = row->resource.value("selfLink", "");
    op->target_id = row->id;
    return Status::OK();
  });
}

}  // namespace imago::localcloud::internal

#endif  // IMAGO_LOCALCLOUD_GLOBAL_ROWS_H_
