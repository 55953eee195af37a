// JSON codec of the group resources (group_types.h): the compute/v1 field
// names, strict readers that name the field they refuse.
#ifndef IMAGO_COMPUTE_GROUP_CODEC_H_
#define IMAGO_COMPUTE_GROUP_CODEC_H_

#include <string_view>

#include "compute/filter.h"
#include "compute/group_types.h"
#include "compute/instance_group_managers.h"
#include "compute/json_codec.h"

namespace imago::compute {

Json ToJson(const InstanceTemplate& t);
Json ToJson(const HealthCheck& h);

/// InstanceProperties as JSON (no kind, name or status).
Json InstancePropertiesToJson(const Instance& p);
/// Reads InstanceProperties: only that message's fields are accepted (an
/// instance's own fields, e.g. `name` or `status`, are unknown there).
Result<Instance> InstancePropertiesFromJson(const Json& j, std::string_view where = "properties");

Result<InstanceTemplate> InstanceTemplateFromJson(const Json& j,
                                                  std::string_view where = "instanceTemplate");
Result<HealthCheck> HealthCheckFromJson(const Json& j, std::string_view where = "healthCheck");

Json ToJson(const FixedOrPercent& v);
Json ToJson(const InstanceGroupManager& g);
/// InstanceGroupManagerActionsSummary with every count 0.
Json EmptyActionsSummary();
Result<FixedOrPercent> FixedOrPercentFromJson(const Json& j, std::string_view where);
Result<InstanceGroupManager> InstanceGroupManagerFromJson(
    const Json& j, std::string_view where = "instanceGroupManager");

Json ToJson(const Autoscaler& a);
Result<Autoscaler> AutoscalerFromJson(const Json& j, std::string_view where = "autoscaler");
const FilterSchema& AutoscalerFilterSchema();
Json ToJson(const InstanceGroup& g);
Result<InstanceGroup> InstanceGroupFromJson(const Json& j,
                                            std::string_view where = "instanceGroup");
/// Reads NamedPort objects (namedPorts of a setNamedPorts body).
Result<NamedPort> NamedPortFromJson(const Json& j, std::string_view where);

/// listManagedInstances' items and listErrors' items, as GCE writes them.
Json ToJson(const ManagedInstance& m);
Json ToJson(const ManagedInstanceError& e);
/// Readers of a server's answers (lenient: a client must accept what
/// Google adds).
ManagedInstance ManagedInstanceFromJson(const Json& j);
ManagedInstanceError ManagedInstanceErrorFromJson(const Json& j);

/// The fields `filter` may name in the lists of these resources.
const FilterSchema& InstanceTemplateFilterSchema();
const FilterSchema& HealthCheckFilterSchema();
const FilterSchema& InstanceGroupManagerFilterSchema();
const FilterSchema& InstanceGroupFilterSchema();

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_GROUP_CODEC_H_
