// compute::BackendServices: global backend services (compute/v1
// backendServices): the instance groups a load balancer sends requests to,
// the health check that decides which instances get them, and how a
// leaving instance is drained.
#ifndef IMAGO_COMPUTE_BACKEND_SERVICES_H_
#define IMAGO_COMPUTE_BACKEND_SERVICES_H_

#include <map>
#include <string>

#include "compute/json_codec.h"
#include "compute/lb_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class BackendServices {
 public:
  virtual ~BackendServices() = default;

  /// Stores the service with GCE's defaults for what is unset (HTTP, port
  /// name "http", 30 s per request, draining 300 s, capacityScaler 1). 400
  /// naming the field when a backend's group or the health check does not
  /// exist, a group is named twice, or a value is out of range; 409 when
  /// the name is taken.
  virtual Result<Operation> Insert(const std::string& project, const BackendService& bs,
                                   const MutationOptions& opts) = 0;
  virtual Result<BackendService> Get(const std::string& project,
                                     const std::string& backend_service) = 0;
  virtual Result<ListPage<BackendService>> List(const std::string& project,
                                                const ListOptions& opts) = 0;
  /// Applies `patch`, a JSON merge patch of the resource (backendServices.patch;
  /// `backends` and `healthChecks` are replaced whole). 412 when the patch
  /// carries a fingerprint that is no longer the service's.
  virtual Result<Operation> Patch(const std::string& project, const std::string& backend_service,
                                  const Json& patch, const MutationOptions& opts) = 0;
  /// Replaces the service by `bs` (backendServices.update, PUT).
  virtual Result<Operation> Update(const std::string& project, const std::string& backend_service,
                                   const BackendService& bs, const MutationOptions& opts) = 0;
  /// 400 resourceInUseByAnotherResource, changing nothing, while a URL map
  /// names it.
  virtual Result<Operation> Delete(const std::string& project, const std::string& backend_service,
                                   const MutationOptions& opts) = 0;
  /// How the load balancer last saw each instance of `group` (a backend's
  /// group URL): HEALTHY or UNHEALTHY. 400 when `group` is not a backend.
  virtual Result<BackendServiceGroupHealth> GetHealth(const std::string& project,
                                                      const std::string& backend_service,
                                                      const std::string& group) = 0;
};

/// Where the local cloud's load balancer reports what it sees (nullptr on
/// GCE, whose load balancers report themselves).
class LoadBalancerRuntime {
 public:
  virtual ~LoadBalancerRuntime() = default;
  /// Replaces what getHealth answers for `backend_service`: `by_group`
  /// maps a backend's group URL to its instances' states.
  virtual Status ReportHealth(const std::string& project, const std::string& backend_service,
                              const std::map<std::string, BackendServiceGroupHealth>& by_group) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_BACKEND_SERVICES_H_
