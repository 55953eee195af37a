// compute::HealthChecks: global health checks (compute/v1 healthChecks):
// how a group's instances are probed, and when one counts as healthy.
#ifndef IMAGO_COMPUTE_HEALTH_CHECKS_H_
#define IMAGO_COMPUTE_HEALTH_CHECKS_H_

#include <string>

#include "compute/group_types.h"
#include "compute/json_codec.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class HealthChecks {
 public:
  virtual ~HealthChecks() = default;

  /// Stores the check with GCE's defaults for what is unset (every 5 s, a
  /// 5 s timeout, 2 successes to be healthy, 2 failures to be unhealthy,
  /// port 80, path /). 400 naming the field when `type` and the protocol
  /// field disagree, timeoutSec > checkIntervalSec, or a port is outside
  /// 1-65535; 409 when the name is taken.
  virtual Result<Operation> Insert(const std::string& project, const HealthCheck& hc,
                                   const MutationOptions& opts) = 0;
  virtual Result<HealthCheck> Get(const std::string& project, const std::string& health_check) = 0;
  virtual Result<ListPage<HealthCheck>> List(const std::string& project,
                                             const ListOptions& opts) = 0;
  /// Replaces the check by `hc` (healthChecks.update, PUT): what `hc` leaves
  /// unset takes its default again. The name cannot change.
  virtual Result<Operation> Update(const std::string& project, const std::string& health_check,
                                   const HealthCheck& hc, const MutationOptions& opts) = 0;
  /// Applies `patch`, a JSON merge patch (RFC 7396) of the resource
  /// (healthChecks.patch); the result is checked as Insert checks.
  virtual Result<Operation> Patch(const std::string& project, const std::string& health_check,
                                  const Json& patch, const MutationOptions& opts) = 0;
  /// 400 resourceInUseByAnotherResource, changing nothing, while a group's
  /// autohealing policy or a backend service names it.
  virtual Result<Operation> Delete(const std::string& project, const std::string& health_check,
                                   const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_HEALTH_CHECKS_H_
