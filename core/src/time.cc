#include "newswire/core/time.h"

#include <chrono>
#include <cstdio>

#include <date/tz.h>

namespace newswire::core {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

tl::unexpected<Error> Malformed(std::string message) {
  return Fail(v1::ERROR_CODE_MALFORMED, std::move(message));
}

// Reads exactly `width` ASCII digits at `pos`.
bool Digits(std::string_view text, std::size_t& pos, int width, int& out) {
  if (pos + static_cast<std::size_t>(width) > text.size()) return false;
  out = 0;
  for (int i = 0; i < width; ++i) {
    const char c = text[pos++];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

bool Expect(std::string_view text, std::size_t& pos, std::string_view one_of) {
  if (pos >= text.size() || one_of.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

// Reads ".ddd" (one to nine digits) into nanoseconds; no fraction is 0.
Result<int32_t> Fraction(std::string_view text, std::size_t& pos) {
  if (pos >= text.size() || text[pos] != '.') return 0;
  const std::size_t start = ++pos;
  int64_t nanos = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start == 9) {
      return Malformed("'" + std::string(text) +
                       "' is more precise than nanoseconds (at most 9 fraction digits)");
    }
    nanos = nanos * 10 + (text[pos++] - '0');
  }
  if (pos == start) return Malformed("'" + std::string(text) + "' has no digits after '.'");
  for (std::size_t i = pos - start; i < 9; ++i) nanos *= 10;
  return static_cast<int32_t>(nanos);
}

// The offset east of UTC in seconds: Z, or +hh:mm / -hh:mm.
Result<int64_t> Offset(std::string_view text, std::size_t& pos) {
  if (Expect(text, pos, "Zz")) return 0;
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) {
    return Malformed("'" + std::string(text) + "' needs a zone: Z or an offset such as +09:00");
  }
  const int sign = text[pos++] == '-' ? -1 : 1;
  int hours = 0, minutes = 0;
  if (!Digits(text, pos, 2, hours) || !Expect(text, pos, ":") || !Digits(text, pos, 2, minutes) ||
      hours > 23 || minutes > 59) {
    return Malformed("'" + std::string(text) + "' has an offset outside -23:59..+23:59");
  }
  return sign * (hours * 3600 + minutes * 60);
}

}  // namespace

bool IsValidTimestamp(const google::protobuf::Timestamp& ts) {
  return ts.seconds() >= kMinTimestampSeconds && ts.seconds() <= kMaxTimestampSeconds &&
         ts.nanos() >= 0 && ts.nanos() < kNanosPerSecond;
}

Result<void> CheckTimestamp(std::string_view field, const google::protobuf::Timestamp& ts) {
  if (IsValidTimestamp(ts)) return {};
  return Malformed(std::string(field) +
                   " is out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z)");
}

int64_t ToClockNs(const google::protobuf::Timestamp& ts) {
  // The clock ends inside the seconds -9223372037 and 9223372036; past
  // them, clamp at once. Inside, the nanos may still overflow: checked.
  constexpr int64_t kMinSeconds = kClockMin / kNanosPerSecond - 1;
  constexpr int64_t kMaxSeconds = kClockMax / kNanosPerSecond;
  const int64_t seconds = ts.seconds();
  if (seconds < kMinSeconds) return kClockMin;
  if (seconds > kMaxSeconds) return kClockMax;
  // Before 1970, (s + 1) * 1e9 + (n - 1e9): the same value, but the product
  // of the lowest second alone would not fit.
  const int64_t borrow = seconds < 0 ? 1 : 0;
  int64_t ns = 0;
  if (__builtin_mul_overflow(seconds + borrow, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, int64_t{ts.nanos()} - borrow * kNanosPerSecond, &ns)) {
    return seconds < 0 ? kClockMin : kClockMax;
  }
  return ns;
}

google::protobuf::Timestamp FromClockNs(int64_t ns) {
  int64_t seconds = ns / kNanosPerSecond;
  int64_t nanos = ns % kNanosPerSecond;
  if (nanos < 0) seconds -= 1, nanos += kNanosPerSecond;
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(nanos));
  return ts;
}

