#include "newswire/core/article_json.h"

#include <gtest/gtest.h>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/time.h"

namespace newswire::core {
namespace {

constexpr std::string_view kStory = R"({"id": "s1", "feed": "equities-asia", "headline": "Talks")";

// The error of a decode that must fail (an empty string if it did not).
std::string Refusal(const std::string& json) {
  auto article = ArticleFromJson(json);
  EXPECT_FALSE(article) << json;
  if (article) return "";
  EXPECT_EQ(article.error().code, v1::ERROR_CODE_INVALID_ARTICLE);
  return article.error().message;
}

TEST(ArticleJsonTest, ReadsTheExampleStory) {
  auto text = testing::ReadFile(testing::ExamplesDir() + "/tokyo-talks/v2.json");
  auto article = ArticleFromJson(text);
  ASSERT_TRUE(article) << article.error().message;
  EXPECT_EQ(article->id(), "nw-20261125-kaito-minato");
  EXPECT_EQ(article->key_points_size(), 4);
  EXPECT_EQ(article->time_zone(), "Asia/Tokyo");
}

TEST(ArticleJsonTest, ASecondUrgencyIsRefusedNotTakenAsAFlash) {
  EXPECT_EQ(Refusal(std::string(kStory) + R"(, "urgency": 3, "urgency": 1})"),
            "key \"urgency\" appears twice");
}

TEST(ArticleJsonTest, BothNamesOfOneFieldAreRefusedNotConcatenated) {
  EXPECT_EQ(Refusal(std::string(kStory) + R"(, "key_points": ["a"], "keyPoints": ["b"]})"),
            "keys \"key_points\" and \"keyPoints\" both set key_points");
  EXPECT_EQ(Refusal(std::string(kStory) + R"(, "timeZone": "UTC", "time_zone": "UTC"})"),
            "keys \"timeZone\" and \"time_zone\" both set time_zone");
}

TEST(ArticleJsonTest, ASecondIdIsRefusedNotASilentlyChangedStory) {
  EXPECT_EQ(Refusal(std::string(kStory) + R"(, "id": "s2"})"), "key \"id\" appears twice");
}

TEST(ArticleJsonTest, DuplicatesAreFoundInsideListsOfObjectsAndThroughEscapes) {
  EXPECT_EQ(Refusal(std::string(kStory) +
                    R"(, "instruments": [{"symbol": "9984", "exchange": "XTKS"},
                                         {"symbol": "NVDA", "symbol": "NVDAX"}]})"),
            "key \"symbol\" appears twice in instruments[1]");
  // JSON escapes spell the same key: "urg\u0065ncy" is "urgency".
  EXPECT_EQ(Refusal(std::string(kStory) + R"(, "urgency": 3, "urg\u0065ncy": 1})"),
            "key \"urgency\" appears twice");
}

TEST(ArticleJsonTest, EqualKeysInDifferentObjectsAreFine) {
  auto article = ArticleFromJson(std::string(kStory) +
                                 R"(, "instruments": [{"symbol": "9984", "exchange": "XTKS"},
                                                      {"symbol": "6758", "exchange": "XTKS"}]})");
  ASSERT_TRUE(article) << article.error().message;
  EXPECT_EQ(article->instruments_size(), 2);
}

TEST(ArticleJsonTest, TimesMorePreciseThanNanosecondsAreRefusedNamingTheField) {
  const std::string message =
      Refusal(std::string(kStory) + R"(, "embargoed": "2026-11-25T06:05:00.1234567891Z"})");
  EXPECT_EQ(message.rfind("embargoed: ", 0), 0u) << message;
  EXPECT_NE(message.find("more precise than nanoseconds"), std::string::npos) << message;
  auto exact =
      ArticleFromJson(std::string(kStory) + R"(, "embargoed": "2026-11-25T06:05:00.123456789Z"})");
  ASSERT_TRUE(exact) << exact.error().message;
  EXPECT_EQ(exact->embargoed().nanos(), 123'456'789);
}

TEST(ArticleJsonTest, TimesOutsideTheYears1To9999AreRefusedNamingTheField) {
  EXPECT_EQ(Refusal(std::string(kStory) + R"(, "versioncreated": "9999-12-31T23:59:59-01:00"})")
                .rfind("versioncreated: ", 0),
            0u);
  auto far = ArticleFromJson(std::string(kStory) + R"(, "embargoed": "9999-12-31T23:59:59Z"})");
  ASSERT_TRUE(far) << far.error().message;
  EXPECT_EQ(far->embargoed().seconds(), kMaxTimestampSeconds);
}

TEST(ArticleJsonTest, WhatIsNotAnArticleIsRefused) {
  EXPECT_NE(Refusal(std::string(kStory) + R"(, "headlien": "x"})").find("headlien"),
            std::string::npos);
  EXPECT_NE(Refusal(std::string(kStory)).find("not JSON"), std::string::npos);
  EXPECT_NE(Refusal("{\"headline\": \"\xff\"}").find("not JSON"), std::string::npos);
  EXPECT_NE(Refusal(std::string(kStory) + R"(, "urgency": "high"})").find("urgency"),
            std::string::npos);
  EXPECT_NE(Refusal("[]").find("not an Article"), std::string::npos);
}

}  // namespace
}  // namespace newswire::core
