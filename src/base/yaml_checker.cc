#include "base/yaml_checker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace imago::base {

Status YamlChecker::Error(const YAML::Node& at, const std::string& key,
                          const std::string& why) const {
  int line = at.IsDefined() ? at.Mark().line + 1 : 0;
  std::string where = file_ + (line > 0 ? ":" + std::to_string(line) : "");
  return Status::Invalid(where + ": " + (key.empty() ? "" : "key '" + key + "': ") + why);
}

Status YamlChecker::OnlyKeys(const YAML::Node& map, const std::string& where,
                             const std::vector<std::string>& known) const {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return Error(kv.first, where.empty() ? key : where + "." + key,
                 "unknown key (expected one of: " + list + ")");
  }
  return Status::OK();
}

Result<std::string> YamlChecker::String(const YAML::Node& map, const std::string& key,
                                        const std::string& where) const {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return std::string();
  if (!n.IsScalar()) return Error(n, where, "expected a string");
  return n.Scalar();
}

Result<std::map<std::string, std::string>> YamlChecker::StringMap(const YAML::Node& n,
                                                                  const std::string& where) const {
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) return Error(n, where, "expected a map of KEY: VALUE");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) {
      return Error(kv.second, where + "." + kv.first.Scalar(), "expected a string or number");
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

Result<std::string> YamlChecker::ExistingPath(const YAML::Node& n, const std::string& key,
                                              const std::string& dir, bool want_dir) const {
  std::string p = n.Scalar();
  std::filesystem::path abs = std::filesystem::path(p).is_absolute()
                                  ? std::filesystem::path(p)
                                  : std::filesystem::path(dir) / p;
  abs = abs.lexically_normal();
  struct stat st;
  if (stat(abs.c_str(), &st) != 0) return Error(n, key, "no such file: " + abs.string());
  if (want_dir && !S_ISDIR(st.st_mode)) return Error(n, key, abs.string() + " is not a directory");
  if (access(abs.c_str(), R_OK) != 0) return Error(n, key, "cannot read " + abs.string());
  return abs.string();
}

Result<YAML::Node> LoadYamlFile(const std::string& path, const std::string& what) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || access(path.c_str(), R_OK) != 0) {
    return Status::Invalid(path + ": cannot read the " + what + ": " + strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status::Invalid(path + ": not a " + what + " file");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) +
                           ": not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Status::Invalid(path + ": cannot read the " + what + ": " + e.what());
  }
}

}  // namespace imago::base
