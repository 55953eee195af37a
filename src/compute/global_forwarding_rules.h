// compute::GlobalForwardingRules: global forwarding rules (compute/v1
// globalForwardingRules): the address and port clients connect to, sent to
// a target proxy. On the local cloud the address is on 127.0.0.0/8.
#ifndef IMAGO_COMPUTE_GLOBAL_FORWARDING_RULES_H_
#define IMAGO_COMPUTE_GLOBAL_FORWARDING_RULES_H_

#include <string>

#include "compute/lb_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class GlobalForwardingRules {
 public:
  virtual ~GlobalForwardingRules() = default;
  /// 400 naming the field when the target names no target HTTP proxy, the
  /// port range is not one port, or the address cannot be served; 409 when
  /// the name, or another rule's address and port, is taken.
  virtual Result<Operation> Insert(const std::string& project, const ForwardingRule& rule,
                                   const MutationOptions& opts) = 0;
  virtual Result<ForwardingRule> Get(const std::string& project, const std::string& rule) = 0;
  virtual Result<ListPage<ForwardingRule>> List(const std::string& project,
                                                const ListOptions& opts) = 0;
  /// Sends the rule to another target proxy (globalForwardingRules.setTarget).
  virtual Result<Operation> SetTarget(const std::string& project, const std::string& rule,
                                      const std::string& target, const MutationOptions& opts) = 0;
  virtual Result<Operation> Delete(const std::string& project, const std::string& rule,
                                   const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_GLOBAL_FORWARDING_RULES_H_
