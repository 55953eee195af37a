// HealthProber: judges one instance by one health check, as GCE's probers
// do: an HTTP GET that must answer 200 (and hold `response` when the check
// names one) within the timeout, or a TCP connect (that must answer
// `response` when named).
#ifndef IMAGO_GROUPS_HEALTH_PROBER_H_
#define IMAGO_GROUPS_HEALTH_PROBER_H_

#include <string>

#include "compute/group_types.h"
#include "compute/vm_types.h"

namespace imago::groups {

class HealthProber {
 public:
  virtual ~HealthProber() = default;
  /// True when `instance` passes one probe of `check` now. Never throws;
  /// blocks at most check.timeout_sec.
  virtual bool Probe(const compute::HealthCheck& check, const compute::Instance& instance) = 0;
};

/// Where this host reaches `port` of `instance`: "HOST:PORT" of its
/// forwarded port (the local cloud), else of its networkIP; empty when it
/// has neither.
std::string HostAddress(const compute::Instance& instance, int port);

/// Probes from this host. The address of an instance's port is its
/// forwarded port on the host when it has one (the local cloud), else its
/// networkIP.
class HostProber final : public HealthProber {
 public:
  bool Probe(const compute::HealthCheck& check, const compute::Instance& instance) override;
};

}  // namespace imago::groups

#endif  // IMAGO_GROUPS_HEALTH_PROBER_H_
