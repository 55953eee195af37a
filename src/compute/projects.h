// compute::Projects: the project itself (compute/v1 projects.get).
#ifndef IMAGO_COMPUTE_PROJECTS_H_
#define IMAGO_COMPUTE_PROJECTS_H_

#include <string>

#include "compute/cloud_types.h"
#include "compute/status.h"

namespace imago::compute {

class Projects {
 public:
  virtual ~Projects() = default;

  /// The project: its common instance metadata and its quotas (for the
  /// local cloud, what this host can hold). 400 for a malformed project id.
  virtual Result<Project> Get(const std::string& project) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_PROJECTS_H_
