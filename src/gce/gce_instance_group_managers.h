// GceInstanceGroupManagers: compute::InstanceGroupManagers over the REST API
// (projects/P/zones/Z/instanceGroupManagers). GCE runs the groups itself.
#ifndef IMAGO_GCE_GCE_INSTANCE_GROUP_MANAGERS_H_
#define IMAGO_GCE_GCE_INSTANCE_GROUP_MANAGERS_H_

#include <string>
#include <vector>

#include "compute/instance_group_managers.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceInstanceGroupManagers final : public compute::InstanceGroupManagers {
 public:
  explicit GceInstanceGroupManagers(ApiCaller& caller) : c_(caller) {}
  GceInstanceGroupManagers(const GceInstanceGroupManagers&) = delete;
  GceInstanceGroupManagers& operator=(const GceInstanceGroupManagers&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project, const std::string& zone,
                                             const compute::InstanceGroupManager& igm,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::InstanceGroupManager> Get(const std::string& project,
                                                     const std::string& zone,
                                                     const std::string& igm) override;
  compute::Result<compute::ListPage<compute::InstanceGroupManager>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& zone,
                                             const std::string& igm,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Resize(const std::string& project, const std::string& zone,
                                             const std::string& igm, int size,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project, const std::string& zone,
                                            const std::string& igm, const compute::Json& patch,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> SetInstanceTemplate(
      const std::string& project, const std::string& zone, const std::string& igm,
      const std::string& instance_template, const compute::MutationOptions& opts) override;
  compute::Result<std::vector<compute::ManagedInstance>> ListManagedInstances(
      const std::string& project, const std::string& zone, const std::string& igm) override;
  compute::Result<compute::Operation> RecreateInstances(
      const std::string& project, const std::string& zone, const std::string& igm,
      const std::vector<std::string>& instances, const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> ApplyUpdatesToInstances(
      const std::string& project, const std::string& zone, const std::string& igm,
      const compute::ApplyUpdatesRequest& request, const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> DeleteInstances(
      const std::string& project, const std::string& zone, const std::string& igm,
      const std::vector<std::string>& instances, const compute::MutationOptions& opts) override;
  compute::Result<std::vector<compute::ManagedInstanceError>> ListErrors(
      const std::string& project, const std::string& zone, const std::string& igm) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_INSTANCE_GROUP_MANAGERS_H_
