// The hierarchy of specs (base -> app -> product): which specs to bake, and
// in which order, so that every parent is baked before its children.
#ifndef IMAGO_BAKE_CASCADE_H_
#define IMAGO_BAKE_CASCADE_H_

#include <string>
#include <vector>

#include "bake/spec.h"
#include "compute/status.h"

namespace imago::bake {

/// Loads every *.yaml / *.yml in `dir` (sorted by name). The first bad spec
/// fails the whole load.
compute::Result<std::vector<BakeSpec>> LoadSpecDir(const std::string& dir,
                                                   const VarValues& vars = {});

/// The specs to bake, parents first. Without `cascade`: the `given` specs.
/// With it: the given specs and every spec of `pool` whose source family is
/// made by a spec in the result, transitively. A spec depends on the spec of
/// `pool` whose family is its source family. 400 when two specs make the
/// same family, or when specs form a cycle (the error names it:
/// "a.yaml (family a) -> b.yaml (family b) -> a.yaml").
compute::Result<std::vector<BakeSpec>> PlanBakes(const std::vector<BakeSpec>& given,
                                                 const std::vector<BakeSpec>& pool, bool cascade);

/// A UUID (v4) for one `imago bake` run (the manifest's packer_run_uuid).
std::string NewRunId();

}  // namespace imago::bake

#endif  // IMAGO_BAKE_CASCADE_H_
