// GceInstanceTemplates: compute::InstanceTemplates over the REST API
// (projects/P/global/instanceTemplates).
#ifndef IMAGO_GCE_GCE_INSTANCE_TEMPLATES_H_
#define IMAGO_GCE_GCE_INSTANCE_TEMPLATES_H_

#include <string>

#include "compute/instance_templates.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceInstanceTemplates final : public compute::InstanceTemplates {
 public:
  explicit GceInstanceTemplates(ApiCaller& caller) : c_(caller) {}
  GceInstanceTemplates(const GceInstanceTemplates&) = delete;
  GceInstanceTemplates& operator=(const GceInstanceTemplates&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::InstanceTemplate& t,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::InstanceTemplate> Get(const std::string& project,
                                                 const std::string& instance_template) override;
  compute::Result<compute::ListPage<compute::InstanceTemplate>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project,
                                             const std::string& instance_template,
                                             const compute::MutationOptions& opts) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_INSTANCE_TEMPLATES_H_
