// JSON codec of the project, regions, zones and machine types
// (cloud_types.h), in the compute/v1 field names.
#ifndef IMAGO_COMPUTE_CLOUD_CODEC_H_
#define IMAGO_COMPUTE_CLOUD_CODEC_H_

#include "compute/cloud_types.h"
#include "compute/json_codec.h"

namespace imago::compute {

Json ToJson(const Zone& z);
Json ToJson(const Region& r);
Json ToJson(const MachineType& m);
Json ToJson(const Project& p);

/// Readers of answers (a client's side: these resources are never sent).
Result<Zone> ZoneFromJson(const Json& j);
Result<Region> RegionFromJson(const Json& j);
Result<MachineType> MachineTypeFromJson(const Json& j);
Result<Project> ProjectFromJson(const Json& j);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_CLOUD_CODEC_H_
