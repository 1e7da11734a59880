// The zstd delta between versions: exact, and a clean typed error (never
// wrong bytes passed off as right) for anything that does not fit.
#include "newswire/core/delta.h"

#include <gtest/gtest.h>

#include <string>

#include "articles.h"
#include "newswire/core/article.h"

namespace newswire::core {
namespace {

struct Versions {
  std::string base;
  std::string result;
};

Versions TokyoStory() {
  auto v1 = testing::ExampleStory(1);
  auto v2 = testing::ExampleStory(2);
  v1.set_version(1);
  v2.set_version(2);
  return {CanonicalBytes(v1), CanonicalBytes(v2)};
}

TEST(DeltaTest, RebuildsTheNextVersionExactlyFromItsBase) {
  auto [base, result] = TokyoStory();
  const std::string delta = EncodeDelta(base, result);
  EXPECT_LT(delta.size(), result.size() / 3) << "unchanged text costs only references";
  auto decoded = DecodeDelta(base, delta, result.size());
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  EXPECT_EQ(*decoded, result);
}

TEST(DeltaTest, TheWrongBaseNeverPassesForTheRightResult) {
  auto [base, result] = TokyoStory();
  const std::string delta = EncodeDelta(base, result);
  std::string other = base;
  other[other.size() / 2] ^= 0x20;
  auto decoded = DecodeDelta(other, delta, result.size());
  // zstd has no checksum of its own here: the content hash decides.
  if (decoded) {
    EXPECT_NE(Sha256(*decoded), Sha256(result));
  }
}

TEST(DeltaTest, ATruncatedOrResizedDeltaIsAMismatch) {
  auto [base, result] = TokyoStory();
  const std::string delta = EncodeDelta(base, result);
  auto truncated = DecodeDelta(base, delta.substr(0, delta.size() - 3), result.size());
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
  auto wrong_size = DecodeDelta(base, delta, result.size() + 1);
  ASSERT_FALSE(wrong_size);
  EXPECT_EQ(wrong_size.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
  auto garbage = DecodeDelta(base, "not a zstd frame", result.size());
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
}

// A delta from an untrusted wire may claim any size; one past the largest
// article any daemon accepts is refused before memory is taken for it, even
// when it is a well-formed frame (here: 1 byte more of zeros).
TEST(DeltaTest, ADeltaClaimingMoreThanAnyArticleIsRefused) {
  const std::string huge(kLargestArticleBytes + 1, '\0');
  const std::string delta = EncodeDelta("", huge);
  ASSERT_LT(delta.size(), 64u * 1024) << "zeros compress to almost nothing";
  auto decoded = DecodeDelta("", delta, huge.size());
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
  EXPECT_NE(decoded.error().message.find("more than any article"), std::string::npos);
}

TEST(DeltaTest, EmptyBaseAndEmptyResultWork) {
  auto decoded = DecodeDelta("", EncodeDelta("", "hello"), 5);
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  EXPECT_EQ(*decoded, "hello");
  auto empty = DecodeDelta("base", EncodeDelta("base", ""), 0);
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_EQ(*empty, "");
}

}  // namespace
}  // namespace newswire::core
