// LocalInstanceGroups: the instance group of each managed group, read
// from the group's catalog row (same name, same id); its named ports are
// kept in that row beside the spec. Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_INSTANCE_GROUPS_H_
#define IMAGO_LOCALCLOUD_LOCAL_INSTANCE_GROUPS_H_

#include <string>
#include <vector>

#include "compute/instance_groups.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalInstanceGroups final : public compute::InstanceGroups {
 public:
  explicit LocalInstanceGroups(LocalStore& store) : s_(store) {}
  LocalInstanceGroups(const LocalInstanceGroups&) = delete;
  LocalInstanceGroups& operator=(const LocalInstanceGroups&) = delete;

  compute::Result<compute::InstanceGroup> Get(const std::string& project, const std::string& zone,
                                              const std::string& group) override;
  compute::Result<compute::ListPage<compute::InstanceGroup>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> SetNamedPorts(const std::string& project,
                                                    const std::string& zone,
                                                    const std::string& group,
                                                    const std::vector<compute::NamedPort>& ports,
                                                    const std::string& fingerprint,
                                                    const compute::MutationOptions& opts) override;

 private:
  /// The group of a managed group's row (store lock held).
  compute::Result<compute::InstanceGroup> FromRow(const ResourceRow& row);

  LocalStore& s_;
};

/// The named ports kept in a managed group's row.
std::vector<compute::NamedPort> NamedPortsOf(const ResourceRow& igm_row);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_INSTANCE_GROUPS_H_
