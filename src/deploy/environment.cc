#include "deploy/environment.h"

#include <sys/stat.h>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "base/file_util.h"
#include "base/yaml_checker.h"
#include "compute/names.h"
#include "compute/time_util.h"
#include "compute/types.h"

namespace imago::deploy {

using base::YamlChecker;
using compute::Result;
using compute::Status;

const char* ModelName(Model m) {
  return m == Model::kPush ? "push" : "pull";
}
const char* StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kRedBlack:
      return "red-black";
    case Strategy::kRolling:
      return "rolling";
    case Strategy::kReplace:
      return "replace";
  }
  return "?";
}

namespace {

// A whole number in [lo, hi] at map[key] (unchanged when absent).
Status Int(const YamlChecker& c, const YAML::Node& map, const std::string& key,
           const std::string& where, int lo, int hi, int* out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return Status::OK();
  long v = 0;
  size_t used = 0;
  try {
    v = std::stol(n.IsScalar() ? n.Scalar() : std::string("x"), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (!n.IsScalar() || used != n.Scalar().size() || v < lo || v > hi) {
    return c.Error(n, where, fmt::format("expected a whole number from {} to {}", lo, hi));
  }
  *out = static_cast<int>(v);
  return Status::OK();
}

// A duration ("30s", "10m", "1h") at map[key], in seconds, within [lo, hi].
Status Seconds(const YamlChecker& c, const YAML::Node& map, const std::string& key,
               const std::string& where, int64_t lo, int64_t hi, int64_t* out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return Status::OK();
  auto d = n.IsScalar() ? compute::ParseDuration(n.Scalar()) : std::nullopt;
  if (!d) return c.Error(n, where, "expected a duration such as 30s, 10m or 1h");
  int64_t s = *d / compute::kMicrosPerSecond;
  if (s < lo || s > hi) {
    return c.Error(n, where,
                   fmt::format("expected from {} to {}",
                               compute::FormatDuration(lo * compute::kMicrosPerSecond),
                               compute::FormatDuration(hi * compute::kMicrosPerSecond)));
  }
  *out = s;
  return Status::OK();
}

Status IntSeconds(const YamlChecker& c, const YAML::Node& map, const std::string& key,
                  const std::string& where, int64_t lo, int64_t hi, int* out) {
  int64_t v = *out;
  IMAGO_RETURN_IF_ERROR(Seconds(c, map, key, where, lo, hi, &v));
  *out = static_cast<int>(v);
  return Status::OK();
}

Status Bool(const YamlChecker& c, const YAML::Node& map, const std::string& key,
            const std::string& where, bool* out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return Status::OK();
  if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
    *out = n.Scalar() == "true";
    return Status::OK();
  }
  return c.Error(n, where, "expected true or false");
}

Status Map(const YamlChecker& c, const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) return c.Error(n, where, "expected a map of settings");
  return Status::OK();
}

// A metadata key of the user's: GCE's syntax, and not one imago keeps.
Status ConfigKey(const YamlChecker& c, const YAML::Node& at, const std::string& where,
                 const std::string& key) {
  bool ok = !key.empty() && key.size() < 128;
  for (char ch : key)
    ok = ok && (isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
  if (!ok) return c.Error(at, where, "a metadata key is 1-127 characters of [a-zA-Z0-9-_]");
  if (key.starts_with("imago-")) {
    return c.Error(at, where, "keys starting with imago- are imago's own; choose another name");
  }
  return Status::OK();
}

// The content of the file `n` names (relative to `dir`), which goes into
// metadata: at most one metadata value (256 KiB).
Result<std::string> MetadataFile(const YamlChecker& c, const YAML::Node& n,
                                 const std::string& where, const std::string& dir) {
  auto p = c.ExistingPath(n, where, dir, false);
  if (!p.ok()) return p.status();
  auto content = base::ReadFile(*p);
  if (!content.ok()) return c.Error(n, where, "cannot read " + *p);
  if (content->size() > 256 * 1024) {
    return c.Error(n, where, "the file is larger than a metadata value (256 KiB)");
  }
  return content;
}

}  // namespace

bool IsProductionName(const std::string& name) {
  return name == "prod" || name == "production" || name.starts_with("prod-") ||
         name.starts_with("production-");
}

Result<std::string> FindEnvironmentFile(const std::string& dir, const std::string& name_or_path) {
  struct stat st;
  if (name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml") ||
      name_or_path.find('/') != std::string::npos) {
    if (stat(name_or_path.c_str(), &st) == 0) return name_or_path;
    return Status::ResourceNotFound("The environment file '" + name_or_path + "' does not exist.");
  }
  for (const char* ext : {".yaml", ".yml"}) {
    std::string p = (std::filesystem::path(dir) / (name_or_path + ext)).string();
    if (stat(p.c_str(), &st) == 0) return p;
  }
  return Status::ResourceNotFound(fmt::format(
      "No environment '{}': {}/{}.yaml does not exist (--environments DIR names the directory).",
      name_or_path, dir, name_or_path));
}

Result<Environment> LoadEnvironment(const std::string& path) {
  auto loaded = base::LoadYamlFile(path, "environment");
  if (!loaded.ok()) return loaded.status();
  const YAML::Node root = *loaded;
  YamlChecker c(path);
  Environment env;
  env.file = path;
  env.name = std::filesystem::path(path).stem().string();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (!root.IsMap()) return c.Error(root, "", "expected a map of settings (see docs/deploy.md)");
  IMAGO_RETURN_IF_ERROR(c.OnlyKeys(
      root, "", {"service",   "kind",         "project",      "zone",          "image",   "model",
                 "size",      "autoscaling",  "machine_type", "port",          "config",  "files",
                 "secrets",   "health_check", "strategy",     "load_balancer", "timeout", "ttl",
                 "allow_ttl", "data_disks",   "clone_data",   "daily",         "smoke"}));
  if (Status st = compute::ValidateName("environment", env.name); !st.ok()) {
    return Status::Invalid(path + ": the file's name '" + env.name +
                           "' is the environment's name and must be lowercase letters, digits "
                           "and dashes, starting with a letter");
  }
  auto str = [&](const YAML::Node& map, const char* key, const std::string& where,
                 std::string* out) -> Status {
    auto v = c.String(map, key, where);
    if (!v.ok()) return v.status();
    if (!v->empty()) *out = *v;
    return Status::OK();
  };
  IMAGO_RETURN_IF_ERROR(str(root, "service", "service", &env.service));
  if (env.service.empty()) {
    return c.Error(root, "service",
                   "missing: the service's name (it names what is made, e.g. web)");
  }
  if (!compute::ValidateName("service", env.service).ok() || env.Prefix().size() + 5 > 63) {
    return c.Error(root["service"], "service",
                   fmt::format("'{}' with the environment '{}' must make a resource name: "
                               "lowercase letters, digits and dashes, at most {} characters",
                               env.service, env.name, 63 - 6 - env.name.size()));
  }
  IMAGO_RETURN_IF_ERROR(str(root, "project", "project", &env.project));
  IMAGO_RETURN_IF_ERROR(str(root, "zone", "zone", &env.zone));

  // image: {family: F} or {name: N}.
  YAML::Node image = root["image"];
  if (!image.IsDefined()) return c.Error(root, "image", "missing: give image.family or image.name");
  IMAGO_RETURN_IF_ERROR(Map(c, image, "image"));
  IMAGO_RETURN_IF_ERROR(c.OnlyKeys(image, "image", {"family", "name"}));
  IMAGO_RETURN_IF_ERROR(str(image, "family", "image.family", &env.image_family));
  IMAGO_RETURN_IF_ERROR(str(image, "name", "image.name", &env.image));
  if (env.image_family.empty() == env.image.empty()) {
    return c.Error(image, "image", "give exactly one of family (tracked) and name (pinned)");
  }

  std::string kind;
  IMAGO_RETURN_IF_ERROR(str(root, "kind", "kind", &kind));
  if (kind == "instance") {
    env.kind = Kind::kInstance;
  } else if (!kind.empty() && kind != "group") {
    return c.Error(root["kind"], "kind",
                   "expected group (a managed group behind a load balancer) or instance (one VM)");
  }
  const bool single = env.kind == Kind::kInstance;
  // One VM: no group, no load balancer, nothing to scale or roll.
  for (const char* key : {"size", "autoscaling", "load_balancer"}) {
    if (single && root[key].IsDefined()) {
      return c.Error(root[key], key,
                     "kind: instance is one VM, reached at its own address: drop this key "
                     "(or use kind: group)");
    }
  }
  if (single && root["strategy"].IsDefined()) {
    YAML::Node s = root["strategy"];
    if (!s.IsMap() || s["type"].IsDefined() || s["max_surge"].IsDefined() ||
        s["max_unavailable"].IsDefined() || s["keep_previous"].IsDefined()) {
      return c.Error(s, "strategy",
                     "kind: instance is replaced by the plain pattern (stop, detach, new VM, "
                     "attach); only strategy.rollback_on_failure applies");
    }
  }

  std::string model;
  IMAGO_RETURN_IF_ERROR(str(root, "model", "model", &model));
  if (model == "pull") {
    env.model = Model::kPull;
  } else if (!model.empty() && model != "push") {
    return c.Error(root["model"], "model", "expected push or pull");
  }
  if (single && env.model == Model::kPull) {
    return c.Error(root["model"], "model",
                   "kind: instance is push only: its configuration is its own metadata");
  }
  IMAGO_RETURN_IF_ERROR(Int(c, root, "size", "size", 0, 100, &env.size));
  if (YAML::Node a = root["autoscaling"]; a.IsDefined()) {
    if (root["size"].IsDefined()) {
      return c.Error(a, "autoscaling", "give size or autoscaling, not both");
    }
    IMAGO_RETURN_IF_ERROR(Map(c, a, "autoscaling"));
    IMAGO_RETURN_IF_ERROR(c.OnlyKeys(a, "autoscaling", {"min", "max", "cpu_target"}));
    AutoscalingSpec as;
    IMAGO_RETURN_IF_ERROR(Int(c, a, "min", "autoscaling.min", 1, 100, &as.min));
    IMAGO_RETURN_IF_ERROR(Int(c, a, "max", "autoscaling.max", 1, 100, &as.max));
    if (!a["max"].IsDefined()) return c.Error(a, "autoscaling.max", "missing");
    if (as.max < as.min) return c.Error(a["max"], "autoscaling.max", "is below autoscaling.min");
    if (YAML::Node t = a["cpu_target"]; t.IsDefined()) {
      double v = 0;
      try {
        v = t.as<double>();
      } catch (const std::exception&) {
        v = -1;
      }
      if (!(v > 0 && v <= 1)) {
        return c.Error(t, "autoscaling.cpu_target", "expected a share of a CPU, 0.1 to 1");
      }
      as.cpu_target = v;
    }
    env.autoscaling = as;
    env.size = as.min;
  }
  IMAGO_RETURN_IF_ERROR(str(root, "machine_type", "machine_type", &env.machine_type));
  IMAGO_RETURN_IF_ERROR(Int(c, root, "port", "port", 1, 65535, &env.port));

  // config: metadata items; files: metadata items read from files.
  auto config = c.StringMap(root["config"], "config");
  if (!config.ok()) return config.status();
  for (const auto& kv : root["config"]) {
    std::string key = kv.first.Scalar();
    IMAGO_RETURN_IF_ERROR(ConfigKey(c, kv.first, "config." + key, key));
    env.config.emplace_back(key, (*config)[key]);
  }
  if (YAML::Node files = root["files"]; files.IsDefined() && !files.IsNull()) {
    if (!files.IsMap()) return c.Error(files, "files", "expected a map of KEY: PATH");
    for (const auto& kv : files) {
      std::string key = kv.first.Scalar();
      std::string where = "files." + key;
      IMAGO_RETURN_IF_ERROR(ConfigKey(c, kv.first, where, key));
      if (config->count(key)) return c.Error(kv.first, where, "is also under config");
      if (!kv.second.IsScalar()) return c.Error(kv.second, where, "expected a file's path");
      auto content = MetadataFile(c, kv.second, where, dir);
      if (!content.ok()) return content.status();
      env.config.emplace_back(key, *content);
    }
  }

  // secrets: NAME: REFERENCE; the names are metadata keys the guest reads.
  if (YAML::Node sec = root["secrets"]; sec.IsDefined() && !sec.IsNull()) {
    if (!sec.IsMap()) return c.Error(sec, "secrets", "expected a map of NAME: REFERENCE");
    for (const auto& kv : sec) {
      std::string name = kv.first.Scalar();
      std::string where = "secrets." + name;
      IMAGO_RETURN_IF_ERROR(ConfigKey(c, kv.first, where, name));
      for (const auto& [k, v] : env.config) {
        if (k == name) return c.Error(kv.first, where, "is also a configuration key");
      }
      if (!kv.second.IsScalar()) return c.Error(kv.second, where, "expected a reference");
      auto ref = secrets::ParseSecretRef(kv.second.Scalar());
      if (!ref.ok()) return c.Error(kv.second, where, ref.status().message());
      env.secrets.push_back({name, *ref});
    }
  }

  // data_disks: DEVICE: {size: 10GB}.
  if (YAML::Node dd = root["data_disks"]; dd.IsDefined() && !dd.IsNull()) {
    if (!dd.IsMap()) return c.Error(dd, "data_disks", "expected a map of DEVICE: {size: 10GB}");
    for (const auto& kv : dd) {
      DataDisk d;
      d.device = kv.first.Scalar();
      const std::string where = "data_disks." + d.device;
      if (!compute::ValidateName("device", d.device).ok() || d.device.size() > 40) {
        return c.Error(kv.first, where,
                       "a device name is lowercase letters, digits and dashes (at most 40)");
      }
      if (!kv.second.IsMap()) return c.Error(kv.second, where, "expected {size: 10GB}");
      IMAGO_RETURN_IF_ERROR(c.OnlyKeys(kv.second, where, {"size"}));
      if (YAML::Node sz = kv.second["size"]; sz.IsDefined()) {
        std::string t = sz.IsScalar() ? sz.Scalar() : "";
        if (t.ends_with("GB")) t.resize(t.size() - 2);
        long v = 0;
        size_t used = 0;
        try {
          v = std::stol(t, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (t.empty() || used != t.size() || v < 1 || v > 65536) {
          return c.Error(sz, where + ".size", "expected a size in GB, 1GB to 65536GB");
        }
        d.size_gb = v;
      }
      env.data_disks.push_back(d);
    }
  }

  // clone_data: {from: ENV, backups: DIR, restore: FILE, scrub: FILE, timeout: 30m}.
  if (YAML::Node cd = root["clone_data"]; cd.IsDefined() && !cd.IsNull()) {
    IMAGO_RETURN_IF_ERROR(Map(c, cd, "clone_data"));
    IMAGO_RETURN_IF_ERROR(
        c.OnlyKeys(cd, "clone_data", {"from", "backups", "restore", "scrub", "timeout"}));
    if (env.data_disks.empty()) {
      return c.Error(cd, "clone_data", "needs data_disks (the disks it fills)");
    }
    CloneSpec cs;
    if (YAML::Node from = cd["from"]; from.IsDefined()) {
      if (!from.IsScalar() || !compute::ValidateName("environment", from.Scalar()).ok()) {
        return c.Error(from, "clone_data.from", "expected an environment's name, e.g. prod");
      }
      cs.from = from.Scalar();
    }
    auto script = [&](const char* key, std::string* out) -> Status {
      YAML::Node n = cd[key];
      if (!n.IsDefined()) return Status::OK();
      const std::string where = std::string("clone_data.") + key;
      if (!n.IsScalar()) return c.Error(n, where, "expected a script's path");
      auto content = MetadataFile(c, n, where, dir);
      if (!content.ok()) return content.status();
      *out = *content;
      return Status::OK();
    };
    IMAGO_RETURN_IF_ERROR(script("restore", &cs.restore));
    IMAGO_RETURN_IF_ERROR(script("scrub", &cs.scrub));
    if (YAML::Node b = cd["backups"]; b.IsDefined()) {
      if (!b.IsScalar()) return c.Error(b, "clone_data.backups", "expected a directory");
      auto p = c.ExistingPath(b, "clone_data.backups", dir, true);
      if (!p.ok()) return p.status();
      cs.backups = *p;
      if (cs.restore.empty()) {
        return c.Error(b, "clone_data.backups",
                       "needs clone_data.restore, the script that restores a backup");
      }
    }
    IMAGO_RETURN_IF_ERROR(
        Seconds(c, cd, "timeout", "clone_data.timeout", 10, 86400, &cs.timeout_sec));
    env.clone_data = cs;
  }

  if (YAML::Node h = root["health_check"]; h.IsDefined()) {
    IMAGO_RETURN_IF_ERROR(Map(c, h, "health_check"));
    IMAGO_RETURN_IF_ERROR(
        c.OnlyKeys(h, "health_check",
                   {"protocol", "port", "path", "response", "interval", "timeout",
                    "healthy_threshold", "unhealthy_threshold", "initial_delay"}));
    HealthSpec& hs = env.health;
    IMAGO_RETURN_IF_ERROR(str(h, "protocol", "health_check.protocol", &hs.protocol));
    for (auto& ch : hs.protocol) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    if (hs.protocol != "HTTP" && hs.protocol != "TCP") {
      return c.Error(h["protocol"], "health_check.protocol", "expected HTTP or TCP");
    }
    IMAGO_RETURN_IF_ERROR(Int(c, h, "port", "health_check.port", 1, 65535, &hs.port));
    IMAGO_RETURN_IF_ERROR(str(h, "path", "health_check.path", &hs.path));
    IMAGO_RETURN_IF_ERROR(str(h, "response", "health_check.response", &hs.response));
    if (!hs.path.starts_with("/")) return c.Error(h["path"], "health_check.path", "starts with /");
    if (hs.protocol == "TCP" && h["path"].IsDefined()) {
      return c.Error(h["path"], "health_check.path", "a TCP check has no path");
    }
    IMAGO_RETURN_IF_ERROR(
        IntSeconds(c, h, "interval", "health_check.interval", 1, 300, &hs.interval_sec));
    IMAGO_RETURN_IF_ERROR(
        IntSeconds(c, h, "timeout", "health_check.timeout", 1, 300, &hs.timeout_sec));
    if (hs.timeout_sec > hs.interval_sec) {
      return c.Error(h["timeout"].IsDefined() ? h["timeout"] : h, "health_check.timeout",
                     "is longer than health_check.interval");
    }
    IMAGO_RETURN_IF_ERROR(Int(c, h, "healthy_threshold", "health_check.healthy_threshold", 1, 10,
                              &hs.healthy_threshold));
    IMAGO_RETURN_IF_ERROR(Int(c, h, "unhealthy_threshold", "health_check.unhealthy_threshold", 1,
                              10, &hs.unhealthy_threshold));
    IMAGO_RETURN_IF_ERROR(IntSeconds(c, h, "initial_delay", "health_check.initial_delay", 0, 3600,
                                     &hs.initial_delay_sec));
  }
  if (env.health.port == 0) env.health.port = env.port;

  if (YAML::Node s = root["strategy"]; s.IsDefined()) {
    std::string type;
    if (s.IsScalar()) {
      type = s.Scalar();
    } else {
      IMAGO_RETURN_IF_ERROR(Map(c, s, "strategy"));
      IMAGO_RETURN_IF_ERROR(c.OnlyKeys(
          s, "strategy",
          {"type", "keep_previous", "max_surge", "max_unavailable", "rollback_on_failure"}));
      IMAGO_RETURN_IF_ERROR(str(s, "type", "strategy.type", &type));
      IMAGO_RETURN_IF_ERROR(Seconds(c, s, "keep_previous", "strategy.keep_previous", 0, 30 * 86400,
                                    &env.keep_previous_sec));
      IMAGO_RETURN_IF_ERROR(Int(c, s, "max_surge", "strategy.max_surge", 0, 100, &env.max_surge));
      IMAGO_RETURN_IF_ERROR(
          Int(c, s, "max_unavailable", "strategy.max_unavailable", 0, 100, &env.max_unavailable));
      IMAGO_RETURN_IF_ERROR(Bool(c, s, "rollback_on_failure", "strategy.rollback_on_failure",
                                 &env.rollback_on_failure));
    }
    YAML::Node at = s.IsScalar() ? s : s["type"];
    if (type == "red-black" || type == "blue-green" || type.empty()) {
      env.strategy = Strategy::kRedBlack;
    } else if (type == "rolling") {
      env.strategy = Strategy::kRolling;
      if (env.max_surge == 0 && env.max_unavailable == 0) {
        return c.Error(s, "strategy", "max_surge and max_unavailable cannot both be 0");
      }
    } else {
      return c.Error(at, "strategy.type", "expected red-black (or blue-green) or rolling");
    }
    if (env.strategy == Strategy::kRedBlack && !s.IsScalar() &&
        (s["max_surge"].IsDefined() || s["max_unavailable"].IsDefined())) {
      return c.Error(s, "strategy", "max_surge and max_unavailable are for type: rolling");
    }
  }

  if (single) env.strategy = Strategy::kReplace;
  if (!env.data_disks.empty() && !single) {
    // A VM's data disk attaches to one VM at a time and belongs to its name:
    // only a stateful group rolled in place (RECREATE, no surge) keeps it.
    YAML::Node at = root["data_disks"];
    if (env.autoscaling) {
      return c.Error(at, "data_disks", "a group with data disks cannot autoscale (as on GCE)");
    }
    YAML::Node s = root["strategy"];
    if (s.IsDefined() && env.strategy == Strategy::kRedBlack) {
      return c.Error(s, "strategy",
                     "red-black makes new VMs in a new group, and data disks stay with their VM: "
                     "use type: rolling with data_disks");
    }
    if (s.IsDefined() && s.IsMap() && s["max_surge"].IsDefined() && env.max_surge != 0) {
      return c.Error(s["max_surge"], "strategy.max_surge",
                     "must be 0 with data_disks (a data disk attaches to one VM at a time)");
    }
    env.strategy = Strategy::kRolling;
    env.max_surge = 0;
    if (env.max_unavailable == 0) env.max_unavailable = 1;
  }

  YAML::Node lb = root["load_balancer"];
  if (!single) {  // kind: instance has none (refused above).
    if (!lb.IsDefined()) {
      return c.Error(root, "load_balancer",
                     "missing: load_balancer.port, where the service listens");
    }
    IMAGO_RETURN_IF_ERROR(Map(c, lb, "load_balancer"));
    IMAGO_RETURN_IF_ERROR(c.OnlyKeys(lb, "load_balancer", {"port"}));
    if (!lb["port"].IsDefined()) return c.Error(lb, "load_balancer.port", "missing");
    IMAGO_RETURN_IF_ERROR(Int(c, lb, "port", "load_balancer.port", 1, 65535, &env.lb_port));
  }
  IMAGO_RETURN_IF_ERROR(Seconds(c, root, "timeout", "timeout", 10, 86400, &env.timeout_sec));
  IMAGO_RETURN_IF_ERROR(Seconds(c, root, "ttl", "ttl", 10, 90 * 86400, &env.ttl_sec));
  IMAGO_RETURN_IF_ERROR(Bool(c, root, "allow_ttl", "allow_ttl", &env.allow_ttl));
  IMAGO_RETURN_IF_ERROR(Bool(c, root, "daily", "daily", &env.daily));
  if (root["smoke"].IsDefined()) {
    auto smoke = c.ExistingPath(root["smoke"], "smoke", dir, false);
    if (!smoke.ok()) return smoke.status();
    env.smoke = *smoke;
  }
  if (env.ttl_sec > 0 && IsProductionName(env.name) && !env.allow_ttl) {
    return c.Error(root["ttl"], "ttl",
                   fmt::format("'{}' is a production environment and a ttl destroys it when it "
                               "ends; add allow_ttl: true if that is meant",
                               env.name));
  }
  return env;
}

std::string ConfigHash(const Environment& env) {
  std::string canonical = fmt::format("model={}\nmachine_type={}\nport={}\n", ModelName(env.model),
                                      env.machine_type, env.port);
  for (const auto& [k, v] : env.config)
    canonical += k + "=" + std::to_string(v.size()) + ":" + v + "\n";
  for (const auto& s : env.secrets) canonical += "secret " + s.name + "=" + s.ref.text + "\n";
  for (const auto& d : env.data_disks)
    canonical += fmt::format("disk {}={}\n", d.device, d.size_gb);
  return compute::ShortFingerprint(canonical);
}

}  // namespace imago::deploy
