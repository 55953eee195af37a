// Reading a user's YAML file with errors that point into it: every error is
// one line, "FILE:LINE: key 'K': WHY", so that a typo is found before
// anything changes. Used by bake specs and deploy environments.
#ifndef IMAGO_BASE_YAML_CHECKER_H_
#define IMAGO_BASE_YAML_CHECKER_H_

#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/status.h"

namespace imago::base {

/// Builds FILE:LINE errors for one YAML file and reads its common shapes.
class YamlChecker {
 public:
  explicit YamlChecker(std::string file) : file_(std::move(file)) {}

  /// 400 "FILE:LINE: key 'KEY': WHY" (LINE of `at`, left out when `at` is
  /// undefined; the key part left out when `key` is empty).
  Status Error(const YAML::Node& at, const std::string& key, const std::string& why) const;

  /// Refuses the first key of `map` not in `known`, listing the known ones.
  Status OnlyKeys(const YAML::Node& map, const std::string& where,
                  const std::vector<std::string>& known) const;

  /// map[key] as a string; "" when absent or null; an error for a list or map.
  Result<std::string> String(const YAML::Node& map, const std::string& key,
                             const std::string& where) const;

  /// `n` as KEY: VALUE strings; empty when absent or null.
  Result<std::map<std::string, std::string>> StringMap(const YAML::Node& n,
                                                       const std::string& where) const;

  /// The path `n` names, relative to `dir` unless absolute, normalised; an
  /// error when it does not exist, cannot be read, or (want_dir) is not a
  /// directory.
  Result<std::string> ExistingPath(const YAML::Node& n, const std::string& key,
                                   const std::string& dir, bool want_dir) const;

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

/// Loads `path` as YAML: 400 "PATH:LINE: not valid YAML: ..." or "PATH:
/// cannot read ..." on failure. `what` names the file's kind in errors
/// ("spec", "environment").
Result<YAML::Node> LoadYamlFile(const std::string& path, const std::string& what);

}  // namespace imago::base

#endif  // IMAGO_BASE_YAML_CHECKER_H_
