#include "gce/gce_machine_types.h"

#include "compute/cloud_codec.h"

namespace imago::gce {

using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MachineType;
using compute::Result;

namespace {

Result<MachineType> ReadMachineType(const Json& x) {
  return compute::MachineTypeFromJson(x);
}

}  // namespace

Result<ListPage<MachineType>> GceMachineTypes::List(const std::string& project,
                                                    const std::string& zone,
                                                    const ListOptions& opts) {
  auto j = c_.Get(ZonePath(project, zone) + "machineTypes", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<MachineType>(*j, ReadMachineType);
}

Result<MachineType> GceMachineTypes::Get(const std::string& project, const std::string& zone,
                                         const std::string& name) {
  auto j = c_.Get(ZonePath(project, zone) + "machineTypes/" + UrlEncode(name));
  if (!j.ok()) return j.status();
  return ReadAnswer<MachineType>(*j, ReadMachineType);
}

Result<compute::AggregatedPage<MachineType>> GceMachineTypes::AggregatedList(
    const std::string& project, const ListOptions& opts) {
  auto j = c_.Get(ProjectPath(project) + "aggregated/machineTypes", ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadAggregated<MachineType>(*j, "machineTypes", ReadMachineType);
}

}  // namespace imago::gce
