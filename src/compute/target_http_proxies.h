// compute::TargetHttpProxies: global target HTTP proxies (compute/v1
// targetHttpProxies): what a forwarding rule sends to; routes by a URL map.
#ifndef IMAGO_COMPUTE_TARGET_HTTP_PROXIES_H_
#define IMAGO_COMPUTE_TARGET_HTTP_PROXIES_H_

#include <string>

#include "compute/lb_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class TargetHttpProxies {
 public:
  virtual ~TargetHttpProxies() = default;
  /// 400 naming `targetHttpProxy.urlMap` when it names no URL map; 409
  /// when the name is taken.
  virtual Result<Operation> Insert(const std::string& project, const TargetHttpProxy& proxy,
                                   const MutationOptions& opts) = 0;
  virtual Result<TargetHttpProxy> Get(const std::string& project, const std::string& proxy) = 0;
  virtual Result<ListPage<TargetHttpProxy>> List(const std::string& project,
                                                 const ListOptions& opts) = 0;
  /// Points the proxy at another URL map (targetHttpProxies.setUrlMap).
  virtual Result<Operation> SetUrlMap(const std::string& project, const std::string& proxy,
                                      const std::string& url_map, const MutationOptions& opts) = 0;
  /// 400 resourceInUseByAnotherResource while a forwarding rule names it.
  virtual Result<Operation> Delete(const std::string& project, const std::string& proxy,
                                   const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_TARGET_HTTP_PROXIES_H_
