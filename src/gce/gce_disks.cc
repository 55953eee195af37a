#include "gce/gce_disks.h"

#include "compute/vm_codec.h"

namespace imago::gce {

using compute::Disk;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;

namespace {

std::string DisksPath(const std::string& project, const std::string& zone) {
  return ZonePath(project, zone) + "disks";
}
std::string One(const std::string& project, const std::string& zone, const std::string& disk) {
  return DisksPath(project, zone) + "/" + UrlEncode(disk);
}
Result<Disk> ReadDisk(const Json& x) {
  return compute::DiskFromJson(x);
}

}  // namespace

Result<Operation> GceDisks::Insert(const std::string& project, const std::string& zone,
                                   const Disk& disk, const MutationOptions& opts) {
  Json body = compute::ToJson(disk);
  return c_.Mutate("POST", DisksPath(project, zone), {}, &body, opts);
}

Result<Disk> GceDisks::Get(const std::string& project, const std::string& zone,
                           const std::string& disk) {
  auto j = c_.Get(One(project, zone, disk));
  if (!j.ok()) return j.status();
  return ReadAnswer<Disk>(*j, ReadDisk);
}

Result<ListPage<Disk>> GceDisks::List(const std::string& project, const std::string& zone,
                                      const ListOptions& opts) {
  auto j = c_.Get(DisksPath(project, zone), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Disk>(*j, ReadDisk);
}

Result<compute::AggregatedPage<Disk>> GceDisks::AggregatedList(const std::string& project,
                                                               const ListOptions& opts) {
  auto j = c_.Get(ProjectPath(project) + "aggregated/disks", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadAggregated<Disk>(*j, "disks", ReadDisk);
}

Result<Operation> GceDisks::Delete(const std::string& project, const std::string& zone,
                                   const std::string& disk, const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, zone, disk), {}, nullptr, opts);
}

Result<Operation> GceDisks::CreateSnapshot(const std::string& project, const std::string& zone,
                                           const std::string& disk,
                                           const compute::Snapshot& snapshot,
                                           const MutationOptions& opts) {
  Json body = compute::ToJson(snapshot);
  return c_.Mutate("POST", One(project, zone, disk) + "/createSnapshot", {}, &body, opts);
}

}  // namespace imago::gce
