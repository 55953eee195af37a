// Time for imago: an injected Clock (so a rotation a month from now is a test
// that runs in milliseconds), RFC 3339 timestamps as GCE writes them, and the
// durations users type ("7d", "12h", "2w", "1d12h").
#ifndef IMAGO_COMPUTE_TIME_UTIL_H_
#define IMAGO_COMPUTE_TIME_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imago::compute {

/// Microseconds since the Unix epoch, UTC.
using TimeUs = int64_t;

constexpr TimeUs kMicrosPerSecond = 1'000'000;
constexpr TimeUs kMicrosPerDay = 86'400 * kMicrosPerSecond;

/// A source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeUs Now() const = 0;
};

/// The real wall clock.
class SystemClock final : public Clock {
 public:
  TimeUs Now() const override;
};

/// A clock that only moves when told to: for tests and `--now`.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeUs now) : now_(now) {}
  TimeUs Now() const override { return now_; }
  void Set(TimeUs t) { now_ = t; }
  void Advance(TimeUs d) { now_ += d; }

 private:
  TimeUs now_;
};

/// Formats as RFC 3339 with milliseconds and an explicit offset, the way GCE
/// writes `creationTimestamp`: "2026-11-26T15:30:00.123+00:00".
std::string FormatRfc3339(TimeUs t);

/// Parses RFC 3339 ("2026-11-26T15:30:00Z", "...:00.5-07:00"), and, for
/// command lines, a bare date "2026-11-26" (midnight UTC). Returns nullopt on
/// anything else, including impossible dates (month 13, February 30).
std::optional<TimeUs> ParseTimestamp(std::string_view text);

/// Parses a duration made of one or more <number><unit> parts, unit one of
/// s, m, h, d, w ("30d", "12h", "1d12h"). Zero is allowed; a sign, a missing
/// unit, an unknown unit or an overflow is not. Returns microseconds.
std::optional<TimeUs> ParseDuration(std::string_view text);

/// Formats a duration the way ParseDuration reads it, largest units first.
std::string FormatDuration(TimeUs d);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_TIME_UTIL_H_
