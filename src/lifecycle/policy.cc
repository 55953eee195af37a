#include "lifecycle/policy.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "compute/names.h"

namespace imago::lifecycle {

using compute::Result;
using compute::Status;
using compute::TimeUs;

namespace {

Status Bad(const std::string& file, const YAML::Node& node, const std::string& key,
           const std::string& why) {
  int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  return Status::Invalid(fmt::format("{}:{}: '{}': {}", file, line, key, why));
}

Result<TimeUs> Duration(const std::string& file, const YAML::Node& v, const std::string& key) {
  if (!v.IsScalar()) return Bad(file, v, key, "expected a duration such as 7d, 12h or 2w");
  std::string text = v.Scalar();
  auto d = compute::ParseDuration(text);
  if (!d) {
    return Bad(file, v, key,
               fmt::format("'{}' is not a duration: use a whole number and a unit s, m, h, d or "
                           "w, e.g. 7d, 12h, 2w{}",
                           text, text.starts_with("-") ? " (durations cannot be negative)" : ""));
  }
  return *d;
}

// Applies the keys of `map` over `p`.
Status Apply(const std::string& file, const std::string& where, const YAML::Node& map,
             FamilyPolicy* p) {
  if (!map.IsMap()) return Bad(file, map, where, "expected a mapping of policy keys");
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    std::string path = where + "." + key;
    if (key == "deprecate") {
      if (v.IsScalar() && v.Scalar() == "superseded") {
        p->deprecate_age.reset();
      } else {
        auto d = Duration(file, v, path);
        if (!d.ok()) {
          return Bad(file, v, path, "expected 'superseded' or an age such as 30d");
        }
        p->deprecate_age = *d;
      }
    } else if (key == "obsolete_after" || key == "delete_after" || key == "purge_after" ||
               key == "min_age") {
      auto d = Duration(file, v, path);
      if (!d.ok()) return d.status();
      TimeUs* field = key == "obsolete_after" ? &p->obsolete_after
                      : key == "delete_after" ? &p->delete_after
                      : key == "purge_after"  ? &p->purge_after
                                              : &p->min_age;
      *field = *d;
    } else if (key == "keep") {
      int n = -1;
      if (!v.IsScalar() || !YAML::convert<int>::decode(v, n) || n < 0 || n > 1000) {
        return Bad(file, v, path, "expected a whole number from 0 to 1000");
      }
      p->keep = n;
    } else {
      return Bad(file, kv.first, path,
                 "unknown key; the keys are deprecate, obsolete_after, delete_after, "
                 "purge_after, keep, min_age");
    }
  }
  return Status::OK();
}

}  // namespace

std::string FamilyPolicy::Describe() const {
  return fmt::format(
      "deprecate: {}, obsolete_after: {}, delete_after: {}, purge_after: {}, "
      "keep: {}, min_age: {}",
      deprecate_age ? compute::FormatDuration(*deprecate_age) : "superseded",
      compute::FormatDuration(obsolete_after), compute::FormatDuration(delete_after),
      compute::FormatDuration(purge_after), keep, compute::FormatDuration(min_age));
}

Result<RotationPolicy> RotationPolicy::Parse(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(fmt::format("{}:{}: not valid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  RotationPolicy policy;
  if (root.IsNull()) return policy;  // An empty file: the defaults.
  if (!root.IsMap()) return Bad(file, root, "(top)", "expected 'default:' and/or 'families:'");
  // The default first: families inherit it whatever the order in the file.
  if (root["default"])
    IMAGO_RETURN_IF_ERROR(Apply(file, "default", root["default"], &policy.default_));
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    if (key == "default") continue;
    if (key == "releases_kept") {
      int n = -1;
      try {
        n = kv.second.IsScalar() ? kv.second.as<int>() : -1;
      } catch (const YAML::Exception&) {
        n = -1;
      }
      if (n < 1 || n > 100) {
        return Bad(file, kv.second, key,
                   "expected how many releases of each environment keep their images, 1 to 100");
      }
      policy.releases_kept_ = n;
      continue;
    }
    if (key != "families") {
      return Bad(file, kv.first, key,
                 "unknown key; the top level has 'default', 'families' and 'releases_kept'");
    }
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsMap())
      return Bad(file, kv.second, "families", "expected a mapping of families");
    for (const auto& fam : kv.second) {
      std::string name = fam.first.as<std::string>();
      if (!compute::IsValidName(name)) {
        return Bad(file, fam.first, "families." + name,
                   "not a valid family name ([a-z]([-a-z0-9]{0,61}[a-z0-9])?)");
      }
      FamilyPolicy p = policy.default_;
      IMAGO_RETURN_IF_ERROR(Apply(file, "families." + name, fam.second, &p));
      policy.families_[name] = p;
    }
  }
  return policy;
}

Result<RotationPolicy> RotationPolicy::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read the policy file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

const FamilyPolicy& RotationPolicy::For(const std::string& family) const {
  auto it = families_.find(family);
  return it == families_.end() ? default_ : it->second;
}

}  // namespace imago::lifecycle
