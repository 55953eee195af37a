#include "bake/spec.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <regex>
#include <set>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "base/yaml_checker.h"
#include "compute/names.h"

namespace imago::bake {

using compute::Result;
using compute::Status;

std::string Provisioner::KindName() const {
  switch (kind) {
    case Kind::kShell:
      return "shell";
    case Kind::kFile:
      return "file";
    case Kind::kAnsible:
      return "ansible";
    case Kind::kApt:
      return "apt";
  }
  return "?";
}

bool IsVarName(const std::string& s) {
  bool ok = !s.empty() && !isdigit(static_cast<unsigned char>(s[0]));
  for (char ch : s) ok = ok && (isalnum(static_cast<unsigned char>(ch)) || ch == '_');
  return ok;
}

namespace {

using Checker = base::YamlChecker;

Result<Provisioner> LoadProvisioner(const Checker& c, const YAML::Node& n, size_t index,
                                    const std::string& dir) {
  std::string where = "provisioners[" + std::to_string(index) + "]";
  if (!n.IsMap()) return c.Error(n, where, "expected a map with a 'type'");
  Provisioner p;
  p.line = n.Mark().line + 1;
  YAML::Node type = n["type"];
  if (!type.IsDefined() || !type.IsScalar()) {
    return c.Error(n, where + ".type", "missing: shell, file, ansible or apt");
  }
  std::string t = type.Scalar();
  if (t == "shell") {
    p.kind = Provisioner::Kind::kShell;
    if (Status st = c.OnlyKeys(n, where, {"type", "inline", "script", "environment"}); !st.ok())
      return st;
    YAML::Node in = n["inline"], script = n["script"];
    if (in.IsDefined() == script.IsDefined()) {
      return c.Error(n, where, "a shell provisioner needs exactly one of 'inline' and 'script'");
    }
    if (in.IsDefined()) {
      if (in.IsScalar()) {
        p.inline_commands.push_back(in.Scalar());
      } else if (in.IsSequence() && in.size() > 0) {
        for (const auto& line : in) {
          if (!line.IsScalar()) return c.Error(line, where + ".inline", "expected strings");
          p.inline_commands.push_back(line.Scalar());
        }
      } else {
        return c.Error(in, where + ".inline", "expected a command or a list of commands");
      }
    } else {
      if (!script.IsScalar()) return c.Error(script, where + ".script", "expected a path");
      auto path = c.ExistingPath(script, where + ".script", dir, false);
      if (!path.ok()) return path.status();
      p.script = *path;
    }
    auto env = c.StringMap(n["environment"], where + ".environment");
    if (!env.ok()) return env.status();
    p.environment = *env;
    for (const auto& [k, v] : p.environment) {
      if (!IsVarName(k)) {
        return c.Error(n["environment"], where + ".environment." + k, "not a variable name");
      }
    }
  } else if (t == "file") {
    p.kind = Provisioner::Kind::kFile;
    if (Status st = c.OnlyKeys(n, where, {"type", "source", "destination"}); !st.ok()) return st;
    YAML::Node src = n["source"], dst = n["destination"];
    if (!src.IsDefined() || !src.IsScalar()) return c.Error(n, where + ".source", "missing");
    if (!dst.IsDefined() || !dst.IsScalar()) return c.Error(n, where + ".destination", "missing");
    auto path = c.ExistingPath(src, where + ".source", dir, false);
    if (!path.ok()) return path.status();
    p.source = *path;
    p.destination = dst.Scalar();
    if (p.destination.empty() || p.destination[0] != '/') {
      return c.Error(dst, where + ".destination", "expected an absolute path in the guest");
    }
  } else if (t == "ansible") {
    p.kind = Provisioner::Kind::kAnsible;
    if (Status st =
            c.OnlyKeys(n, where, {"type", "playbook", "extra_vars", "roles_path", "ansible_args"});
        !st.ok())
      return st;
    if (YAML::Node args = n["ansible_args"]; args.IsDefined()) {
      if (!args.IsSequence()) {
        return c.Error(args, where + ".ansible_args", "expected a list of arguments");
      }
      for (const auto& a : args) {
        if (!a.IsScalar()) return c.Error(a, where + ".ansible_args", "expected strings");
        std::string arg = a.Scalar();
        // imago sets the inventory and the connection (its guest agent).
        for (const char* own : {"-i", "--inventory", "--inventory-file", "-c", "--connection"}) {
          if (arg == own || arg.rfind(std::string(own) + "=", 0) == 0 ||
              (std::string(own).size() == 2 && arg.rfind(own, 0) == 0)) {
            return c.Error(a, where + ".ansible_args",
                           "'" + arg + "': imago sets the inventory and the connection itself");
          }
        }
        p.ansible_args.push_back(arg);
      }
    }
    YAML::Node pb = n["playbook"];
    if (!pb.IsDefined() || !pb.IsScalar()) return c.Error(n, where + ".playbook", "missing");
    auto path = c.ExistingPath(pb, where + ".playbook", dir, false);
    if (!path.ok()) return path.status();
    p.playbook = *path;
    auto vars = c.StringMap(n["extra_vars"], where + ".extra_vars");
    if (!vars.ok()) return vars.status();
    p.extra_vars = *vars;
    if (YAML::Node rp = n["roles_path"]; rp.IsDefined()) {
      if (!rp.IsScalar()) return c.Error(rp, where + ".roles_path", "expected a path");
      auto roles = c.ExistingPath(rp, where + ".roles_path", dir, true);
      if (!roles.ok()) return roles.status();
      p.roles_path = *roles;
    }
  } else if (t == "apt") {
    p.kind = Provisioner::Kind::kApt;
    if (Status st = c.OnlyKeys(n, where, {"type", "upgrade", "install", "sources"}); !st.ok())
      return st;
    if (YAML::Node up = n["upgrade"]; up.IsDefined()) {
      if (!up.IsScalar() || (up.Scalar() != "true" && up.Scalar() != "false")) {
        return c.Error(up, where + ".upgrade", "expected true or false");
      }
      p.upgrade = up.Scalar() == "true";
    }
    if (YAML::Node in = n["install"]; in.IsDefined()) {
      if (!in.IsSequence()) return c.Error(in, where + ".install", "expected a list of packages");
      for (const auto& pkg : in) {
        // Debian's package names (policy 5.6.1), optionally =VERSION.
        static const std::regex kPackage("[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+:~-]+)?");
        if (!pkg.IsScalar() || !std::regex_match(pkg.Scalar(), kPackage)) {
          return c.Error(pkg, where + ".install",
                         "'" + (pkg.IsScalar() ? pkg.Scalar() : std::string("?")) +
                             "' is not a Debian package name (NAME or NAME=VERSION)");
        }
        p.install.push_back(pkg.Scalar());
      }
    }
    if (!p.upgrade && p.install.empty()) {
      return c.Error(n, where, "an apt provisioner with upgrade: false needs 'install'");
    }
    if (YAML::Node src = n["sources"]; src.IsDefined()) {
      if (!src.IsScalar()) return c.Error(src, where + ".sources", "expected a path");
      auto path = c.ExistingPath(src, where + ".sources", dir, false);
      if (!path.ok()) return path.status();
      p.sources = *path;
    }
  } else {
    return c.Error(type, where + ".type",
                   "unknown provisioner '" + t + "' (shell, file, ansible, apt)");
  }
  return p;
}

// Replaces ${var.NAME} in every scalar value under `n` (keys stay as they
// are); `where` names `n` in errors.
Status Substitute(const Checker& c, YAML::Node n, const std::string& where,
                  const std::map<std::string, std::optional<std::string>>& values) {
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      IMAGO_RETURN_IF_ERROR(
          Substitute(c, it->second, where.empty() ? key : where + "." + key, values));
    }
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) {
      IMAGO_RETURN_IF_ERROR(Substitute(c, n[i], where + "[" + std::to_string(i) + "]", values));
    }
  } else if (n.IsScalar()) {
    const std::string& in = n.Scalar();
    if (in.find("${var.") == std::string::npos) return Status::OK();
    std::string out;
    size_t at = 0;
    for (size_t ref; (ref = in.find("${var.", at)) != std::string::npos;) {
      size_t end = in.find('}', ref);
      if (end == std::string::npos) return c.Error(n, where, "'${var.' without its closing '}'");
      std::string name = in.substr(ref + 6, end - ref - 6);
      auto v = values.find(name);
      if (v == values.end()) {
        return c.Error(n, where, "${var." + name + "} is not declared under variables:");
      }
      if (!v->second) {
        return c.Error(n, where,
                       "variable '" + name + "' has no value: give --var " + name +
                           "=VALUE (or a default under variables:)");
      }
      out += in.substr(at, ref - at) + *v->second;
      at = end + 1;
    }
    out += in.substr(at);
    n = out;
  }
  return Status::OK();
}

}  // namespace

