#include "groups/autoscaling.h"

#include <gtest/gtest.h>

#include "compute/time_util.h"

namespace imago::groups {
namespace {

compute::AutoscalingPolicy Policy(int min, int max, double target) {
  compute::AutoscalingPolicy p;
  p.min_num_replicas = min;
  p.max_num_replicas = max;
  p.cpu_utilization_target = target;
  return p;
}

TEST(AutoscalingTest, EnoughInstancesForTheMeanToBeAtTheTarget) {
  const auto p = Policy(1, 10, 0.6);
  EXPECT_EQ(RawRecommendation(p, 2, 0.9), 3);   // 2 * 0.9 / 0.6 = 3.
  EXPECT_EQ(RawRecommendation(p, 2, 0.6), 2);   // At the target: stays.
  EXPECT_EQ(RawRecommendation(p, 2, 0.61), 3);  // Above it: one more.
  EXPECT_EQ(RawRecommendation(p, 4, 0.1), 1);   // ceil(0.67).
  EXPECT_EQ(RawRecommendation(p, 3, 0.0), 1);   // Idle: the minimum.
}

TEST(AutoscalingTest, NeverOutsideMinAndMax) {
  EXPECT_EQ(RawRecommendation(Policy(2, 4, 0.5), 4, 1.0), 4);           // Wants 8.
  EXPECT_EQ(RawRecommendation(Policy(2, 4, 0.5), 3, 0.0), 2);           // Wants 0.
  EXPECT_EQ(RawRecommendation(Policy(0, 4, 0.5), 3, 0.0), 0);           // min 0 allowed.
  EXPECT_EQ(RawRecommendation(Policy(2, 4, 0.5), 0, std::nullopt), 2);  // No data: up to min.
  EXPECT_EQ(RawRecommendation(Policy(1, 4, 0.5), 7, std::nullopt), 4);  // ... and down to max.
  EXPECT_EQ(RawRecommendation(Policy(1, 4, 0.5), 3, std::nullopt), 3);  // ... else as it is.
}

TEST(AutoscalingTest, ScaleInFollowsTheWindowsPeakScaleOutIsAtOnce) {
  ScaleHistory h;
  const int64_t s = compute::kMicrosPerSecond;
  EXPECT_EQ(h.Recommend(0, 2, 10), 2);
  EXPECT_EQ(h.Recommend(1 * s, 5, 10), 5);   // Out: at once.
  EXPECT_EQ(h.Recommend(2 * s, 1, 10), 5);   // In: not while 5 is in the window.
  EXPECT_EQ(h.Recommend(11 * s, 1, 10), 5);  // 5 was 10 s ago: still in.
  EXPECT_EQ(h.Recommend(12 * s, 1, 10), 1);  // Gone from the window.
  EXPECT_EQ(h.Recommend(13 * s, 3, 10), 3);
}

}  // namespace
}  // namespace imago::groups