int64_t ClockPlusSeconds(int64_t ns, int64_t seconds) {
  int64_t delta = 0;
  int64_t out = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &delta) ||
      __builtin_add_overflow(ns, delta, &out)) {
    return seconds < 0 ? kClockMin : kClockMax;
  }
  return out;
}

Result<google::protobuf::Timestamp> ParseRfc3339(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!Digits(text, pos, 4, y) || !Expect(text, pos, "-") || !Digits(text, pos, 2, mo) ||
      !Expect(text, pos, "-") || !Digits(text, pos, 2, d) || !Expect(text, pos, "Tt") ||
      !Digits(text, pos, 2, h) || !Expect(text, pos, ":") || !Digits(text, pos, 2, mi) ||
      !Expect(text, pos, ":") || !Digits(text, pos, 2, s)) {
    return Malformed("'" + std::string(text) +
                     "' is not an RFC 3339 time such as 2026-11-25T06:05:00Z");
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) {
    return Malformed("'" + std::string(text) + "' is not a real date and time" +
                     (s == 60 ? " (leap seconds are smeared: use :59)" : ""));
  }
  auto nanos = Fraction(text, pos);
  if (!nanos) return Fail(nanos.error());
  auto offset = Offset(text, pos);
  if (!offset) return Fail(offset.error());
  if (pos != text.size()) {
    return Malformed("'" + std::string(text) + "' has extra text after the time");
  }
  google::protobuf::Timestamp ts;
  ts.set_seconds(int64_t{sys_days(date).time_since_epoch().count()} * kSecondsPerDay + h * 3600 +
                 mi * 60 + s - *offset);
  ts.set_nanos(*nanos);
  if (!IsValidTimestamp(ts)) {
    return Malformed("'" + std::string(text) +
                     "' is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z");
  }
  return ts;
}

std::string FormatRfc3339(const google::protobuf::Timestamp& ts) {
  using namespace std::chrono;
  if (!IsValidTimestamp(ts)) {
    return "invalid time (seconds " + std::to_string(ts.seconds()) + ", nanos " +
           std::to_string(ts.nanos()) + ")";
  }
  int64_t days = ts.seconds() / kSecondsPerDay;  // Rounded down, also before 1970.
  if (ts.seconds() % kSecondsPerDay < 0) --days;
  const int64_t second_of_day = ts.seconds() - days * kSecondsPerDay;
  const year_month_day date{sys_days{std::chrono::days{days}}};
  char out[48];
  int n = std::snprintf(
      out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d", int{date.year()}, unsigned{date.month()},
      unsigned{date.day()}, static_cast<int>(second_of_day / 3600),
      static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60));
  const int32_t nanos = ts.nanos();
  if (nanos % 1'000'000 == 0 && nanos != 0) {
    n += std::snprintf(out + n, sizeof out - n, ".%03d", nanos / 1'000'000);
  } else if (nanos % 1'000 == 0 && nanos != 0) {
    n += std::snprintf(out + n, sizeof out - n, ".%06d", nanos / 1'000);
  } else if (nanos != 0) {
    n += std::snprintf(out + n, sizeof out - n, ".%09d", nanos);
  }
  std::snprintf(out + n, sizeof out - n, "Z");
  return out;
}

namespace {

// The zone named `name`, or null; date/tz reports a missing one by throwing.
const date::time_zone* FindZone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

bool IsKnownTimeZone(std::string_view name) { return FindZone(name) != nullptr; }

std::string FormatInZone(const google::protobuf::Timestamp& ts, std::string_view zone) {
  const auto seconds = date::sys_seconds{std::chrono::seconds{ts.seconds()}};
  const date::time_zone* found = IsValidTimestamp(ts) ? FindZone(zone) : nullptr;
  if (!found) {
    return IsValidTimestamp(ts) ? date::format("%F %T UTC", seconds) : FormatRfc3339(ts);
  }
  return date::format("%F %T %Z", date::make_zoned(found, seconds));
}

}  // namespace newswire::core
