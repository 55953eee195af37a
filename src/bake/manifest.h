// The manifest a bake writes, in the shape of Packer's manifest
// post-processor, so that what reads Packer's manifests reads imago's.
#ifndef IMAGO_BAKE_MANIFEST_H_
#define IMAGO_BAKE_MANIFEST_H_

#include <cstdint>
#include <string>

#include "compute/status.h"

namespace imago::bake {

struct BakeResult;

/// Appends a build to the manifest at `path` ({"builds": [...],
/// "last_run_uuid": ...}), creating it and its directory. 400 when `path`
/// exists and is not such a manifest; 503 when it cannot be written.
compute::Status WriteManifest(const std::string& path, const BakeResult& result,
                              const std::string& run_uuid, int64_t build_time);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_MANIFEST_H_
