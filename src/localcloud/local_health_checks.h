// LocalHealthChecks: the local cloud's health checks, rows of the catalog.
// The probing itself is the controller's (it reads the checks from here).
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_HEALTH_CHECKS_H_
#define IMAGO_LOCALCLOUD_LOCAL_HEALTH_CHECKS_H_

#include <string>

#include "compute/health_checks.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalHealthChecks final : public compute::HealthChecks {
 public:
  explicit LocalHealthChecks(LocalStore& store) : s_(store) {}
  LocalHealthChecks(const LocalHealthChecks&) = delete;
  LocalHealthChecks& operator=(const LocalHealthChecks&) = delete;

  compute::Result<compute::Operation> Insert(const std::string& project,
                                             const compute::HealthCheck& hc,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::HealthCheck> Get(const std::string& project,
                                            const std::string& health_check) override;
  compute::Result<compute::ListPage<compute::HealthCheck>> List(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Result<compute::Operation> Update(const std::string& project,
                                             const std::string& health_check,
                                             const compute::HealthCheck& hc,
                                             const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Patch(const std::string& project,
                                            const std::string& health_check,
                                            const compute::Json& patch,
                                            const compute::MutationOptions& opts) override;
  compute::Result<compute::Operation> Delete(const std::string& project,
                                             const std::string& health_check,
                                             const compute::MutationOptions& opts) override;

 private:
  /// Update and Patch: replaces the stored check `name` by what `make`
  /// returns from the stored one, checked as Insert checks.
  compute::Result<compute::Operation> Replace(
      const std::string& project, const std::string& name, const compute::MutationOptions& opts,
      const std::function<compute::Result<compute::HealthCheck>(const compute::Json& stored)>&
          make);

  LocalStore& s_;
};

/// The check with GCE's defaults filled in and its rules checked; what
/// Insert, Update and Patch store. 400 naming the field otherwise.
compute::Result<compute::HealthCheck> NormalizeHealthCheck(compute::HealthCheck hc);

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_HEALTH_CHECKS_H_
