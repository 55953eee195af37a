// GceOperations: compute::Operations over the REST API (globalOperations and zoneOperations).
#ifndef IMAGO_GCE_GCE_OPERATIONS_H_
#define IMAGO_GCE_GCE_OPERATIONS_H_

#include <string>

#include "compute/operations.h"
#include "gce/api_caller.h"

namespace imago::gce {

class GceOperations final : public compute::Operations {
 public:
  explicit GceOperations(ApiCaller& caller) : c_(caller) {}
  GceOperations(const GceOperations&) = delete;
  GceOperations& operator=(const GceOperations&) = delete;

  compute::Result<compute::Operation> Get(const compute::Scope& scope,
                                          const std::string& name) override;
  compute::Result<compute::Operation> Wait(const compute::Scope& scope,
                                           const std::string& name) override;
  compute::Result<compute::ListPage<compute::Operation>> List(
      const compute::Scope& scope, const compute::ListOptions& opts) override;
  compute::Result<compute::AggregatedPage<compute::Operation>> AggregatedList(
      const std::string& project, const compute::ListOptions& opts) override;
  compute::Status Delete(const compute::Scope& scope, const std::string& name) override;

 private:
  ApiCaller& c_;
};

}  // namespace imago::gce

#endif  // IMAGO_GCE_GCE_OPERATIONS_H_
