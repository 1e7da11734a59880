#include "newswire/core/time.h"

#include <gtest/gtest.h>

namespace newswire::core {
namespace {

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

// Parses or fails the test (and returns an invalid time, which no
// expectation below matches).
google::protobuf::Timestamp Parse(std::string_view text) {
  auto ts = ParseRfc3339(text);
  EXPECT_TRUE(ts) << text << ": " << ts.error().message;
  return ts ? *ts : At(-1, -1);
}

std::string ParseError(std::string_view text) {
  auto ts = ParseRfc3339(text);
  EXPECT_FALSE(ts) << text << " parsed as " << FormatRfc3339(*ts);
  return ts ? "" : ts.error().message;
}

constexpr int64_t kTalks = 1'795'586'700;  // 2026-11-25T06:05:00Z

TEST(TimeTest, ParsesRfc3339InUtcAndWithOffsets) {
  EXPECT_EQ(Parse("2026-11-25T06:05:00Z").seconds(), kTalks);
  EXPECT_EQ(Parse("2026-11-25T15:05:00+09:00").seconds(), kTalks);
  EXPECT_EQ(Parse("2026-11-25t01:35:00-04:30").seconds(), kTalks);
  EXPECT_EQ(Parse("2026-11-25T06:05:00.25z").nanos(), 250'000'000);
  EXPECT_EQ(Parse("2026-11-25T06:05:00.123456789Z").nanos(), 123'456'789);
  EXPECT_EQ(Parse("0001-01-01T00:00:00Z").seconds(), kMinTimestampSeconds);
  EXPECT_EQ(Parse("9999-12-31T23:59:59.999999999Z").seconds(), kMaxTimestampSeconds);
  EXPECT_EQ(Parse("1600-01-01T00:00:00Z").seconds(), -11'676'096'000);
  EXPECT_EQ(Parse("2024-02-29T00:00:00Z").seconds(), 1'709'164'800);
}

TEST(TimeTest, RefusesMorePrecisionThanNanosecondsInsteadOfTruncating) {
  EXPECT_NE(ParseError("2026-11-25T06:05:00.1234567891Z").find("more precise than nanoseconds"),
            std::string::npos);
}

TEST(TimeTest, RefusesTimesOutsideTheYears1To9999AfterTheOffset) {
  // protobuf's TimeUtil::FromString aborts the process on these two.
  EXPECT_NE(ParseError("9999-12-31T23:59:59-01:00").find("outside 0001-01-01"), std::string::npos);
  EXPECT_NE(ParseError("0001-01-01T00:00:00+01:00").find("outside 0001-01-01"), std::string::npos);
  EXPECT_NE(ParseError("0000-12-31T23:59:59Z").find("outside 0001-01-01"), std::string::npos);
  ParseError("10000-01-01T00:00:00Z");
}

TEST(TimeTest, RefusesWhatIsNotAnRfc3339Time) {
  for (const char* text :
       {"", "2026-11-25", "2026-11-25 06:05:00Z", "2026-11-25T06:05:00", "2026-11-25T06:05Z",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-25T24:00:00Z",
        "2026-11-25T06:05:00.Z", "2026-11-25T06:05:00+0900", "2026-11-25T06:05:00+24:00",
        "2026-11-25T06:05:00Zjunk", "+2026-11-25T06:05:00Z", "yesterday"}) {
    ParseError(text);
  }
  EXPECT_NE(ParseError("2016-12-31T23:59:60Z").find("leap seconds"), std::string::npos);
}

TEST(TimeTest, FormatsUtcWithTheFractionNeededAndParsesBack) {
  EXPECT_EQ(FormatRfc3339(At(kTalks)), "2026-11-25T06:05:00Z");
  EXPECT_EQ(FormatRfc3339(At(kTalks, 250'000'000)), "2026-11-25T06:05:00.250Z");
  EXPECT_EQ(FormatRfc3339(At(kTalks, 250'000)), "2026-11-25T06:05:00.000250Z");
  EXPECT_EQ(FormatRfc3339(At(kTalks, 7)), "2026-11-25T06:05:00.000000007Z");
  EXPECT_EQ(FormatRfc3339(At(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(At(kMinTimestampSeconds)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(kMaxTimestampSeconds, 999'999'999)), "9999-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339(At(kMaxTimestampSeconds + 1)),
            "invalid time (seconds 253402300800, nanos 0)");
  for (int64_t seconds : {kMinTimestampSeconds, int64_t{-11'676'096'000}, int64_t{-1}, int64_t{0},
                          kTalks, kMaxTimestampSeconds}) {
    auto back = ParseRfc3339(FormatRfc3339(At(seconds, 120)));
    ASSERT_TRUE(back) << seconds;
    EXPECT_EQ(back->seconds(), seconds);
    EXPECT_EQ(back->nanos(), 120);
  }
}

TEST(TimeTest, ClockNanosecondsAreExactInsideTheClockAndClampedOutsideNeverWrapped) {
  EXPECT_EQ(ToClockNs(At(kTalks, 5)), kTalks * 1'000'000'000 + 5);
  EXPECT_EQ(ToClockNs(At(-1, 999'999'999)), -1);
  // The clock's ends are exact...
  EXPECT_EQ(ToClockNs(At(-9'223'372'037, 145'224'192)), kClockMin);
  EXPECT_EQ(ToClockNs(At(9'223'372'036, 854'775'807)), kClockMax);
  // ...and one nanosecond past them is clamped.
  EXPECT_EQ(ToClockNs(At(-9'223'372'037, 145'224'191)), kClockMin);
  EXPECT_EQ(ToClockNs(At(9'223'372'036, 854'775'808)), kClockMax);
  // The examples: each used to wrap to the other side of 1970.
  EXPECT_EQ(ToClockNs(Parse("9999-12-31T23:59:59Z")), kClockMax);
  EXPECT_EQ(ToClockNs(Parse("2300-01-01T00:00:00Z")), kClockMax);
  EXPECT_EQ(ToClockNs(Parse("1000-01-01T00:00:00Z")), kClockMin);
  EXPECT_EQ(ToClockNs(Parse("1600-01-01T00:00:00Z")), kClockMin);
  // Invalid Timestamps are clamped too.
  EXPECT_EQ(ToClockNs(At(INT64_MAX, INT32_MAX)), kClockMax);
  EXPECT_EQ(ToClockNs(At(INT64_MIN, INT32_MIN)), kClockMin);
}

TEST(TimeTest, EveryClockReadingIsAValidTimestamp) {
  for (int64_t ns : {kClockMin, int64_t{-1}, int64_t{0}, int64_t{1}, kClockMax}) {
    auto ts = FromClockNs(ns);
    EXPECT_TRUE(IsValidTimestamp(ts)) << ns;
    EXPECT_EQ(ToClockNs(ts), ns);
  }
  EXPECT_EQ(FormatRfc3339(FromClockNs(kClockMin)), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(FormatRfc3339(FromClockNs(kClockMax)), "2262-04-11T23:47:16.854775807Z");
}

TEST(TimeTest, MovingTheClockSaturatesAtItsEnds) {
  const int64_t now = kTalks * 1'000'000'000;
  EXPECT_EQ(ClockPlusSeconds(now, -86'400), now - 86'400'000'000'000);
  EXPECT_EQ(ClockPlusSeconds(now, -365'000LL * 86'400), kClockMin);  // retention_days's maximum
  EXPECT_EQ(ClockPlusSeconds(now, INT64_MAX), kClockMax);
  EXPECT_EQ(ClockPlusSeconds(kClockMax, 1), kClockMax);
}

TEST(TimeTest, CheckTimestampNamesTheField) {
  EXPECT_TRUE(CheckTimestamp("as_of", At(kTalks)));
  auto bad = CheckTimestamp("as_of", At(kMaxTimestampSeconds + 1));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(bad.error().message.rfind("as_of is out of range", 0), 0u) << bad.error().message;
  EXPECT_FALSE(CheckTimestamp("from", At(kTalks, -1)));
  EXPECT_FALSE(CheckTimestamp("from", At(kTalks, 1'000'000'000)));
}

TEST(TimeTest, TimeZonesComeFromTheTzDatabase) {
  EXPECT_TRUE(IsKnownTimeZone("Asia/Tokyo"));
  EXPECT_TRUE(IsKnownTimeZone("America/New_York"));
  EXPECT_TRUE(IsKnownTimeZone("UTC"));
  EXPECT_FALSE(IsKnownTimeZone(""));
  EXPECT_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  EXPECT_FALSE(IsKnownTimeZone("asia/tokyo"));
  EXPECT_FALSE(IsKnownTimeZone("../../etc/passwd"));
}

TEST(TimeTest, FormatsAStoryTimeInItsOwnZone) {
  EXPECT_EQ(FormatInZone(At(kTalks), "Asia/Tokyo"), "2026-11-25 15:05:00 JST");
  EXPECT_EQ(FormatInZone(At(kTalks), "America/New_York"), "2026-11-25 01:05:00 EST");
  EXPECT_EQ(FormatInZone(At(kTalks), ""), "2026-11-25 06:05:00 UTC");
  EXPECT_EQ(FormatInZone(At(kTalks), "Mars/Olympus_Mons"), "2026-11-25 06:05:00 UTC");
  EXPECT_EQ(FormatInZone(Parse("9999-12-31T23:59:59Z"), "Asia/Tokyo"), "10000-01-01 08:59:59 JST");
}

}  // namespace
}  // namespace newswire::core
