#include "groups/autoscaling.h"

#include <algorithm>
#include <cmath>

#include "compute/time_util.h"

namespace imago::groups {

int RawRecommendation(const compute::AutoscalingPolicy& p, int size,
                      std::optional<double> utilization) {
  const int lo = p.min_num_replicas.value_or(1), hi = p.max_num_replicas;
  int want = size;
  if (utilization && size > 0) {
    const double target = p.cpu_utilization_target > 0 ? p.cpu_utilization_target : 0.6;
    // A hair below an exact multiple stays there (0.6 / 0.6 is 1, not 2).
    want = static_cast<int>(std::ceil(size * *utilization / target - 1e-9));
  }
  return std::clamp(want, lo, std::max(lo, hi));
}

int ScaleHistory::Recommend(int64_t now_us, int raw, int window_sec) {
  seen_.emplace_back(now_us, raw);
  const int64_t since = now_us - int64_t{window_sec} * compute::kMicrosPerSecond;
  while (!seen_.empty() && seen_.front().first < since) seen_.pop_front();
  int best = raw;
  for (const auto& [t, r] : seen_) best = std::max(best, r);
  return best;
}

}  // namespace imago::groups
