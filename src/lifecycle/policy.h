// Rotation policy: how long an image of a family stays in each lifecycle
// state. Read from YAML:
//
//   default:                  # every family not listed under families
//     deprecate: superseded   # or an age such as 30d
//     obsolete_after: 7d      # time spent DEPRECATED
//     delete_after: 14d       # time spent OBSOLETE
//     purge_after: 30d        # time spent DELETED before the real delete
//     keep: 1                 # newest images besides the head left usable
//     min_age: 1d             # younger images are never touched
//   families:
//     app:
//       keep: 3               # only what differs from default
#ifndef IMAGO_LIFECYCLE_POLICY_H_
#define IMAGO_LIFECYCLE_POLICY_H_

#include <map>
#include <optional>
#include <string>

#include "compute/status.h"
#include "compute/time_util.h"

namespace imago::lifecycle {

struct FamilyPolicy {
  /// nullopt: deprecate as soon as the image is not the family head;
  /// otherwise once it is at least this old (and not the head).
  std::optional<compute::TimeUs> deprecate_age;
  compute::TimeUs obsolete_after = 7 * 86400 * compute::kMicrosPerSecond;
  compute::TimeUs delete_after = 14 * 86400 * compute::kMicrosPerSecond;
  compute::TimeUs purge_after = 30 * 86400 * compute::kMicrosPerSecond;
  int keep = 1;
  compute::TimeUs min_age = 86400 * compute::kMicrosPerSecond;

  /// "deprecate: superseded, obsolete_after: 7d, ..." for people.
  std::string Describe() const;
};

/// How many of an environment's last releases keep their images in use,
/// unless the rotation policy says (releases_kept).
constexpr int kReleasesKept = 5;

class RotationPolicy {
 public:
  /// The documented defaults (above) for every family.
  RotationPolicy() = default;

  /// Parses YAML text; `file` names it in errors. Every problem (bad YAML,
  /// unknown key, wrong type, unparseable or negative duration, bad family
  /// name) is a 400 naming the file, the line and the key.
  static compute::Result<RotationPolicy> Parse(const std::string& text, const std::string& file);
  static compute::Result<RotationPolicy> Load(const std::string& path);

  /// The policy of `family` (its own keys over the default's).
  const FamilyPolicy& For(const std::string& family) const;
  const FamilyPolicy& Default() const { return default_; }

  /// releases_kept: how many of each environment's last releases keep their
  /// images in use (the rollback window; usage.h). Default kReleasesKept.
  int releases_kept() const { return releases_kept_; }

 private:
  FamilyPolicy default_;
  int releases_kept_ = kReleasesKept;
  std::map<std::string, FamilyPolicy> families_;
};

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_POLICY_H_
