// GceMachineTypes: compute::MachineTypes over the REST API (projects/P/zones/Z/machineTypes).
#ifndef IMAGO_GCE_GCE_MACHINE_TYPES_H_
#define IMAGO_GCE_GCE_MACHINE_TYPES_H_

#include <string>

#include "compute/machine_types.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceMachineTypes final : public compute::MachineTypes {
 public:
  explicit GceMachineTypes(ApiCaller& caller) : c_(caller) {}
  GceMachineTypes(const GceMachineTypes&) = delete;
  GceMachineTypes& operator=(const GceMachineTypes&) = delete;

  compute::Result<compute::ListPage<compute::MachineType>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::MachineType> Get(const std::string& project, const std::string& zone,
                                            const std::string& name) override;
  compute::Result<compute::AggregatedPage<compute::MachineType>> AggregatedList(
      const std::string& project, const compute::ListOptions& opts) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_MACHINE_TYPES_H_
