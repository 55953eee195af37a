// compute::Autoscalers: zonal autoscalers (compute/v1 autoscalers): each
// keeps one managed group's size between bounds so that its instances'
// CPU use stays near a target.
#ifndef IMAGO_COMPUTE_AUTOSCALERS_H_
#define IMAGO_COMPUTE_AUTOSCALERS_H_

#include <string>

#include "compute/group_types.h"
#include "compute/json_codec.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class Autoscalers {
 public:
  virtual ~Autoscalers() = default;
  /// Stores the autoscaler with GCE's defaults (minNumReplicas 1, cool-down
  /// 60 s, mode ON, CPU target 0.6). 400 naming the field when the target
  /// group does not exist in the zone or has an autoscaler already, when
  /// maxNumReplicas is missing or below minNumReplicas, or the target is not
  /// in (0, 1]; 409 when the name is taken.
  virtual Result<Operation> Insert(const std::string& project, const std::string& zone,
                                   const Autoscaler& a, const MutationOptions& opts) = 0;
  virtual Result<Autoscaler> Get(const std::string& project, const std::string& zone,
                                 const std::string& autoscaler) = 0;
  virtual Result<ListPage<Autoscaler>> List(const std::string& project, const std::string& zone,
                                            const ListOptions& opts) = 0;
  /// A JSON merge patch of the autoscaler (autoscalers.patch; GCE names it
  /// with ?autoscaler=NAME), checked as Insert checks.
  virtual Result<Operation> Patch(const std::string& project, const std::string& zone,
                                  const std::string& autoscaler, const Json& patch,
                                  const MutationOptions& opts) = 0;
  virtual Result<Operation> Delete(const std::string& project, const std::string& zone,
                                   const std::string& autoscaler, const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_AUTOSCALERS_H_
