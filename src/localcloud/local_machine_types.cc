#include "localcloud/local_machine_types.h"

#include <fmt/format.h>

#include "compute/aggregate.h"
#include "compute/cloud_codec.h"
#include "compute/filter.h"
#include "compute/resource_ref.h"
#include "localcloud/list_util.h"
#include "localcloud/machine_types.h"

namespace imago::localcloud {

using compute::ListOptions;
using compute::ListPage;
using compute::MachineType;
using compute::Result;
using compute::Status;

namespace {

// A stable id per name (GCE's ids of machine types never change).
uint64_t IdOf(const std::string& name) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return 1'000'000'000'000'000'000ULL + h % 8'000'000'000'000'000'000ULL;
}

bool SharedCore(const std::string& name) {
  return name == "f1-micro" || name == "g1-small" || name == "e2-micro" || name == "e2-small" ||
         name == "e2-medium";
}

}  // namespace

MachineType LocalMachineTypes::Make(const std::string& project, const std::string& zone,
                                    const std::string& name, int cpus, int memory_mb) const {
  MachineType m;
  m.id = IdOf(name);
  m.creation_timestamp = "2026-01-01T00:00:00.000-00:00";
  m.name = name;
  m.description = fmt::format("{} vCPU{}, {} MB RAM (a QEMU guest on this host)", cpus,
                              cpus == 1 ? "" : "s", memory_mb);
  m.guest_cpus = cpus;
  m.memory_mb = memory_mb;
  m.maximum_persistent_disks = 16;
  m.maximum_persistent_disks_size_gb = 65536;
  m.is_shared_cpu = SharedCore(name);
  m.zone = zone;
  m.self_link = s_.Link(compute::ZonalPath(project, zone, "machineTypes", name));
  return m;
}

Result<ListPage<MachineType>> LocalMachineTypes::List(const std::string& project,
                                                      const std::string& zone,
                                                      const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  std::vector<MachineType> all;
  for (const auto& t : MachineShapes()) {
    // What this host cannot run is not offered (as a GCE zone lists only its own).
    if (!ResolveMachineType("machineType", t.name).ok()) continue;
    all.push_back(Make(project, zone, t.name, t.cpus, t.memory_mb));
  }
  return internal::PageOfList("machineTypes", project, zone, std::move(all), opts,
                              compute::MachineTypeFilterSchema());
}

Result<MachineType> LocalMachineTypes::Get(const std::string& project, const std::string& zone,
                                           const std::string& name) {
  IMAGO_RETURN_IF_ERROR(s_.CheckZone(project, zone));
  bool known = name.starts_with("custom-");
  for (const auto& t : MachineShapes()) known = known || t.name == name;
  if (!known) {
    return Status::ResourceNotFound(compute::ZonalPath(project, zone, "machineTypes", name));
  }
  auto t = ResolveMachineType("machineType", name);
  if (!t.ok()) {
    // custom-X-Y that does not parse is no machine type at all.
    if (name.starts_with("custom-") && t.status().message().find("Unknown") != std::string::npos) {
      return Status::ResourceNotFound(compute::ZonalPath(project, zone, "machineTypes", name));
    }
    return t.status();
  }
  return Make(project, zone, t->name, t->cpus, t->memory_mb);
}

Result<compute::AggregatedPage<MachineType>> LocalMachineTypes::AggregatedList(
    const std::string& project, const ListOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  std::vector<std::string> scopes;
  for (const auto& z : s_.options().zones) scopes.push_back("zones/" + z);
  return compute::AggregateList<MachineType>(scopes, opts,
                                             [&](const std::string& scope, const ListOptions& o) {
                                               return List(project, scope.substr(6), o);
                                             });
}

}  // namespace imago::localcloud
