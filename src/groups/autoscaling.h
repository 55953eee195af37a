// Autoscaling: the size an autoscaler asks of its group, from the CPU use
// of the group's instances: a pure function of the policy and what was
// measured, as GCE documents it (enough instances for the mean use to be
// at the target; scale out at once, scale in only to the highest
// recommendation of the last window; never outside min and max).
#ifndef IMAGO_GROUPS_AUTOSCALING_H_
#define IMAGO_GROUPS_AUTOSCALING_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "compute/group_types.h"

namespace imago::groups {

/// The size that puts the mean CPU use of `size` instances using
/// `utilization` (0-1 per vCPU) at the policy's target:
/// ceil(size * utilization / target), within [min, max]. Without a
/// measurement (nullopt), `size` within [min, max].
int RawRecommendation(const compute::AutoscalingPolicy& p, int size,
                      std::optional<double> utilization);

/// The recommendations of one autoscaler over time, for scale-in's window.
class ScaleHistory {
 public:
  /// Records `raw` at `now_us` and returns what the group should have: the
  /// highest recommendation within the last `window_sec` (so a dip does not
  /// remove instances that a peak a minute later needs again).
  int Recommend(int64_t now_us, int raw, int window_sec);

 private:
  std::deque<std::pair<int64_t, int>> seen_;
};

}  // namespace imago::groups

#endif  // IMAGO_GROUPS_AUTOSCALING_H_
