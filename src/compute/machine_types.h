// compute::MachineTypes: the shapes an instance can have in a zone
// (compute/v1 machineTypes).
#ifndef IMAGO_COMPUTE_MACHINE_TYPES_H_
#define IMAGO_COMPUTE_MACHINE_TYPES_H_

#include <string>

#include "compute/cloud_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class MachineTypes {
 public:
  virtual ~MachineTypes() = default;

  /// One page of the zone's predefined machine types.
  virtual Result<ListPage<MachineType>> List(const std::string& project, const std::string& zone,
                                             const ListOptions& opts) = 0;
  /// The machine type `name`: a predefined one, or custom-CPUS-MEMORY_MB as
  /// on GCE. 404 naming its path for an unknown name; 400 when this cloud
  /// cannot run it (a local cloud with less memory or fewer CPUs).
  virtual Result<MachineType> Get(const std::string& project, const std::string& zone,
                                  const std::string& name) = 0;
  /// The machine types of every zone of the project.
  virtual Result<AggregatedPage<MachineType>> AggregatedList(const std::string& project,
                                                             const ListOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_MACHINE_TYPES_H_
