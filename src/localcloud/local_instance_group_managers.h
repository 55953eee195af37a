// LocalInstanceGroupManagers: the local cloud's managed instance groups. A
// group is a catalog row holding its spec; its instances are ordinary
// instances whose metadata `created-by` names the group (as on GCE). The
// work (creating, healing, rolling) is the controller's (src/groups): it
// reads the spec and listManagedInstances through the waist and reports
// back through GroupRuntime, whose reports live in the row's local state.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_INSTANCE_GROUP_MANAGERS_H_
#define IMAGO_LOCALCLOUD_LOCAL_INSTANCE_GROUP_MANAGERS_H_

#include <functional>
#include <string>
#include <vector>

#include "compute/instance_group_managers.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalInstances;

class LocalInstanceGroupManagers final : public compute::InstanceGroupManagers,
                                         public compute::GroupRuntime {
 public:
  LocalInstanceGroupManagers(LocalStore& store, LocalInstances& instances)
      : s_(store), instances_(instances) {}
  LocalInstanceGroupManagers(const LocalInstanceGroupManagers&) = delete;
  LocalInstanceGroupManagers& operator=(const LocalInstanceGroupManagers&) = delete;

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

  // GroupRuntime.
  compute::Status ReportGroup(const std::string& project, const std::string& zone,
                              const std::string& igm, const Report& report) override;
  compute::Result<std::vector<std::string>> PendingRecreations(const std::string& project,
                                                               const std::string& zone,
                                                               const std::string& igm) override;
  compute::Status RecreationDone(const std::string& project, const std::string& zone,
                                 const std::string& igm, const std::string& instance) override;
  compute::Result<CpuUse> InstanceCpu(const std::string& project, const std::string& zone,
                                      const std::string& instance) override;
  compute::Status ReportAutoscaler(const std::string& project, const std::string& zone,
                                   const std::string& autoscaler, const std::string& status,
                                   std::optional<int> recommended_size,
                                   const compute::Json& details) override;

  /// Within a transaction: 400 resourceInUseByAnotherResource when a group
  /// of `project` names the template (selfLink `link`) or the health check.
  static compute::Status CheckTemplateUnused(LocalStore& s, const std::string& project,
                                             const std::string& link);
  static compute::Status CheckHealthCheckUnused(LocalStore& s, const std::string& project,
                                                const std::string& link);

 private:
  /// The group's spec checked and completed (defaults, URLs of its
  /// templates and health check) inside a transaction; 400 naming the field.
  compute::Status Normalize(const std::string& project, const std::string& zone,
                            compute::InstanceGroupManager* g);
  /// Changes the stored spec of `igm` with `change`, normalizes it again and
  /// stores it, as one mutation of type `type`.
  compute::Result<compute::Operation> Change(
      const std::string& project, const std::string& zone, const std::string& igm, const char* type,
      const compute::MutationOptions& opts,
      const std::function<compute::Status(compute::InstanceGroupManager*, ResourceRow*)>& change);
  /// The names of the instances whose created-by is `link` (store lock held;
  /// inside a transaction or not).
  compute::Result<std::vector<std::string>> MemberNames(const std::string& project,
                                                        const std::string& zone,
                                                        const std::string& link);

  LocalStore& s_;
  LocalInstances& instances_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_INSTANCE_GROUP_MANAGERS_H_
