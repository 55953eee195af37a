// gcloud's --format projections: `table(name, zone.basename():label=ZONE)`,
// `value(name)`, `csv[no-heading](name,family)`, `get(selfLink)`,
// `json(name,labels)` and `yaml(...)`, applied to the JSON a command prints.
#ifndef IMAGO_CLI_PROJECTION_H_
#define IMAGO_CLI_PROJECTION_H_

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/status.h"

namespace imago::cli {

/// One key of a projection: a path into the resource, the transforms
/// applied to its value, and the column's label.
struct ProjectionKey {
  /// Segments of the path: "disks", "[]" (every item of a list), "0"
  /// (one item), "source".
  std::vector<std::string> path;
  /// Transforms in order, each a name and its arguments: basename, join,
  /// len, lower, upper.
  std::vector<std::pair<std::string, std::vector<std::string>>> transforms;
  std::string name;   // The last named segment of the path ("source").
  std::string label;  // The header: `:label=X`, else the name upper-cased.
};

/// A parsed --format value with a projection.
struct Projection {
  std::string kind;  // table, value, csv, get, json or yaml.
  std::vector<ProjectionKey> keys;
  bool heading = true;    // [no-heading] turns it off (table, csv).
  std::string separator;  // [separator=X]; empty: the kind's own.
};

/// True when `format` is one of the plain names (json, yaml, table) that
/// need no projection.
bool IsPlainFormat(const std::string& format);

/// Parses `format` ("value(name,zone.basename())"). On failure: 400 naming
/// --format, saying what was wrong and what is accepted.
compute::Result<Projection> ParseProjection(const std::string& format);

/// The value of `key` in `resource` after its transforms, as a JSON value
/// (null when absent; a list when the path has "[]").
nlohmann::json ProjectKey(const ProjectionKey& key, const nlohmann::json& resource);

/// Prints `rows` as `p` says: table (aligned, headed), value (tab-separated,
/// no heading), csv (headed, RFC 4180 quoting), get (like value), json and
/// yaml (objects of the projected keys only; a list unless `one`).
void PrintProjected(std::ostream& out, const Projection& p, const std::vector<nlohmann::json>& rows,
                    bool one = false);

}  // namespace imago::cli

#endif  // IMAGO_CLI_PROJECTION_H_
