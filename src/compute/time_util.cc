#include "compute/time_util.h"

#include <chrono>
#include <cstdio>
#include <limits>

namespace imago::compute {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at s[*pos].
bool Digits(std::string_view s, size_t* pos, int n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

TimeUs SystemClock::Now() const {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string FormatRfc3339(TimeUs t) {
  int64_t secs = t / kMicrosPerSecond;
  int64_t us = t % kMicrosPerSecond;
  if (us < 0) {
    us += kMicrosPerSecond;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lld+00:00",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(us / 1000));
  return buf;
}

std::optional<TimeUs> ParseTimestamp(std::string_view s) {
  size_t p = 0;
  int y, mo, d;
  if (!Digits(s, &p, 4, &y) || !Expect(s, &p, '-') || !Digits(s, &p, 2, &mo) ||
      !Expect(s, &p, '-') || !Digits(s, &p, 2, &d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, mo))
    return std::nullopt;
  int64_t days = DaysFromCivil(y, mo, d);
  if (p == s.size()) return days * 86400 * kMicrosPerSecond;  // Bare date.
  if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
  ++p;
  int hh, mm, ss;
  if (!Digits(s, &p, 2, &hh) || !Expect(s, &p, ':') || !Digits(s, &p, 2, &mm) ||
      !Expect(s, &p, ':') || !Digits(s, &p, 2, &ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  if (ss == 60) ss = 59;  // Leap second: clamp, as most libraries do.
  int64_t frac_us = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int n = 0;
    int64_t scale = 100000;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (n < 6) frac_us += (s[p] - '0') * scale;
      scale /= 10;
      ++n;
      ++p;
    }
    if (n == 0 || n > 9) return std::nullopt;
  }
  if (p >= s.size()) return std::nullopt;  // RFC 3339 requires an offset.
  int64_t offset_s = 0;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    int oh, om;
    if (!Digits(s, &p, 2, &oh) || !Expect(s, &p, ':') || !Digits(s, &p, 2, &om)) {
      return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  return secs * kMicrosPerSecond + frac_us;
}

std::optional<TimeUs> ParseDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t p = 0;
  TimeUs total = 0;
  constexpr TimeUs kMax = std::numeric_limits<TimeUs>::max();
  while (p < s.size()) {
    if (s[p] < '0' || s[p] > '9') return std::nullopt;
    int64_t n = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (n > 1'000'000'000) return std::nullopt;  // Far beyond any sane duration.
      n = n * 10 + (s[p] - '0');
      ++p;
    }
    if (p == s.size()) return std::nullopt;  // A number needs a unit.
    TimeUs unit;
    switch (s[p]) {
      case 's':
        unit = kMicrosPerSecond;
        break;
      case 'm':
        unit = 60 * kMicrosPerSecond;
        break;
      case 'h':
        unit = 3600 * kMicrosPerSecond;
        break;
      case 'd':
        unit = 86400 * kMicrosPerSecond;
        break;
      case 'w':
        unit = 7 * 86400 * kMicrosPerSecond;
        break;
      default:
        return std::nullopt;
    }
    ++p;
    if (n > (kMax - total) / unit) return std::nullopt;
    total += n * unit;
  }
  return total;
}

std::string FormatDuration(TimeUs d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out = "-";
    d = -d;
  }
  struct Unit {
    TimeUs us;
    char c;
  };
  static const Unit kUnits[] = {{7 * 86400 * kMicrosPerSecond, 'w'},
                                {86400 * kMicrosPerSecond, 'd'},
                                {3600 * kMicrosPerSecond, 'h'},
                                {60 * kMicrosPerSecond, 'm'},
                                {kMicrosPerSecond, 's'}};
  for (const Unit& u : kUnits) {
    if (d >= u.us) {
      out += std::to_string(d / u.us) + u.c;
      d %= u.us;
    }
  }
  if (out.empty() || out == "-") out += "0s";
  return out;
}

}  // namespace imago::compute
