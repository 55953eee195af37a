// compute::InstanceGroups: zonal instance groups (compute/v1
// instanceGroups). Each managed group has one, of the same name: what a
// backend service names as its backend, and where its named ports (the
// port a backend service's portName means) are set.
#ifndef IMAGO_COMPUTE_INSTANCE_GROUPS_H_
#define IMAGO_COMPUTE_INSTANCE_GROUPS_H_

#include <string>
#include <vector>

#include "compute/group_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class InstanceGroups {
 public:
  virtual ~InstanceGroups() = default;
  virtual Result<InstanceGroup> Get(const std::string& project, const std::string& zone,
                                    const std::string& group) = 0;
  virtual Result<ListPage<InstanceGroup>> List(const std::string& project, const std::string& zone,
                                               const ListOptions& opts) = 0;
  /// Replaces the group's named ports (instanceGroups.setNamedPorts). 400
  /// naming the field for a bad name or port or a name given twice; 412
  /// when `fingerprint` is given and is no longer the group's.
  virtual Result<Operation> SetNamedPorts(const std::string& project, const std::string& zone,
                                          const std::string& group,
                                          const std::vector<NamedPort>& ports,
                                          const std::string& fingerprint,
                                          const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_INSTANCE_GROUPS_H_
