#include "gce/gcloud_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/ini.h"
#include "base/strings.h"

namespace imago::gce {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

}  // namespace

GcloudEnvironment GcloudEnvironmentFromProcess() {
  GcloudEnvironment e;
  e.config_dir = Env("CLOUDSDK_CONFIG");
  if (e.config_dir.empty()) {
    std::string home = Env("HOME");
    if (!home.empty()) e.config_dir = home + "/.config/gcloud";
  }
  e.active_config = Env("CLOUDSDK_ACTIVE_CONFIG_NAME");
  e.project_override = Env("CLOUDSDK_CORE_PROJECT");
  e.zone_override = Env("CLOUDSDK_COMPUTE_ZONE");
  return e;
}

GcloudProperties ReadGcloudProperties(const GcloudEnvironment& env) {
  GcloudProperties p;
  p.config_name = env.active_config;
  if (p.config_name.empty() && !env.config_dir.empty()) {
    std::string text;
    if (ReadFile(env.config_dir + "/active_config", &text)) p.config_name = base::Trim(text);
  }
  if (p.config_name.empty()) p.config_name = "default";
  std::map<std::string, std::string> props;
  std::string text;
  // A name with a slash would read outside the configurations directory.
  if (!env.config_dir.empty() && p.config_name.find('/') == std::string::npos &&
      ReadFile(env.config_dir + "/configurations/config_" + p.config_name, &text)) {
    props = base::ParseIni(text);
  }
  const std::string from_file = "gcloud configuration '" + p.config_name + "'";
  if (!env.project_override.empty()) {
    p.project = env.project_override;
    p.project_source = "CLOUDSDK_CORE_PROJECT";
  } else if (auto it = props.find("core/project"); it != props.end() && !it->second.empty()) {
    p.project = it->second;
    p.project_source = from_file;
  }
  if (!env.zone_override.empty()) {
    p.zone = env.zone_override;
    p.zone_source = "CLOUDSDK_COMPUTE_ZONE";
  } else if (auto it = props.find("compute/zone"); it != props.end() && !it->second.empty()) {
    p.zone = it->second;
    p.zone_source = from_file;
  }
  return p;
}

}  // namespace imago::gce
