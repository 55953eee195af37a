#include "cli/user_config.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "base/file_util.h"
#include "base/ini.h"
#include "compute/names.h"

namespace imago::cli {

using compute::Result;
using compute::Status;

std::string UserConfigPath() {
  const char* xdg = getenv("XDG_CONFIG_HOME");
  std::string dir;
  if (xdg && *xdg) {
    dir = xdg;
  } else {
    const char* home = getenv("HOME");
    dir = std::string(home ? home : "/tmp") + "/.config";
  }
  return dir + "/imago/properties";
}

std::map<std::string, std::string> ReadUserConfig() {
  auto text = base::ReadFile(UserConfigPath());
  if (!text.ok()) return {};
  return base::ParseIni(*text);
}

const std::vector<std::string>& KnownProperties() {
  static const std::vector<std::string> kKnown = {"core/project", "compute/zone"};
  return kKnown;
}

Result<std::string> PropertyName(const std::string& name) {
  for (const auto& p : KnownProperties()) {
    if (name == p || name == p.substr(p.find('/') + 1)) return p;
  }
  return Status::Invalid(
      fmt::format("unknown property '{}': imago keeps core/project and "
                  "compute/zone (gcloud's names; project and zone for short)",
                  name));
}

Status WriteUserProperty(const std::string& property, const std::string& value) {
  if (!value.empty()) {
    IMAGO_RETURN_IF_ERROR(property == "core/project" ? compute::ValidateProject(value)
                                                     : compute::ValidateName(property, value));
  }
  std::map<std::string, std::string> props = ReadUserConfig();
  if (value.empty()) {
    props.erase(property);
  } else {
    props[property] = value;
  }
  const std::string path = UserConfigPath();
  // Its directory (and ~/.config) on first use.
  std::error_code ec;
  std::filesystem::create_directories(path.substr(0, path.rfind('/')), ec);
  if (ec)
    return Status::Unavailable("cannot create the directory of " + path + ": " + ec.message());
  return base::WriteFileAtomic(path, base::FormatIni(props), 0600);
}

}  // namespace imago::cli
