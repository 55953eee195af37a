// The `filter` language of the compute API list methods (reference §3):
//
//   AIP-160 subset    name = "app-*"   labels.env:*   -(family = base)
//                     (status = READY) OR (status = PENDING) AND diskSizeGb >= 10
//                     Operators = != < <= > >= :   AND OR NOT -   ( )
//                     OR binds tighter than AND; juxtaposition is AND.
//                     `*` in a string value of = and != is a wildcard.
//   regular expressions   name eq 'app-v[0-9]+'   (family ne base) (name eq .*-v2)
//                     RE2 syntax; the expression must match the whole value.
//
// The two forms cannot be mixed in one filter. A field that the resource kind
// does not have is an error (a misspelt field silently matching nothing would
// hide images from a rotation).
#ifndef IMAGO_COMPUTE_FILTER_H_
#define IMAGO_COMPUTE_FILTER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::compute {

/// The fields a filter may name for one kind of resource: dotted paths, where
/// "labels.*" allows any key below labels.
using FilterSchema = std::vector<std::string>;

/// The filterable fields of compute#image.
const FilterSchema& ImageFilterSchema();
/// The filterable fields of compute#operation.
const FilterSchema& OperationFilterSchema();
/// The fields of disks, snapshots and instances.
const FilterSchema& DiskFilterSchema();
const FilterSchema& SnapshotFilterSchema();
const FilterSchema& InstanceFilterSchema();
/// The fields of zones, regions and machine types.
const FilterSchema& ZoneFilterSchema();
const FilterSchema& RegionFilterSchema();
const FilterSchema& MachineTypeFilterSchema();

/// A parsed filter. Cheap to move; immutable after Parse; Matches() is thread-safe.
class Filter {
 public:
  struct Node;

  /// Parses `text` against `schema`. An empty or blank text is the filter that
  /// matches everything. On failure: 400 invalid naming the field 'filter'.
  static Result<Filter> Parse(std::string_view text, const FilterSchema& schema);

  Filter();
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  /// True when the resource (its API JSON) satisfies the filter.
  bool Matches(const nlohmann::json& resource) const;

  /// When every match must have top-level `field` equal to one exact string
  /// (a conjunct `field = "v"` with no wildcard, or `field eq v` with no
  /// regex syntax), returns it: a store can then use an index.
  std::optional<std::string> RequiredValue(std::string_view field) const;

  bool empty() const { return root_ == nullptr; }

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_FILTER_H_
