// Time on the wire: the one home of every conversion between RFC 3339 text,
// google.protobuf.Timestamp and the clock (core::Clock: signed 64-bit
// nanoseconds since the Unix epoch, UTC).
//
// Two ranges meet here, and nothing ever wraps between them:
// - a Timestamp is valid from 0001-01-01T00:00:00Z to
//   9999-12-31T23:59:59.999999999Z with nanos in [0, 999999999] (the range
//   of RFC 3339 and of protobuf's JSON mapping); anything else is refused;
// - the clock spans 1677-09-21T00:12:43.145224192Z to
//   2262-04-11T23:47:16.854775807Z (kClockMin .. kClockMax). A valid time
//   outside it is clamped to the nearer end: before every wire time a daemon
//   can stamp, or after every one. So an embargo of 9999-12-31 is held until
//   further notice, one in the year 1000 is already over, an as-of time in
//   the 1600s sees nothing, and a start time in 2300 finds nothing yet.
//
// Leap seconds do not exist here (protobuf's Timestamp is smeared), so
// ":60" is refused, as protobuf's JSON parser refuses it. All functions are
// pure and thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "newswire/core/error.h"

namespace newswire::core {

inline constexpr int64_t kMinTimestampSeconds = -62'135'596'800;  // 0001-01-01T00:00:00Z
inline constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
inline constexpr int64_t kClockMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kClockMax = std::numeric_limits<int64_t>::max();

// True when `ts` lies in 0001..9999 with nanos in [0, 999999999].
bool IsValidTimestamp(const google::protobuf::Timestamp& ts);

// MALFORMED "`field` is out of range (0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z)" unless IsValidTimestamp.
Result<void> CheckTimestamp(std::string_view field, const google::protobuf::Timestamp& ts);

// Clock nanoseconds of `ts`, clamped to [kClockMin, kClockMax]. Total: an
// invalid Timestamp is clamped as well (check it first where it matters).
int64_t ToClockNs(const google::protobuf::Timestamp& ts);

// The Timestamp of a clock reading. Total: every int64 is a valid time.
google::protobuf::Timestamp FromClockNs(int64_t ns);

// `ns` moved by `seconds` (negative: earlier), clamped to the clock's range
// ("now minus 365,000 days" is kClockMin, not a time in the future).
int64_t ClockPlusSeconds(int64_t ns, int64_t seconds);

// Parses RFC 3339: "2026-11-25T15:05:00+09:00", "2026-11-25T06:05:00.25Z"
// (T and Z in either case; up to nine fraction digits; an offset from
// -23:59 to +23:59). MALFORMED naming what is wrong: the shape, a field out
// of its range (month 13, February 30, hour 24, second 60), more precision
// than nanoseconds, or a result outside 0001..9999 in UTC.
Result<google::protobuf::Timestamp> ParseRfc3339(std::string_view text);

// "2026-11-25T06:05:00Z", with 3, 6 or 9 fraction digits when needed
// ("...:00.250Z"). An invalid Timestamp gives "invalid time (seconds S,
// nanos N)" instead.
std::string FormatRfc3339(const google::protobuf::Timestamp& ts);

// Time zones come from the IANA tz database the system holds (tzdata), read
// through the date/tz library.

// True when `name` is a zone or link of the tz database ("Asia/Tokyo",
// "UTC"); false for anything else, or when the database cannot be read.
bool IsKnownTimeZone(std::string_view name);

// "2026-11-25 16:20:00 JST": `ts` as a wall-clock time in `zone` with the
// zone's abbreviation. An empty or unknown zone, or an invalid Timestamp,
// is shown in UTC ("... UTC").
std::string FormatInZone(const google::protobuf::Timestamp& ts, std::string_view zone);

}  // namespace newswire::core
