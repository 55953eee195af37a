// compute::Operations: the journal of mutations, global and per zone
// (compute/v1 globalOperations and zoneOperations).
#ifndef IMAGO_COMPUTE_OPERATIONS_H_
#define IMAGO_COMPUTE_OPERATIONS_H_

#include <string>

#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

/// Where an operation lives: a project's global operations, or a zone's.
struct Scope {
  std::string project;
  std::string zone;  // "": global.

  static Scope Global(std::string project) { return {std::move(project), ""}; }
  static Scope Zonal(std::string project, std::string zone) {
    return {std::move(project), std::move(zone)};
  }
  bool global() const { return zone.empty(); }
};

class Operations {
 public:
  virtual ~Operations() = default;

  /// The operation `name` (or numeric id) of `scope`; 404 naming its path.
  virtual Result<Operation> Get(const Scope& scope, const std::string& name) = 0;
  /// Returns when the operation is DONE or a deadline near two minutes
  /// passes (then it may still be RUNNING: call again).
  virtual Result<Operation> Wait(const Scope& scope, const std::string& name) = 0;
  /// One page of the scope's operations, newest first unless ordered by name.
  virtual Result<ListPage<Operation>> List(const Scope& scope, const ListOptions& opts) = 0;
  /// The operations of every scope of the project ("global", "zones/Z").
  virtual Result<AggregatedPage<Operation>> AggregatedList(const std::string& project,
                                                           const ListOptions& opts) = 0;
  /// Removes a DONE operation from the journal (the resource it changed
  /// stays). 400 resourceNotReady while it is RUNNING: the journal is what
  /// finishes or undoes it after a crash.
  virtual Status Delete(const Scope& scope, const std::string& name) = 0;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_OPERATIONS_H_