Result<VarValues> LoadVarFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::Invalid("--var-file " + path + ": cannot read it: " + strerror(errno));
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) +
                           ": not valid YAML: " + e.msg);
  }
  Checker c(path);
  if (!root.IsMap()) return c.Error(root, "", "expected a map of NAME: VALUE");
  VarValues out;
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!IsVarName(name)) return c.Error(it->first, name, "not a variable name");
    if (!it->second.IsScalar())
      return c.Error(it->second, name, "expected a value, not a list or map");
    out[name] = it->second.Scalar();
  }
  return out;
}

Result<BakeSpec> LoadSpec(const std::string& path, const VarValues& vars, bool strict) {
  BakeSpec spec;
  std::error_code ec;
  spec.path = std::filesystem::absolute(path, ec).lexically_normal().string();
  spec.dir = std::filesystem::path(spec.path).parent_path().string();
  Checker c(path);
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || access(path.c_str(), R_OK) != 0) {
    return Status::Invalid(path + ": cannot read the spec: " + strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::Invalid(path + ": not a spec file (a directory? --specs DIR takes one)");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) +
                           ": not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Status::Invalid(path + ": cannot read the spec: " + e.what());
  }
  if (!root.IsMap()) return c.Error(root, "", "expected a map of settings (see docs/bake.md)");
  if (Status st =
          c.OnlyKeys(root, "",
                     {"name", "naming", "family", "description", "source", "provisioners", "labels",
                      "machine_type", "disk_size_gb", "manifest", "boot_timeout", "variables"});
      !st.ok())
    return st;

  // variables: NAME: DEFAULT (~: none); then ${var.NAME} everywhere else.
  std::map<std::string, std::optional<std::string>> values;
  if (YAML::Node decl = root["variables"]; decl.IsDefined() && !decl.IsNull()) {
    if (!decl.IsMap()) return c.Error(decl, "variables", "expected a map of NAME: DEFAULT");
    for (auto it = decl.begin(); it != decl.end(); ++it) {
      std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!IsVarName(name)) return c.Error(it->first, "variables." + name, "not a variable name");
      if (it->second.IsNull()) {
        values[name] = std::nullopt;
      } else if (it->second.IsScalar()) {
        values[name] = it->second.Scalar();
      } else {
        return c.Error(it->second, "variables." + name, "expected a default value or ~");
      }
    }
  }
  for (const auto& [name, value] : vars) {
    auto v = values.find(name);
    if (v != values.end()) {
      v->second = value;
    } else if (strict) {
      std::string declared;
      for (const auto& [n, d] : values) declared += (declared.empty() ? "" : ", ") + n;
      return Status::Invalid(path + ": --var " + name +
                             ": the spec declares no such variable under variables: (" +
                             (declared.empty() ? "it declares none" : "it has " + declared) + ")");
    }
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string key = it->first.Scalar();
    if (key != "variables") IMAGO_RETURN_IF_ERROR(Substitute(c, it->second, key, values));
  }
  for (const auto& [name, value] : values) {
    if (value) spec.variables[name] = *value;
  }

  auto str = [&](const char* key, std::string* out) -> Status {
    auto v = c.String(root, key, key);
    if (!v.ok()) return v.status();
    *out = *v;
    return Status::OK();
  };
  IMAGO_RETURN_IF_ERROR(str("family", &spec.family));
  if (spec.family.empty()) return c.Error(root, "family", "missing: the family the image joins");
  if (Status st = compute::ValidateName("family", spec.family); !st.ok()) {
    return c.Error(root["family"], "family", st.message());
  }
  IMAGO_RETURN_IF_ERROR(str("name", &spec.name_template));
  IMAGO_RETURN_IF_ERROR(str("description", &spec.description));
  IMAGO_RETURN_IF_ERROR(str("machine_type", &spec.machine_type));
  if (spec.machine_type.empty()) spec.machine_type = "e2-small";
  if (root["machine_type"].IsDefined()) {
    spec.machine_type_line = root["machine_type"].Mark().line + 1;
  }
  std::string manifest;
  IMAGO_RETURN_IF_ERROR(str("manifest", &manifest));
  if (!manifest.empty()) {
    spec.manifest = std::filesystem::path(manifest).is_absolute()
                        ? manifest
                        : (std::filesystem::path(spec.dir) / manifest).lexically_normal().string();
  }

  if (YAML::Node naming = root["naming"]; naming.IsDefined()) {
    auto m = c.StringMap(naming, "naming");
    if (!m.ok()) return m.status();
    if (Status st = c.OnlyKeys(naming, "naming", {"os", "role", "software", "version"}); !st.ok())
      return st;
    spec.os = (*m)["os"];
    spec.role = (*m)["role"];
    spec.software = (*m)["software"];
    spec.version = (*m)["version"];
  }

  YAML::Node source = root["source"];
  if (!source.IsDefined()) {
    return c.Error(root, "source", "missing: give source.image_family or source.image");
  }
  if (!source.IsMap()) return c.Error(source, "source", "expected image_family: or image:");
  if (Status st = c.OnlyKeys(source, "source", {"image_family", "image"}); !st.ok()) return st;
  auto fam = c.String(source, "image_family", "source.image_family");
  if (!fam.ok()) return fam.status();
  auto img = c.String(source, "image", "source.image");
  if (!img.ok()) return img.status();
  if (fam->empty() == img->empty()) {
    return c.Error(source, "source", "give exactly one of image_family and image");
  }
  spec.source_family = *fam;
  spec.source_image = *img;

  auto labels = c.StringMap(root["labels"], "labels");
  if (!labels.ok()) return labels.status();
  spec.labels = *labels;
  if (Status st = compute::ValidateLabels("labels", spec.labels); !st.ok()) {
    return c.Error(root["labels"], "labels", st.message());
  }
  for (const auto& [k, v] : spec.labels) {
    if (k.rfind("imago-", 0) == 0) {
      return c.Error(root["labels"], "labels." + k, "labels starting with imago- are imago's own");
    }
  }

  for (const char* key : {"disk_size_gb", "boot_timeout"}) {
    YAML::Node n = root[key];
    if (!n.IsDefined()) continue;
    int64_t v = 0;
    try {
      v = n.as<int64_t>();
    } catch (const YAML::Exception&) {
      return c.Error(n, key, "expected a whole number");
    }
    if (v <= 0 || v > 65536) return c.Error(n, key, "expected a number from 1 to 65536");
    if (std::string(key) == "disk_size_gb")
      spec.disk_size_gb = v;
    else
      spec.boot_timeout_s = static_cast<int>(v);
  }

  YAML::Node provs = root["provisioners"];
  if (provs.IsDefined() && !provs.IsNull()) {
    if (!provs.IsSequence()) return c.Error(provs, "provisioners", "expected a list");
    for (size_t i = 0; i < provs.size(); ++i) {
      auto p = LoadProvisioner(c, provs[i], i, spec.dir);
      if (!p.ok()) return p.status();
      spec.provisioners.push_back(std::move(*p));
    }
  }
  return spec;
}

