// LocalAutoscalers: the local cloud's autoscalers, rows of the catalog; the
// scaling itself is the controller's (src/groups/autoscaling.h), which
// measures through GroupRuntime::InstanceCpu and reports through
// GroupRuntime::ReportAutoscaler. Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_AUTOSCALERS_H_
#define IMAGO_LOCALCLOUD_LOCAL_AUTOSCALERS_H_

#include <string>

#include "compute/autoscalers.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

constexpr const char* kAutoscalerKind = "autoscaler";

class LocalAutoscalers final : public compute::Autoscalers {
 public:
  explicit LocalAutoscalers(LocalStore& store) : s_(store) {}
  LocalAutoscalers(const LocalAutoscalers&) = delete;
  LocalAutoscalers& operator=(const LocalAutoscalers&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project, const std::string& zone,
                                             const compute::Autoscaler& a,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Autoscaler> Get(const std::string& project, const std::string& zone,
                                           const std::string& autoscaler) override;
  compute::Result<compute::ListPage<compute::Autoscaler>> List(
      const std::string& project, const std::string& zone,
      const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project, const std::string& zone,
                                            const std::string& autoscaler,
                                            const compute::Json& patch,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project, const std::string& zone,
                                             const std::string& autoscaler,
                                             const compute::MutationOptions& opts) override;

  /// Within a transaction: the name of the autoscaler of `project`/`zone`
  /// whose target is `group_link`, or "".
  static compute::Result<std::string> AutoscalerOf(LocalStore& s, const std::string& project,
                                                   const std::string& zone,
                                                   const std::string& group_link);

 private:
  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_AUTOSCALERS_H_
