// compute::InstanceTemplates: global, immutable blueprints of instances
// (compute/v1 instanceTemplates). A managed instance group makes its VMs
// from one.
#ifndef IMAGO_COMPUTE_INSTANCE_TEMPLATES_H_
#define IMAGO_COMPUTE_INSTANCE_TEMPLATES_H_

#include <string>

#include "compute/group_types.h"
#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

class InstanceTemplates {
 public:
  virtual ~InstanceTemplates() = default;

  /// Stores the template after checking its properties as instances.insert
  /// would check an instance made from it: a machine type by name, exactly
  /// one boot disk, a `sourceImage` (an image, or `family/F`, resolved each
  /// time a disk is made from the template) that exists now. Nothing is
  /// created but the template; 409 when the name is taken.
  virtual Result<Operation> Insert(const std::string& project, const InstanceTemplate& t,
                                   const MutationOptions& opts) = 0;
  virtual Result<InstanceTemplate> Get(const std::string& project,
                                       const std::string& instance_template) = 0;
  virtual Result<ListPage<InstanceTemplate>> List(const std::string& project,
                                                  const ListOptions& opts) = 0;
  /// Deletes the template; instances made from it are not touched. 400
  /// resourceInUseByAnotherResource, changing nothing, while a managed
  /// instance group names it (in `instanceTemplate` or a version).
  virtual Result<Operation> Delete(const std::string& project, const std::string& instance_template,
                                   const MutationOptions& opts) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_INSTANCE_TEMPLATES_H_
