// compute::InstanceGroupManagers: zonal managed instance groups (compute/v1
// instanceGroupManagers). A group keeps `targetSize` instances made from its
// versions' templates, heals them and rolls them to a new template.
//
// As on GCE, a mutation's Operation is DONE when the change is recorded,
// not when the instances are made: the group's `status` (isStable,
// versionTarget.isReached) and listManagedInstances say when it is
// reached. On the local cloud the work is done by the controller
// (src/groups), which reports what it sees through GroupRuntime.
#ifndef IMAGO_COMPUTE_INSTANCE_GROUP_MANAGERS_H_
#define IMAGO_COMPUTE_INSTANCE_GROUP_MANAGERS_H_

#include <optional>
#include <string>
#include <vector>

#include "compute/group_types.h"
#include "compute/json_codec.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

/// ManagedInstance: one instance of a group, as listManagedInstances shows it.
struct ManagedInstance {
  std::string instance;  // URL.
  uint64_t id = 0;
  std::string instance_status;  // The instance's status; "" while it is being made.
  std::string current_action;   // NONE, CREATING, RECREATING, DELETING, VERIFYING.
  std::string version_name;
  std::string instance_template;  // URL of the template it was made from.
  std::string health_check;       // URL, when the group has an autohealing policy.
  std::string health_state;       // HEALTHY, UNHEALTHY, UNKNOWN (detailedHealthState).
};

/// InstanceGroupManagersApplyUpdatesRequest: which instances to bring to
/// their version's template now (an OPPORTUNISTIC group's way to update).
struct ApplyUpdatesRequest {
  std::vector<std::string> instances;  // URLs or names.
  bool all_instances = false;
  std::string minimal_action;                  // Default NONE: only what needs it.
  std::string most_disruptive_allowed_action;  // Default REPLACE.
};

/// InstanceManagedByIgmError: why an action on an instance failed.
struct ManagedInstanceError {
  std::string code;
  std::string message;
  std::string instance;  // URL.
  std::string action;    // CREATING, RECREATING, DELETING.
  std::string timestamp;
};

class InstanceGroupManagers {
 public:
  virtual ~InstanceGroupManagers() = default;

  /// Records the group. `instanceTemplate` or `versions` (one or two, each
  /// template at most once, exactly one without targetSize) must name
  /// existing templates; an autohealing health check must exist;
  /// `targetSize` (required, 0-1000), `baseInstanceName` (1-58 characters,
  /// default: the group's name), updatePolicy (maxSurge and maxUnavailable
  /// not both 0; percents only from 10 instances on) are checked. 409 when
  /// the name is taken. Nothing else changes.
  virtual Result<Operation> Insert(const std::string& project, const std::string& zone,
                                   const InstanceGroupManager& igm,
                                   const MutationOptions& opts) = 0;
  /// The group, with its currentActions and status as they are now.
  virtual Result<InstanceGroupManager> Get(const std::string& project, const std::string& zone,
                                           const std::string& igm) = 0;
  virtual Result<ListPage<InstanceGroupManager>> List(const std::string& project,
                                                      const std::string& zone,
                                                      const ListOptions& opts) = 0;
  /// Deletes the group and every instance it manages (with their
  /// auto-delete disks). 400 resourceInUseByAnotherResource, changing
  /// nothing, while a backend service names the group.
  virtual Result<Operation> Delete(const std::string& project, const std::string& zone,
                                   const std::string& igm, const MutationOptions& opts) = 0;
  /// Sets targetSize (0-1000): new instances come from the versions,
  /// surplus ones go.
  virtual Result<Operation> Resize(const std::string& project, const std::string& zone,
                                   const std::string& igm, int size,
                                   const MutationOptions& opts) = 0;
  /// A JSON merge patch of the group (versions, updatePolicy, targetSize,
  /// autoHealingPolicies, instanceTemplate, description, ...), checked as
  /// Insert checks. A `fingerprint` in the patch must be the group's
  /// current one (412 conditionNotMet otherwise). A patch in the middle of
  /// a rollout replaces it.
  virtual Result<Operation> Patch(const std::string& project, const std::string& zone,
                                  const std::string& igm, const Json& patch,
                                  const MutationOptions& opts) = 0;
  /// The template of new instances (and of the single version).
  virtual Result<Operation> SetInstanceTemplate(const std::string& project, const std::string& zone,
                                                const std::string& igm,
                                                const std::string& instance_template,
                                                const MutationOptions& opts) = 0;
  virtual Result<std::vector<ManagedInstance>> ListManagedInstances(const std::string& project,
                                                                    const std::string& zone,
                                                                    const std::string& igm) = 0;
  /// Recreates the named instances (URLs or names) from their version's
  /// template, same names. 400 naming one that is not the group's.
  virtual Result<Operation> RecreateInstances(const std::string& project, const std::string& zone,
                                              const std::string& igm,
                                              const std::vector<std::string>& instances,
                                              const MutationOptions& opts) = 0;
  /// Brings the named instances (or all, with all_instances) to their
  /// version's template: those on another template are replaced, and with
  /// minimal_action REPLACE every one named is. 400 when a replacement is
  /// needed and most_disruptive_allowed_action forbids it, or when an
  /// instance is not the group's; nothing changes then.
  virtual Result<Operation> ApplyUpdatesToInstances(const std::string& project,
                                                    const std::string& zone, const std::string& igm,
                                                    const ApplyUpdatesRequest& request,
                                                    const MutationOptions& opts) = 0;
  /// Deletes the named instances and lowers targetSize by their number.
  virtual Result<Operation> DeleteInstances(const std::string& project, const std::string& zone,
                                            const std::string& igm,
                                            const std::vector<std::string>& instances,
                                            const MutationOptions& opts) = 0;
  /// The errors of the group's recent actions, newest first.
  virtual Result<std::vector<ManagedInstanceError>> ListErrors(const std::string& project,
                                                               const std::string& zone,
                                                               const std::string& igm) = 0;
};

