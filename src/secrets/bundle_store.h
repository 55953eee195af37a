// The secret values of releases, between a deploy (which resolves them) and
// each guest's boot (the local cloud's metadata server hands them to the
// instances made from the release's template). Kept outside the catalog,
// in HOME/secrets/PROJECT/BUNDLE.json: the directories 0700, the files
// 0600, written whole or not at all. A bundle lives as long as the
// template that names it; deleting the template's release deletes it.
#ifndef IMAGO_SECRETS_BUNDLE_STORE_H_
#define IMAGO_SECRETS_BUNDLE_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "secrets/resolver.h"

namespace imago::secrets {

/// The metadata key of an instance (and template) that names its bundle.
inline constexpr const char* kBundleKey = "imago-secrets-bundle";
/// The metadata key that lists the secrets' names (never their values).
inline constexpr const char* kNamesKey = "imago-secrets";

class BundleStore {
 public:
  /// The store of the local cloud whose home is `home`.
  explicit BundleStore(const std::string& home);
  BundleStore(const BundleStore&) = delete;
  BundleStore& operator=(const BundleStore&) = delete;

  /// Writes bundle `name` of `project` (replacing it). 400 for a name that
  /// is not a resource name; 503 when it cannot be written.
  base::Status Put(const std::string& project, const std::string& name, const Values& values);

  /// The bundle; 404 when there is none.
  base::Result<Values> Get(const std::string& project, const std::string& name) const;

  /// Deletes it; OK when there was none.
  base::Status Remove(const std::string& project, const std::string& name);

  /// The names of the project's bundles, sorted.
  std::vector<std::string> List(const std::string& project) const;

  /// When the bundle was last written (Unix seconds); 0 when there is none.
  int64_t WrittenAt(const std::string& project, const std::string& name) const;

 private:
  std::string dir_;
};

}  // namespace imago::secrets

#endif  // IMAGO_SECRETS_BUNDLE_STORE_H_
