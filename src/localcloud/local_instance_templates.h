// LocalInstanceTemplates: the local cloud's instance templates, rows of the
// catalog. A template makes nothing by itself; managed instance groups make
// instances from it.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_INSTANCE_TEMPLATES_H_
#define IMAGO_LOCALCLOUD_LOCAL_INSTANCE_TEMPLATES_H_

#include <string>

#include "compute/instance_templates.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalInstanceTemplates final : public compute::InstanceTemplates {
 public:
  explicit LocalInstanceTemplates(LocalStore& store) : s_(store) {}
  LocalInstanceTemplates(const LocalInstanceTemplates&) = delete;
  LocalInstanceTemplates& operator=(const LocalInstanceTemplates&) = delete;

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
  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_INSTANCE_TEMPLATES_H_
