// The image naming convention. The seed asks for names that say the OS, the
// function, the software and its version; a family may set its own template.
//
// A template is text with placeholders:
//   {os} {role} {software} {version} {family}   free text, sanitised
//   {date} (YYYYMMDD) {time} (HHMMSS)            from the build time, UTC
// The default is "{os}-{role}-{software}-{version}-v{date}-{time}", giving
// e.g. debian-12-app-nginx-1-24-0-v20261126-153000.
//
// Sanitising: lower case; every run of characters other than a-z and 0-9
// becomes one '-'; no leading or trailing '-'. A name must start with a
// letter: if it does not, "img-" is put in front.
//
// Shortening (names have at most 63 characters): when the rendered name is
// longer, the part before the first {date} (or the whole name, without one)
// is cut and ends with '-' and the first 6 hex digits of the SHA-256 of the
// full name, so two long names that differ anywhere stay different:
//   debian-12-app-a-very-long-software-name-that-goes-o-3f9a1c-v20261126-153000
#ifndef IMAGO_LIFECYCLE_NAMING_H_
#define IMAGO_LIFECYCLE_NAMING_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compute/status.h"
#include "compute/time_util.h"

namespace imago::lifecycle {

constexpr const char* kDefaultTemplate = "{os}-{role}-{software}-{version}-v{date}-{time}";

/// The values a template draws from.
struct NameParts {
  std::string os;
  std::string role;
  std::string software;
  std::string version;
  std::string family;
  compute::TimeUs when = 0;
};

/// Checks a template: known placeholders only, balanced braces, and a result
/// that can be a valid name. 400 naming 'template' otherwise.
compute::Status ValidateTemplate(const std::string& tmpl);

/// Renders a name. Fails (400, naming the flag) when a placeholder the
/// template uses has no value.
compute::Result<std::string> RenderName(const std::string& tmpl, const NameParts& parts);

/// Every way `name` breaks GCE's rules or (when `tmpl` is set) the template's
/// shape; empty when it follows both.
std::vector<std::string> CheckName(const std::string& name, const std::optional<std::string>& tmpl);

/// Lower-cases and maps runs of other characters to '-'.
std::string Sanitize(const std::string& text);

/// Per-family templates kept in a JSON file (IMAGO_HOME/naming.json).
class NamingStore {
 public:
  explicit NamingStore(std::string path) : path_(std::move(path)) {}
  /// The template of `family`, or nullopt when it has none.
  compute::Result<std::optional<std::string>> Get(const std::string& family) const;
  /// Sets (or, with an empty template, removes) a family's template. The file
  /// is replaced atomically.
  compute::Status Set(const std::string& family, const std::string& tmpl);
  compute::Result<std::map<std::string, std::string>> All() const;

 private:
  std::string path_;
};

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_NAMING_H_
