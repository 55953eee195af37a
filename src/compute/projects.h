// compute::Projects: the project itself (compute/v1 projects.get and
// projects.setCommonInstanceMetadata).
#ifndef IMAGO_COMPUTE_PROJECTS_H_
#define IMAGO_COMPUTE_PROJECTS_H_

#include <string>

#include "compute/cloud_types.h"
#include "compute/status.h"
#include "compute/types.h"
#include "compute/vm_types.h"

namespace imago::compute {

class Projects {
 public:
  virtual ~Projects() = default;

  /// The project: its common instance metadata and its quotas (for the
  /// local cloud, what this host can hold). 400 for a malformed project id.
  virtual Result<Project> Get(const std::string& project) = 0;

  /// Replaces the project's common instance metadata (what every instance
  /// of the project reads under project/attributes/ of its metadata server)
  /// with `metadata.items`. `metadata.fingerprint` must be the one Get gave
  /// last: 412 conditionNotMet when another writer changed it since, and
  /// nothing changes (read again, then retry). 400 for items beyond GCE's
  /// limits (key [a-zA-Z0-9-_]{1,127}, 256 KB a value, 512 KB in all). The
  /// operation is DONE when it returns.
  virtual Result<Operation> SetCommonInstanceMetadata(const std::string& project,
                                                      const Metadata& metadata,
                                                      const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_PROJECTS_H_