/// What a group's controller tells the cloud. The local cloud's groups are
/// run by imago's controller (src/groups), which reports here; GCE runs its
/// own groups and has no GroupRuntime.
class GroupRuntime {
 public:
  virtual ~GroupRuntime() = default;

  /// What the controller sees of one group now.
  struct Report {
    Json current_actions = Json::object();  // InstanceGroupManagerActionsSummary.
    bool is_stable = false;
    bool version_target_reached = false;
    /// Per instance name: HEALTHY, UNHEALTHY or UNKNOWN.
    std::vector<std::pair<std::string, std::string>> health;
    /// Per instance name: the action under way (CREATING, RECREATING, ...).
    std::vector<std::pair<std::string, std::string>> actions;
    std::vector<ManagedInstanceError> new_errors;  // Appended (the newest 100 are kept).
    std::string waiting;  // Why a rollout does not proceed ("" when it does).
    /// The group's fingerprint the step planned against. A report on a spec
    /// that has changed since (a patch, a resize while the step ran) keeps
    /// its health and actions but cannot say stable or reached.
    std::string fingerprint;
  };
  /// Stores the report; the group's get, listManagedInstances and
  /// listErrors show it. 404 when the group is gone.
  virtual Status ReportGroup(const std::string& project, const std::string& zone,
                             const std::string& igm, const Report& report) = 0;
  /// The instances RecreateInstances asked for that the controller has not
  /// recreated yet; Done marks one recreated.
  virtual Result<std::vector<std::string>> PendingRecreations(const std::string& project,
                                                              const std::string& zone,
                                                              const std::string& igm) = 0;
  virtual Status RecreationDone(const std::string& project, const std::string& zone,
                                const std::string& igm, const std::string& instance) = 0;

  /// The CPU time an instance's VM has used since it started, and its
  /// vCPUs: what an autoscaler measures. 404 when it does not run.
  struct CpuUse {
    double seconds = 0;
    int vcpus = 1;
  };
  virtual Result<CpuUse> InstanceCpu(const std::string& project, const std::string& zone,
                                     const std::string& instance) = 0;
  /// Stores what an autoscaler's step found: the autoscaler's get shows it.
  /// `status` ACTIVE, PENDING or ERROR; `details` AutoscalerStatusDetails.
  virtual Status ReportAutoscaler(const std::string& project, const std::string& zone,
                                  const std::string& autoscaler, const std::string& status,
                                  std::optional<int> recommended_size, const Json& details) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_INSTANCE_GROUP_MANAGERS_H_
