// LocalOperations: the journal of the local cloud's mutations, as GCE's
// globalOperations and zoneOperations.
// Internal to src/localcloud.
#ifndef IMAGO_LOCALCLOUD_LOCAL_OPERATIONS_H_
#define IMAGO_LOCALCLOUD_LOCAL_OPERATIONS_H_

#include <string>

#include "compute/operations.h"
#include "localcloud/local_store.h"

namespace imago::localcloud {

class LocalOperations final : public compute::Operations {
 public:
  explicit LocalOperations(LocalStore& store) : s_(store) {}
  LocalOperations(const LocalOperations&) = delete;
  LocalOperations& operator=(const LocalOperations&) = delete;

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
  LocalStore& s_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_LOCAL_OPERATIONS_H_
