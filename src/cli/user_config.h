// The user's own defaults for imago, set with `imago config set`: the
// properties of gcloud that imago uses (core/project, compute/zone), kept as
// gcloud keeps them, in an INI file of the user's configuration directory.
#ifndef IMAGO_CLI_USER_CONFIG_H_
#define IMAGO_CLI_USER_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "compute/status.h"

namespace imago::cli {

/// ${XDG_CONFIG_HOME:-$HOME/.config}/imago/properties.
std::string UserConfigPath();

/// The properties set ("core/project" -> value); empty when the file does
/// not exist or cannot be read.
std::map<std::string, std::string> ReadUserConfig();

/// The properties imago knows, by their full names.
const std::vector<std::string>& KnownProperties();

/// The full name of `name` ("project" -> "core/project", "zone" ->
/// "compute/zone"); 400 naming the known ones when it is none of them.
compute::Result<std::string> PropertyName(const std::string& name);

/// Sets (`value` non-empty) or unsets a property: the file is replaced
/// whole (a crash leaves the old or the new one). 400 for a value that is
/// not a project id or zone name; 503 when the file cannot be written.
compute::Status WriteUserProperty(const std::string& property, const std::string& value);

}  // namespace imago::cli

#endif  // IMAGO_CLI_USER_CONFIG_H_
