// compute::UrlMaps: global URL maps (compute/v1 urlMaps): which backend
// service a request goes to. The local cloud keeps a default service only.
#ifndef IMAGO_COMPUTE_URL_MAPS_H_
#define IMAGO_COMPUTE_URL_MAPS_H_

#include <string>

#include "compute/json_codec.h"
#include "compute/lb_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class UrlMaps {
 public:
  virtual ~UrlMaps() = default;
  /// 400 naming `urlMap.defaultService` when it is unset or names no
  /// backend service; 409 when the name is taken.
  virtual Result<Operation> Insert(const std::string& project, const UrlMap& map,
                                   const MutationOptions& opts) = 0;
  virtual Result<UrlMap> Get(const std::string& project, const std::string& url_map) = 0;
  virtual Result<ListPage<UrlMap>> List(const std::string& project, const ListOptions& opts) = 0;
  /// A JSON merge patch of the map (urlMaps.patch), checked as Insert checks.
  virtual Result<Operation> Patch(const std::string& project, const std::string& url_map,
                                  const Json& patch, const MutationOptions& opts) = 0;
  /// 400 resourceInUseByAnotherResource while a target proxy names it.
  virtual Result<Operation> Delete(const std::string& project, const std::string& url_map,
                                   const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_URL_MAPS_H_
