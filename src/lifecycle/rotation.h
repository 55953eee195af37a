// The image rotator: moves the images of a family, all but the one the
// family points to, along READY -> DEPRECATED -> OBSOLETE -> DELETED -> gone,
// by the dates written in their DeprecationStatus, as the seed's
// image-rotator does, but safely: it never touches the family head, an
// image something uses, an image younger than min_age, the `keep` newest,
// or an image labelled imago-keep=true, and it says why in the plan.
//
// Plan() reads (list calls only); Apply() makes one Service call per change.
// Both are written against compute::Service alone.
#ifndef IMAGO_LIFECYCLE_ROTATION_H_
#define IMAGO_LIFECYCLE_ROTATION_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compute/service.h"
#include "lifecycle/policy.h"

namespace imago::lifecycle {

/// The label imago bake puts on an image: the first 40 hex digits of its
/// bake digest (bake/digest.h). A deploy records it so that a promotion
/// can tell the same image from a rebuild.
constexpr const char* kBakeDigestLabel = "imago-bake-digest";

/// The label that keeps an image out of rotation.
constexpr const char* kKeepLabel = "imago-keep";
/// The label that records when a DELETED image is to be really deleted
/// (UTC, YYYYMMDD-HHMMSS: label values cannot hold ':').
constexpr const char* kPurgeLabel = "imago-purge-on";

/// One transition of one image.
struct Change {
  std::string image;
  uint64_t image_id = 0;
  std::string family;
  std::string from;  // READY (no deprecation), DEPRECATED, OBSOLETE, DELETED.
  std::string to;    // The next state, the same state (dates scheduled), or PURGED.
  compute::DeprecationStatus status;  // What the image's deprecation becomes.
  std::string purge_on;               // RFC 3339, for DELETED.
  std::string reason;
  compute::Labels labels;         // The image's labels when planned,
  std::string label_fingerprint;  // and their fingerprint.
};

/// An image the plan leaves as it is, and why.
struct Skip {
  std::string image;
  std::string family;
  std::string state;
  std::string reason;
};

struct Plan {
  compute::TimeUs now = 0;
  std::vector<Change> changes;
  std::vector<Skip> skips;
  int families = 0;
  int images = 0;      // Images of the rotated families.
  int list_calls = 0;  // Service calls the plan made.
};

/// Plans a rotation of `family` (nullopt: every family) at time `now`.
compute::Result<Plan> PlanRotation(compute::Service& svc, const std::string& project,
                                   const RotationPolicy& policy,
                                   const std::optional<std::string>& family, compute::TimeUs now);

/// The state an image will be in on a later date.
struct FutureState {
  std::string image;
  std::string family;
  std::string now;    // Its state today: READY, DEPRECATED, OBSOLETE, DELETED.
  std::string then;   // Its state on the date; PURGED when it will be gone.
  std::string since;  // RFC 3339: the run that made `then` ("" when unchanged).
  std::string why;    // The reason of that change, or what keeps it as it is.
};

/// The state of each image of `family` (nullopt: every family) on `until`,
/// if `imago rotate` runs with `policy` once a day from `from` and on
/// `until`, and nothing else changes (no new image, the same users). Reads
/// like PlanRotation; changes nothing. Invalid when `until` is before
/// `from` or more than ten years after it.
compute::Result<std::vector<FutureState>> SimulateRotation(
    compute::Service& svc, const std::string& project, const RotationPolicy& policy,
    const std::optional<std::string>& family, compute::TimeUs from, compute::TimeUs until);

struct ApplyResult {
  int applied = 0;
  std::vector<std::pair<Change, compute::Status>> failed;
};

/// Applies the plan's changes in order, one Service call each, except a move
/// to DELETED: the state, then the purge label (one more call; two more if the
/// labels changed since the plan). `on_applied` is called after
/// each change that took effect (for the audit log). A failed change is
/// reported and the others still go.
ApplyResult ApplyPlan(compute::Service& svc, const std::string& project, const Plan& plan,
                      const std::function<void(const Change&)>& on_applied);

/// "20261226-143000" for a time, and back.
std::string PurgeLabelValue(compute::TimeUs t);
std::optional<compute::TimeUs> ParsePurgeLabel(const std::string& v);

}  // namespace imago::lifecycle

#endif  // IMAGO_LIFECYCLE_ROTATION_H_
