// GceProjects: compute::Projects over the REST API (projects.get).
#ifndef IMAGO_GCE_GCE_PROJECTS_H_
#define IMAGO_GCE_GCE_PROJECTS_H_

#include <string>

#include "compute/projects.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceProjects final : public compute::Projects {
 public:
  explicit GceProjects(ApiCaller& caller) : c_(caller) {}
  GceProjects(const GceProjects&) = delete;
  GceProjects& operator=(const GceProjects&) = delete;

  compute::Result<compute::Project> Get(const std::string& project) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_PROJECTS_H_
