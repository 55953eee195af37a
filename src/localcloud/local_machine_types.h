// LocalMachineTypes: the machine types of the local cloud's zones (see
// machine_types.h for what each gives a QEMU guest).
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_MACHINE_TYPES_H_
#define IMAGO_LOCALCLOUD_LOCAL_MACHINE_TYPES_H_

#include <string>

#include "compute/machine_types.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalMachineTypes final : public compute::MachineTypes {
 public:
  explicit LocalMachineTypes(LocalStore& store) : s_(store) {}
  LocalMachineTypes(const LocalMachineTypes&) = delete;
  LocalMachineTypes& operator=(const LocalMachineTypes&) = delete;

  compute::Result<compute::ListPage<compute::MachineType>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::MachineType> Get(const std::string& project, const std::string& zone,
                                            const std::string& name) override;
  compute::Result<compute::AggregatedPage<compute::MachineType>> AggregatedList(
      const std::string& project, const compute::ListOptions& opts) override;

 private:
  compute::MachineType Make(const std::string& project, const std::string& zone,
                            const std::string& name, int cpus, int memory_mb) const;
  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_MACHINE_TYPES_H_
