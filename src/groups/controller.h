// Controller: runs the managed instance groups of a cloud that does not run
// its own (the local cloud; GCE runs its groups itself). Each Step() looks
// at every group of the project's zones through the waist, probes the
// instances that are due, plans one step (rollout_plan.h), carries it out
// with instances.insert and instances.delete, and reports to the cloud's
// GroupRuntime. It remembers only health (consecutive probe results), which
// a new controller learns again in a few probes; everything else is read
// anew each step, so a controller killed at any point is replaced by one
// that carries on, and instances whose group is gone are deleted.
#ifndef IMAGO_GROUPS_CONTROLLER_H_
#define IMAGO_GROUPS_CONTROLLER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compute/service.h"
#include "groups/autoscaling.h"
#include "groups/health_prober.h"

namespace imago::groups {

/// What one step did to one group: for `imago controller status`.
struct GroupStepReport {
  std::string zone;
  std::string group;
  int target_size = 0;
  int instances = 0;
  int available = 0;
  bool stable = false;
  std::vector<std::string> did;  // "created web-x1z9 (version v2)", ...
  std::string waiting;
  std::vector<std::string> errors;
};

/// Asked before an instance of a group is deleted or made again: the load
/// balancer drains it first (lb/balancer.h).
class DrainGate {
 public:
  virtual ~DrainGate() = default;
  /// True when `instance` (a URL) may go now; false: ask again next step.
  virtual bool ReadyToRemove(const std::string& instance) = 0;
};

class Controller {
 public:
  /// `svc` must have a GroupRuntime; `prober` and `svc` outlive this.
  /// `now_us` gives the time (microseconds, any epoch).
  Controller(compute::Service& svc, HealthProber& prober, std::string project,
             std::function<int64_t()> now_us);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  /// One pass over every group of every zone. Errors of one group are in
  /// its report (and in the group's listErrors); a non-OK Status means the
  /// cloud could not be read at all.
  compute::Result<std::vector<GroupStepReport>> Step();
  /// Deletions and recreations wait until `gate` lets the instance go
  /// (nullptr: they go at once). `gate` outlives this.
  void set_drain_gate(DrainGate* gate) { gate_ = gate; }

 private:
  struct ProbeState {
    uint64_t instance_id = 0;
    int successes = 0;
    int failures = 0;
    std::string state = "UNKNOWN";
    int64_t next_probe_us = 0;
    int64_t available_since_us = 0;
  };

  /// `listed`: the zone's instances by selfLink, read once for the step.
  GroupStepReport StepGroup(const std::string& zone, const compute::InstanceGroupManager& g,
                            const std::map<std::string, const compute::Instance*>& listed);
  /// Measures the CPU use of the groups that have an autoscaler, and
  /// resizes them to what it recommends (reports in `out`).
  void StepAutoscalers(const std::string& zone,
                       const std::vector<compute::InstanceGroupManager>& groups,
                       const std::vector<compute::Instance>& instances,
                       std::vector<GroupStepReport>* out);
  /// Deletes those of `instances` (the zone's, listed before the groups
  /// stepped) whose created-by names a group that is gone.
  void DeleteOrphans(const std::string& zone, const std::vector<std::string>& groups,
                     const std::vector<compute::Instance>& instances,
                     std::vector<GroupStepReport>* out);

  compute::Service& svc_;
  HealthProber& prober_;
  std::string project_;
  std::function<int64_t()> now_us_;
  DrainGate* gate_ = nullptr;
  std::map<std::string, ProbeState> health_;  // By instance URL.
  std::set<std::string> seen_;                // Instance URLs met during this Step.
  struct CpuSample {
    int64_t at_us = 0;
    double seconds = 0;
    std::optional<double> utilization;  // Over the interval before `at_us`.
  };
  std::map<std::string, CpuSample> cpu_;               // By instance URL.
  std::map<std::string, ScaleHistory> scale_history_;  // By autoscaler URL.
};

/// The instance a group makes from `t`: named `name`, in `zone`, with the
/// metadata GCE's groups set (created-by: the group's URL; instance-template).
compute::Instance InstanceFromTemplate(const compute::InstanceTemplate& t, const std::string& name,
                                       const std::string& zone, const std::string& group_link);

/// statefulPolicy.preservedState.disks of `g`: device name -> autoDelete
/// (NEVER or ON_PERMANENT_INSTANCE_DELETION).
std::map<std::string, std::string> StatefulDisks(const compute::InstanceGroupManager& g);

/// The name of instance `instance`'s stateful disk `device` (made from the
/// template's initializeParams the first time, reattached after that).
std::string StatefulDiskName(const std::string& instance, const std::string& device);

/// A new instance name for `base`: base-xxxx (4 random [a-z0-9]), or, when
/// `base` ends in -###, the lowest free number of that width.
std::string NewInstanceName(const std::string& base, const std::vector<std::string>& taken);

}  // namespace imago::groups

#endif  // IMAGO_GROUPS_CONTROLLER_H_
