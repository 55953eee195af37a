#include "localcloud/host_quotas.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

#include "compute/resource_ref.h"
#include "compute/vm_codec.h"
#include "localcloud/machine_types.h"

namespace imago::localcloud {

using compute::Quota;
using compute::Result;
using compute::Status;

Result<std::vector<Quota>> ZoneQuotas(LocalStore& s, const std::string& project,
                                      const std::vector<std::string>& zones) {
  double cpus_used = 0, instances = 0, disk_gb = 0;
  {
    std::lock_guard lock(s.mu());
    Catalog& c = s.catalog();
    IMAGO_RETURN_IF_ERROR(c.db().ReadTxn([&]() -> Status {
      for (const std::string& zone : zones) {
        IMAGO_RETURN_IF_ERROR(
            c.ScanResources(kInstanceKind, project, zone, {}, [&](ResourceRow&& r) {
              ++instances;
              if (r.status() == "RUNNING") {
                auto type = ResolveMachineType(
                    "machineType", compute::LastSegment(r.resource.value("machineType", "")));
                cpus_used += type.ok() ? type->cpus : 1;
              }
              return true;
            }));
        IMAGO_RETURN_IF_ERROR(c.ScanResources(kDiskKind, project, zone, {}, [&](ResourceRow&& r) {
          auto d = compute::DiskFromJson(r.resource);
          if (d.ok()) disk_gb += static_cast<double>(d->size_gb);
          return true;
        }));
      }
      return Status::OK();
    }));
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  double memory_mb = pages > 0 && page > 0 ? static_cast<double>(pages) * page / (1 << 20) : 0;
  int smallest = MachineShapes().front().memory_mb;
  for (const auto& t : MachineShapes()) smallest = std::min(smallest, t.memory_mb);
  struct statvfs fs;
  double fs_gb = statvfs(s.home().c_str(), &fs) == 0
                     ? static_cast<double>(fs.f_blocks) * fs.f_frsize / (1ULL << 30)
                     : 0;
  return std::vector<Quota>{
      {"CPUS", static_cast<double>(std::max(1L, cores)), cpus_used},
      {"INSTANCES", std::max(1.0, static_cast<double>(static_cast<long>(memory_mb / smallest))),
       instances},
      {"DISKS_TOTAL_GB", static_cast<double>(static_cast<long>(fs_gb)), disk_gb}};
}

}  // namespace imago::localcloud
