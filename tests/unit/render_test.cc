// The CLI's word diffs and truncation never show half a character.
#include <gtest/gtest.h>

#include <string>

#include "newswire/core/diff.h"
#include "newswire/core/unicode.h"
#include "newswire/core/utf8.h"
#include "render.h"

namespace newswire::cli {
namespace {

const Style kPlain{};

v1::TextDiff Ops(uint32_t base_len, uint32_t result_len,
                 std::initializer_list<std::pair<char, std::string>> ops) {
  v1::TextDiff diff;
  diff.set_base_len(base_len);
  diff.set_result_len(result_len);
  for (const auto& [kind, value] : ops) {
    auto* op = diff.add_ops();
    if (kind == 'r') op->set_retain(static_cast<uint32_t>(std::stoul(value)));
    if (kind == '-') op->set_remove(static_cast<uint32_t>(std::stoul(value)));
    if (kind == '+') op->set_insert(value);
  }
  return diff;
}

TEST(RenderTest, FlagChangeShowsWholeFlags) {
  const std::string base = "Trip to 🇯🇵 booked";
  const std::string result = "Trip to 🇯🇲 booked";
  EXPECT_EQ(RenderTextDiff(base, core::DiffText(base, result), kPlain),
            "Trip to [-🇯🇵-]{+🇯🇲+} booked");
}

// A diff from a daemon that cut between code points (🇯 kept, 🇵 -> 🇲) is
// shown as whole characters, as today's engine would cut it.
TEST(RenderTest, DiffThatSplitsAClusterIsShownWhole) {
  const std::string base = "Trip to 🇯🇵 booked";
  const v1::TextDiff split =
      Ops(static_cast<uint32_t>(base.size()), static_cast<uint32_t>(base.size()),
          {{'r', "12"}, {'-', "4"}, {'+', "🇲"}, {'r', "7"}});
  ASSERT_TRUE(core::ApplyTextDiff(base, split));
  EXPECT_EQ(RenderTextDiff(base, split, kPlain), "Trip to [-🇯🇵-]{+🇯🇲+} booked");

  const std::string thumbs = "👍🏻 bought";
  const v1::TextDiff tone =
      Ops(static_cast<uint32_t>(thumbs.size()), static_cast<uint32_t>(thumbs.size()),
          {{'r', "4"}, {'-', "4"}, {'+', "🏿"}, {'r', "7"}});
  EXPECT_EQ(RenderTextDiff(thumbs, tone, kPlain), "[-👍🏻-]{+👍🏿+} bought");
}

TEST(RenderTest, ElidedContextKeepsWholeClusters) {
  // Long unchanged runs are cut to ~40 bytes of context: here the cut
  // falls inside a family emoji, which must be kept or dropped whole.
  std::string base;
  for (int i = 0; i < 8; ++i) base += "👨‍👩‍👧 ";
  base += "rose 3.2% ";
  for (int i = 0; i < 8; ++i) base += "👨‍👩‍👧 ";
  std::string result = base;
  result.replace(result.find("3.2"), 3, "3.4");
  const std::string shown = RenderTextDiff(base, core::DiffText(base, result), kPlain);
  EXPECT_NE(shown.find("3.[-2-]{+4+}%"), std::string::npos) << shown;
  EXPECT_NE(shown.find("…"), std::string::npos) << shown;
  EXPECT_TRUE(core::IsValidUtf8(shown));
  auto count = [&](const std::string& what) {
    int n = 0;
    for (std::size_t at = shown.find(what); at != std::string::npos;
         at = shown.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_GT(count("👨‍👩‍👧"), 0) << shown;
  for (const char* part : {"👨", "👩", "👧", "\u200D"}) {
    EXPECT_EQ(count(part), count("👨‍👩‍👧") * (part[0] == '\xE2' ? 2 : 1))
        << "part of a family shown alone: " << shown;
  }
}

TEST(RenderTest, RemovedParagraphIsCutBetweenClusters) {
  v1::Article base;
  std::string paragraph;
  for (int i = 0; i < 30; ++i) paragraph += "e\u0301";  // 3 bytes a cluster.
  base.add_body(paragraph);
  v1::Article result;
  const std::string shown = RenderArticleDiff(base, core::DiffArticles(base, result), kPlain);
  ASSERT_NE(shown.find("- paragraph 1: \""), std::string::npos) << shown;
  const std::string quoted = shown.substr(shown.find('"') + 1);
  const std::string text = quoted.substr(0, quoted.find('"'));
  EXPECT_EQ(text.size() % 3, 0u) << "an accent parted from its letter: " << text;
  EXPECT_EQ(text.size(), 78u);  // The whole clusters in the first 80 bytes.
}

}  // namespace
}  // namespace newswire::cli
