#include "gce/gce_projects.h"

#include "compute/cloud_codec.h"

namespace imago::gce {

using compute::Json;
using compute::Project;
using compute::Result;

Result<Project> GceProjects::Get(const std::string& project) {
  auto j = c_.Get("projects/" + UrlEncode(project));
  if (!j.ok()) return j.status();
  return ReadAnswer<Project>(*j, [](const Json& x) { return compute::ProjectFromJson(x); });
}

}  // namespace imago::gce