std::string CanonicalSpec(const BakeSpec& spec) {
  nlohmann::json j;
  j["family"] = spec.family;
  j["name"] = spec.name_template;
  j["naming"] = {
      {"os", spec.os}, {"role", spec.role}, {"software", spec.software}, {"version", spec.version}};
  j["description"] = spec.description;
  j["source"] = {{"image_family", spec.source_family}, {"image", spec.source_image}};
  j["labels"] = spec.labels;
  j["machine_type"] = spec.machine_type;
  j["disk_size_gb"] = spec.disk_size_gb;
  nlohmann::json provs = nlohmann::json::array();
  for (const Provisioner& p : spec.provisioners) {
    nlohmann::json o = {{"type", p.KindName()}};
    // Paths are kept relative to the spec, so that a checkout elsewhere has
    // the same digest; the files' content is hashed separately.
    auto rel = [&](const std::string& abs) {
      return abs.empty() ? abs : std::filesystem::path(abs).lexically_relative(spec.dir).string();
    };
    switch (p.kind) {
      case Provisioner::Kind::kShell:
        o["inline"] = p.inline_commands;
        o["script"] = rel(p.script);
        o["environment"] = p.environment;
        break;
      case Provisioner::Kind::kFile:
        o["source"] = rel(p.source);
        o["destination"] = p.destination;
        break;
      case Provisioner::Kind::kAnsible:
        o["playbook"] = rel(p.playbook);
        o["extra_vars"] = p.extra_vars;
        o["roles_path"] = rel(p.roles_path);
        if (!p.ansible_args.empty()) o["ansible_args"] = p.ansible_args;
        break;
      case Provisioner::Kind::kApt:
        o["upgrade"] = p.upgrade;
        o["install"] = p.install;
        o["sources"] = rel(p.sources);
        break;
    }
    provs.push_back(o);
  }
  j["provisioners"] = provs;
  return j.dump();  // nlohmann's objects are sorted by key: canonical.
}

}  // namespace imago::bake
