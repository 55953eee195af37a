#include "localcloud/machine_types.h"

#include <unistd.h>

#include <fmt/format.h>

namespace imago::localcloud {

using compute::Status;

const std::vector<MachineShape>& MachineShapes() {
  static const std::vector<MachineShape> k = {
      {"f1-micro", 1, 614},       {"e2-micro", 1, 1024},      {"g1-small", 1, 1740},
      {"e2-small", 1, 2048},      {"e2-medium", 2, 4096},     {"n1-standard-1", 1, 3840},
      {"e2-standard-2", 2, 8192}, {"n1-standard-2", 2, 7680},
  };
  return k;
}

compute::Result<MachineShape> ResolveMachineType(const std::string& field,
                                                 const std::string& name) {
  MachineShape type;
  bool found = false;
  for (const auto& t : MachineShapes()) {
    if (t.name == name) {
      type = t;
      found = true;
    }
  }
  if (!found) {
    int cpus = 0, mem = 0;
    char tail = 0;
    if (sscanf(name.c_str(), "custom-%d-%d%c", &cpus, &mem, &tail) != 2 || cpus < 1 || cpus > 64 ||
        mem < 128) {
      std::string known;
      for (const auto& t : MachineShapes()) known += (known.empty() ? "" : ", ") + t.name;
      return Status::InvalidField(field, name,
                                  "Unknown machine type; use one of " + known +
                                      " or custom-CPUS-MEMORY_MB (e.g. custom-1-512).");
    }
    type = {name, cpus, mem};
  }
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  long host_mb = pages > 0 && page > 0 ? pages / (1024 * 1024 / page) : 0;
  if (host_mb > 0 && type.memory_mb > host_mb) {
    return Status::InvalidField(
        field, name,
        fmt::format("It asks for {} MiB of memory and this host has {} MiB; pick a smaller type.",
                    type.memory_mb, host_mb));
  }
  long host_cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (host_cpus > 0 && type.cpus > host_cpus) {
    return Status::InvalidField(
        field, name,
        fmt::format("It asks for {} vCPUs and this host has {}; pick a smaller type.", type.cpus,
                    host_cpus));
  }
  return type;
}

}  // namespace imago::localcloud
