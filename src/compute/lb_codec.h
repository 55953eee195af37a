// JSON codec of the load balancer's resources (lb_types.h): the compute/v1
// field names, strict readers that name the field they refuse.
#ifndef IMAGO_COMPUTE_LB_CODEC_H_
#define IMAGO_COMPUTE_LB_CODEC_H_

#include <string_view>

#include "compute/filter.h"
#include "compute/json_codec.h"
#include "compute/lb_types.h"

namespace imago::compute {

Json ToJson(const BackendService& b);
Json ToJson(const UrlMap& m);
Json ToJson(const TargetHttpProxy& p);
Json ToJson(const ForwardingRule& f);
Json ToJson(const BackendServiceGroupHealth& h);

Result<BackendService> BackendServiceFromJson(const Json& j,
                                              std::string_view where = "backendService");
Result<UrlMap> UrlMapFromJson(const Json& j, std::string_view where = "urlMap");
Result<TargetHttpProxy> TargetHttpProxyFromJson(const Json& j,
                                                std::string_view where = "targetHttpProxy");
Result<ForwardingRule> ForwardingRuleFromJson(const Json& j,
                                              std::string_view where = "forwardingRule");
Result<BackendServiceGroupHealth> BackendServiceGroupHealthFromJson(const Json& j);

/// The fields `filter` may name in the lists of these resources.
const FilterSchema& BackendServiceFilterSchema();
const FilterSchema& UrlMapFilterSchema();
const FilterSchema& TargetHttpProxyFilterSchema();
const FilterSchema& ForwardingRuleFilterSchema();

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_LB_CODEC_H_
