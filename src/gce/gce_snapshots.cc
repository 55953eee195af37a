#include "gce/gce_snapshots.h"

#include "compute/vm_codec.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Snapshot;

namespace {

std::string SnapshotsPath(const std::string& project) {
  return ProjectPath(project) + "global/snapshots";
}
Result<Snapshot> ReadSnapshot(const Json& x) {
  return compute::SnapshotFromJson(x);
}

}  // namespace

Result<Snapshot> GceSnapshots::Get(const std::string& project, const std::string& snapshot) {
  auto j = c_.Get(SnapshotsPath(project) + "/" + UrlEncode(snapshot));
  if (!j.ok()) return j.status();
  return ReadAnswer<Snapshot>(*j, ReadSnapshot);
}

Result<ListPage<Snapshot>> GceSnapshots::List(const std::string& project, const ListOptions& opts) {
  auto j = c_.Get(SnapshotsPath(project), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Snapshot>(*j, ReadSnapshot);
}

Result<Operation> GceSnapshots::Delete(const std::string& project, const std::string& snapshot,
                                       const MutationOptions& opts) {
  return c_.Mutate("DELETE", SnapshotsPath(project) + "/" + UrlEncode(snapshot), {}, nullptr, opts);
}

}  // namespace imago::gce
