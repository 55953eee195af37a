// GceProjects: compute::Projects over the REST API (projects.get,
// projects.setCommonInstanceMetadata).
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
  compute::Result<compute::Operation> SetCommonInstanceMetadata(
      const std::string& project, const compute::Metadata& metadata,
      const compute::MutationOptions& opts) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_PROJECTS_H_
