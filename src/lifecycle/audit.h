// The rotation audit log: one JSON line per transition that took effect,
// appended to IMAGO_HOME/rotate-audit.jsonl (time, image, family, from, to,
// reason, who). Lines are written whole with O_APPEND, so concurrent writers
// never interleave, and fsynced.
#ifndef IMAGO_LIFECYCLE_AUDIT_H_
#define IMAGO_LIFECYCLE_AUDIT_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"
#include "lifecycle/rotation.h"

namespace imago::lifecycle {

class AuditLog {
 public:
  explicit AuditLog(std::string path) : path_(std::move(path)) {}

  /// Appends one transition. `when` is the rotation's time (--now aware).
  compute::Status Record(const std::string& project, const Change& change, compute::TimeUs when,
                         const std::string& who);
  /// Entries, oldest first, of `family` when given.
  compute::Result<std::vector<nlohmann::json>> Read(const std::optional<std::string>& family) const;

 private:
  std::string path_;
};

/// "user@host" of this process.
std::string WhoAmI();

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_AUDIT_H_
