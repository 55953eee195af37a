#include "gce/gcloud_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace imago::gce {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

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

std::map<std::string, std::string> ParseIni(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      section = close == std::string::npos ? "" : Trim(line.substr(1, close - 1));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    std::string key = Trim(line.substr(0, eq));
    if (key.empty()) continue;
    out[section + "/" + key] = Trim(line.substr(eq + 1));
  }
  return out;
}

GcloudProperties ReadGcloudProperties(const GcloudEnvironment& env) {
  GcloudProperties p;
  p.config_name = env.active_config;
  if (p.config_name.empty() && !env.config_dir.empty()) {
    std::string text;
    if (ReadFile(env.config_dir + "/active_config", &text)) p.config_name = Trim(text);
  }
  if (p.config_name.empty()) p.config_name = "default";
  std::map<std::string, std::string> props;
  std::string text;
  // A name with a slash would read outside the configurations directory.
  if (!env.config_dir.empty() && p.config_name.find('/') == std::string::npos &&
      ReadFile(env.config_dir + "/configurations/config_" + p.config_name, &text)) {
    props = ParseIni(text);
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
