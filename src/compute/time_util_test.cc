#include "compute/time_util.h"

#include <gtest/gtest.h>

namespace imago::compute {
namespace {

TEST(TimeTest, FormatsLikeGce) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000+00:00");
  auto t = ParseTimestamp("2026-11-26T15:30:00.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-26T15:30:00.123+00:00");
}

TEST(TimeTest, ParsesOffsetsAndDates) {
  auto a = ParseTimestamp("2017-08-08T10:37:55.413-07:00");
  auto b = ParseTimestamp("2017-08-08T17:37:55.413Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  auto d = ParseTimestamp("2026-12-01");
  ASSERT_TRUE(d);
  EXPECT_EQ(FormatRfc3339(*d), "2026-12-01T00:00:00.000+00:00");
  EXPECT_TRUE(ParseTimestamp("2024-02-29T00:00:00Z"));  // Leap year.
}

TEST(TimeTest, RejectsMalformedTimestamps) {
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2023-02-29T00:00:00Z",
                          "2026-11-26T25:00:00Z", "2026-11-26T10:00:00", "2026-11-26T10:00:00+5",
                          "2026-11-26T10:00:00Zjunk", "tomorrow", "2026-11-26T10:00:00.Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
}

TEST(TimeTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("30d"), 30 * 86400 * kMicrosPerSecond);
  EXPECT_EQ(ParseDuration("12h"), 12 * 3600 * kMicrosPerSecond);
  EXPECT_EQ(ParseDuration("2w"), 14 * 86400 * kMicrosPerSecond);
  EXPECT_EQ(ParseDuration("1d12h"), 36 * 3600 * kMicrosPerSecond);
  EXPECT_EQ(ParseDuration("0s"), 0);
  EXPECT_EQ(FormatDuration(*ParseDuration("1d12h")), "1d12h");
}

TEST(TimeTest, RejectsMalformedDurations) {
  for (const char* bad : {"", "-1d", "7", "d", "7x", "7 d", "1.5d", "99999999999999w", "+3d"}) {
    EXPECT_FALSE(ParseDuration(bad)) << bad;
  }
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock c(1000);
  EXPECT_EQ(c.Now(), 1000);
  c.Advance(500);
  EXPECT_EQ(c.Now(), 1500);
}

}  // namespace
}  // namespace imago::compute
