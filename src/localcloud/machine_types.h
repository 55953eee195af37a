// The local cloud's machine types: GCE's names mapped to what a QEMU guest
// gets. Shared-core types get one vCPU here (software emulation gains
// nothing from a second one on a 2-core host).
#ifndef IMAGO_LOCALCLOUD_MACHINE_TYPES_H_
#define IMAGO_LOCALCLOUD_MACHINE_TYPES_H_

#include <string>
#include <vector>

#include "compute/status.h"

namespace imago::localcloud {

struct MachineShape {
  std::string name;
  int cpus = 1;
  int memory_mb = 1024;
};

/// The predefined types, smallest first.
const std::vector<MachineShape>& MachineShapes();

/// The type `name` names: a predefined one or `custom-CPUS-MEMORY_MB` as in
/// GCE. 400 naming `field` for anything else, or when the host has less
/// memory than the type asks.
compute::Result<MachineShape> ResolveMachineType(const std::string& field, const std::string& name);

/// The machine type an instance gets when it names none.
constexpr const char* kDefaultMachineType = "e2-micro";

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_MACHINE_TYPES_H_
