#include "gce/gce_projects.h"

#include "compute/cloud_codec.h"
#include "compute/vm_codec.h"

namespace imago::gce {

using compute::Json;
using compute::MutationOptions;
using compute::Operation;
using compute::Project;
using compute::Result;

Result<Project> GceProjects::Get(const std::string& project) {
  auto j = c_.Get("projects/" + UrlEncode(project));
  if (!j.ok()) return j.status();
  return ReadAnswer<Project>(*j, [](const Json& x) { return compute::ProjectFromJson(x); });
}

Result<Operation> GceProjects::SetCommonInstanceMetadata(const std::string& project,
                                                         const compute::Metadata& metadata,
                                                         const MutationOptions& opts) {
  Json body = compute::ToJson(metadata);
  return c_.Mutate("POST", "projects/" + UrlEncode(project) + "/setCommonInstanceMetadata", {},
                   &body, opts);
}

}  // namespace imago::gce
