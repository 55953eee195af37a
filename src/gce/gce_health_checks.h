// GceHealthChecks: compute::HealthChecks over the REST API
// (projects/P/global/healthChecks).
#ifndef IMAGO_GCE_GCE_HEALTH_CHECKS_H_
#define IMAGO_GCE_GCE_HEALTH_CHECKS_H_

#include <string>

#include "compute/health_checks.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceHealthChecks final : public compute::HealthChecks {
 public:
  explicit GceHealthChecks(ApiCaller& caller) : c_(caller) {}
  GceHealthChecks(const GceHealthChecks&) = delete;
  GceHealthChecks& operator=(const GceHealthChecks&) = delete;

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
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_HEALTH_CHECKS_H_
