#include "gce/gce_instance_templates.h"

#include "compute/group_codec.h"

namespace imago::gce {

using compute::InstanceTemplate;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;

namespace {

std::string TemplatesPath(const std::string& project) {
  return ProjectPath(project) + "global/instanceTemplates";
}
Result<InstanceTemplate> ReadTemplate(const Json& x) {
  return compute::InstanceTemplateFromJson(x);
}

}  // namespace

Result<Operation> GceInstanceTemplates::Insert(const std::string& project,
                                               const InstanceTemplate& t,
                                               const MutationOptions& opts) {
  Json body = compute::ToJson(t);
  return c_.Mutate("POST", TemplatesPath(project), {}, &body, opts);
}

Result<InstanceTemplate> GceInstanceTemplates::Get(const std::string& project,
                                                   const std::string& instance_template) {
  auto j = c_.Get(TemplatesPath(project) + "/" + UrlEncode(instance_template));
  if (!j.ok()) return j.status();
  return ReadAnswer<InstanceTemplate>(*j, ReadTemplate);
}

Result<ListPage<InstanceTemplate>> GceInstanceTemplates::List(const std::string& project,
                                                              const ListOptions& opts) {
  auto j = c_.Get(TemplatesPath(project), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<InstanceTemplate>(*j, ReadTemplate);
}

Result<Operation> GceInstanceTemplates::Delete(const std::string& project,
                                               const std::string& instance_template,
                                               const MutationOptions& opts) {
  return c_.Mutate("DELETE", TemplatesPath(project) + "/" + UrlEncode(instance_template), {},
                   nullptr, opts);
}

}  // namespace imago::gce
