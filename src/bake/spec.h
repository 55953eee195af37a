// A bake spec: the YAML file that says how to build one image (docs/bake.md).
// Loading checks everything that can be checked without a cloud: known keys,
// types, required fields, that provisioner files exist. Errors name the file,
// the line and the key.
#ifndef IMAGO_BAKE_SPEC_H_
#define IMAGO_BAKE_SPEC_H_

#include <map>
#include <string>
#include <vector>

#include "compute/status.h"
#include "compute/types.h"

namespace imago::bake {

/// One step that configures the builder VM.
struct Provisioner {
  enum class Kind { kShell, kFile, kAnsible, kApt };
  Kind kind = Kind::kShell;
  int line = 0;  // Where it starts in the spec (1-based).

  // shell: `inline` commands (run by /bin/sh -e) or a `script` file.
  std::vector<std::string> inline_commands;
  std::string script;                              // Absolute path on the host.
  std::map<std::string, std::string> environment;  // Added to the command's environment.

  // file: a host file or directory copied to `destination` in the guest.
  std::string source;  // Absolute path on the host.
  std::string destination;

  // ansible: ansible-playbook on the host, connected to the guest's agent.
  std::string playbook;                           // Absolute path.
  std::map<std::string, std::string> extra_vars;  // -e KEY=VALUE (as strings).
  std::string roles_path;                         // Absolute path, or empty.
  std::vector<std::string> ansible_args;          // More arguments for ansible-playbook.

  // apt: Debian packages fetched on the host (the builder has no network)
  // and installed in the guest: every package upgraded, and `install` added.
  bool upgrade = true;
  std::vector<std::string> install;  // NAME or NAME=VERSION.
  std::string sources;               // An apt sources file (absolute); empty: the host's.

  /// "shell", "file", "ansible" or "apt".
  std::string KindName() const;
};

struct BakeSpec {
  std::string path;  // The spec file, absolute.
  std::string dir;   // Its directory: relative paths in the spec start here.

  std::string family;         // Required: the family the image joins.
  std::string name_template;  // `name`; empty: the family's template or "{family}-v{date}-{time}".
  std::string os, role, software, version;  // `naming`: values for the template.
  std::string description;
  std::string source_family;  // `source.image_family`, or
  std::string source_image;   // `source.image`.
  std::vector<Provisioner> provisioners;
  compute::Labels labels;
  std::string machine_type = "e2-small";
  int machine_type_line = 0;                     // Where `machine_type` is (0: not given).
  int64_t disk_size_gb = 0;                      // 0: the source image's size.
  std::string manifest;                          // Absolute path, or empty.
  int boot_timeout_s = 180;                      // How long the builder VM may take to answer.
  std::map<std::string, std::string> variables;  // `variables:`, with the values used.
};

/// Values for a spec's `variables:` (from --var and --var-file), by name.
using VarValues = std::map<std::string, std::string>;

/// Reads and checks a spec. 400 "FILE:LINE: key 'K': WHY" on the first
/// problem found. `${var.NAME}` in any value is replaced by the value of
/// the variable NAME that the spec declares under `variables:` (NAME:
/// DEFAULT, or NAME: ~ for one without a default): `vars`' value, else the
/// default; a variable without either is an error. A name in `vars` that
/// the spec does not declare is an error when `strict` (the specs a user
/// names), and ignored otherwise (the specs a cascade adds).
compute::Result<BakeSpec> LoadSpec(const std::string& path, const VarValues& vars = {},
                                   bool strict = true);

/// True for a variable name: letters, digits and '_', not starting with a
/// digit (the spec's `variables`, --var, a shell provisioner's environment).
bool IsVarName(const std::string& s);

/// Reads a --var-file: a YAML (or JSON) map of NAME: VALUE. 400 naming the
/// file and line on a problem.
compute::Result<VarValues> LoadVarFile(const std::string& path);

/// The spec as canonical JSON: what the build digest covers (every field
/// that can change the image; not the manifest path).
std::string CanonicalSpec(const BakeSpec& spec);

}  // namespace imago::bake

#endif  // IMAGO_BAKE_SPEC_H_
