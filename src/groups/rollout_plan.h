// The decisions of a managed instance group, as one pure function: given
// what the group should be (its versions, size and update policy) and what
// its instances are now, which instances to create, delete or recreate in
// this step. The controller calls it again after every change, so that a
// crash between two steps loses nothing: the next step starts from what
// exists, not from a remembered plan, and a newer spec (a fix, or the old
// template again) simply replaces a rollout in progress.
//
// The bounds it keeps are GCE's: at most targetSize + maxSurge instances,
// at least targetSize - maxUnavailable available ones (RUNNING, and HEALTHY
// once when the group has an autohealing health check), both counted
// within this step.
#ifndef IMAGO_GROUPS_ROLLOUT_PLAN_H_
#define IMAGO_GROUPS_ROLLOUT_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compute/group_types.h"

namespace imago::groups {

using compute::FixedOrPercent;
using compute::Resolve;

/// One entry of InstanceGroupManager.versions.
struct VersionSpec {
  std::string name;
  std::string instance_template;              // What identifies the version's instances.
  std::optional<FixedOrPercent> target_size;  // Unset: the rest of the group.
};

/// InstanceGroupManager.updatePolicy, with GCE's defaults for a zonal group.
struct UpdatePolicy {
  bool proactive = true;   // type PROACTIVE (else OPPORTUNISTIC).
  bool substitute = true;  // replacementMethod SUBSTITUTE (else RECREATE).
  FixedOrPercent max_surge{1, std::nullopt, 0};
  FixedOrPercent max_unavailable{1, std::nullopt, 0};
  int min_ready_sec = 0;  // The beta API's soak time after availability.
};

/// What the group should be.
struct GroupSpec {
  int target_size = 0;
  std::vector<VersionSpec> versions;  // One or two; exactly one without target_size.
  UpdatePolicy policy;
  bool has_health_check = false;  // An autohealing policy names one.
  int initial_delay_sec = 0;      // Failed checks are ignored this long after a create.
  bool repair = true;             // instanceLifecyclePolicy.defaultActionOnFailure REPAIR.
};

enum class Health { kUnknown, kHealthy, kUnhealthy };

/// One instance of the group as it is now.
struct Member {
  std::string name;
  std::string instance_template;
  std::string
      status;  // PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED; "" when its VM is gone.
  Health health = Health::kUnknown;
  int64_t created_us = 0;
  int64_t available_since_us = 0;  // When it became available (0: never).
};

struct Action {
  enum class Kind { kCreate, kDelete, kRecreate };
  Kind kind;
  std::string name;               // kDelete, kRecreate: the member; kCreate: "".
  std::string instance_template;  // kCreate, kRecreate: the template to make it from.
  std::string version;            // The version's name, for listManagedInstances.
  std::string reason;             // For listErrors and `imago controller status`.
};

struct Plan {
  std::vector<Action> actions;
  int available = 0;                    // Members available now.
  bool version_target_reached = false;  // Every member on the template its version says.
  bool stable = false;                  // Nothing to do and nothing in progress.
  std::string waiting;  // Why a rollout does not proceed, when it does not ("" otherwise).
};

/// The per-version target sizes of `spec`, in the order of spec.versions.
std::vector<int> VersionTargets(const GroupSpec& spec);

/// The step to take now. Deterministic: the same inputs give the same plan.
Plan PlanStep(const GroupSpec& spec, const std::vector<Member>& members, int64_t now_us);

}  // namespace imago::groups

#endif  // IMAGO_GROUPS_ROLLOUT_PLAN_H_
