// Specification of the diff engine: exact, word-level, UTF-8-safe, bounded.
#include "newswire/core/diff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/core/unicode.h"
#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

// ---- helpers ---------------------------------------------------------------

// Checks `diff` applies to `base` giving `result`, that every op starts and
// ends on a character boundary and, for valid UTF-8, between grapheme
// clusters (what a reader sees as one character) of the base and of the
// result, and that no two neighbouring ops are of the same kind (they would
// have been merged).
void ExpectExactDiff(std::string_view base, std::string_view result, const v1::TextDiff& diff) {
  auto applied = ApplyTextDiff(base, diff);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  ASSERT_EQ(*applied, result);
  const bool valid = IsValidUtf8(base) && IsValidUtf8(result);
  const std::vector<std::size_t> base_clusters = GraphemeBoundaries(valid ? base : "");
  const std::vector<std::size_t> result_clusters = GraphemeBoundaries(valid ? result : "");
  auto between_clusters = [&](const std::vector<std::size_t>& clusters, std::size_t pos) {
    return !valid || std::binary_search(clusters.begin(), clusters.end(), pos);
  };
  std::size_t pos = 0, out = 0;
  int last_kind = v1::TextOp::OP_NOT_SET;
  for (const auto& op : diff.ops()) {
    EXPECT_NE(op.op_case(), last_kind) << "adjacent ops of the same kind were not merged";
    last_kind = op.op_case();
    if (op.has_retain()) pos += op.retain(), out += op.retain();
    if (op.has_remove()) pos += op.remove();
    if (op.has_insert()) out += op.insert().size();
    EXPECT_TRUE(between_clusters(base_clusters, pos)) << "op ends inside a cluster at " << pos;
    EXPECT_TRUE(between_clusters(result_clusters, out))
        << "op ends inside a cluster of the result at " << out;
    if (op.has_retain() || op.has_remove()) {
      EXPECT_GT(op.has_retain() ? op.retain() : op.remove(), 0u);
      EXPECT_TRUE(IsCharBoundary(base, pos)) << "op ends inside a character at " << pos;
    }
    if (op.has_insert()) {
      EXPECT_FALSE(op.insert().empty());
      if (IsValidUtf8(result)) {
        EXPECT_TRUE(IsValidUtf8(op.insert())) << "insert splits a character";
      }
    }
  }
  // The encoding survives the wire (proto3 strings must be valid UTF-8, so
  // only when the texts are).
  if (!IsValidUtf8(base) || !IsValidUtf8(result)) return;
  v1::TextDiff parsed;
  ASSERT_TRUE(parsed.ParseFromString(diff.SerializeAsString()));
  auto reapplied = ApplyTextDiff(base, parsed);
  ASSERT_TRUE(reapplied.has_value());
  EXPECT_EQ(*reapplied, result);
}

void ExpectRoundTrip(std::string_view base, std::string_view result) {
  ExpectExactDiff(base, result, DiffText(base, result));
}

v1::TextOp Retain(uint32_t n) {
  v1::TextOp op;
  op.set_retain(n);
  return op;
}
v1::TextOp Remove(uint32_t n) {
  v1::TextOp op;
  op.set_remove(n);
  return op;
}
v1::TextOp Insert(std::string text) {
  v1::TextOp op;
  op.set_insert(std::move(text));
  return op;
}

v1::TextDiff MakeDiff(uint32_t base_len, uint32_t result_len, std::vector<v1::TextOp> ops) {
  v1::TextDiff diff;
  diff.set_base_len(base_len);
  diff.set_result_len(result_len);
  for (auto& op : ops) *diff.add_ops() = std::move(op);
  return diff;
}

void ExpectMismatch(std::string_view base, const v1::TextDiff& diff) {
  auto applied = ApplyTextDiff(base, diff);
  ASSERT_FALSE(applied.has_value()) << "applied to: " << *applied;
  EXPECT_EQ(applied.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
}

// Words a story on this wire is made of, in three scripts.
const std::vector<std::string>& Vocabulary() {
  static const std::vector<std::string> words = {
      // English, with the punctuation and numbers that get corrected.
      "The", "company", "said", "shares", "rose", "3.2%", "in", "Tokyo", "trading", ",", ".",
      "analyst", "merger", "talks", "SoftBank", "Nvidia", "1,200", "yen", "(", ")", "\"", "\n",
      "  ", "on", "Monday", "café", "naïve",
      // Japanese: no spaces between words.
      "ソフトバンク", "グループ", "は", "株価", "が", "上昇", "した", "。", "、", "東京",
      "証券取引所", "３．２", "％", "合併", "協議", "한국어",
      // Emoji and other four-byte or symbol characters; clusters of several.
      "📈", "📉", "🚀", "👨‍👩‍👧", "👨‍👩‍👦", "🇯🇵", "🇯🇲", "👍🏻", "👍🏿",
      "✅", "❤️", "€", "—", "\xE2\x80\x89", "e\u0301", "\u0301", "\u200D",
      // Scripts written without spaces: Thai, Lao, Khmer, Myanmar.
      "ตลาดหลักทรัพย์", "ปิดที่", "จุด", "ล้านบาท", "ຕະຫຼາດ", "ຂ້ອຍ", "ផ្សារ", "ဈေး", "๑๒"};
  return words;
}

std::string RandomText(std::mt19937& rng, int max_words) {
  const auto& vocab = Vocabulary();
  std::uniform_int_distribution<int> count(0, max_words);
  std::uniform_int_distribution<std::size_t> pick(0, vocab.size() - 1);
  std::bernoulli_distribution space(0.5);
  std::string text;
  for (int n = count(rng); n > 0; --n) {
    text += vocab[pick(rng)];
    if (space(rng)) text += ' ';
  }
  return text;
}

// A random character boundary of valid UTF-8 `text`.
std::size_t RandomBoundary(std::mt19937& rng, const std::string& text) {
  std::size_t pos = std::uniform_int_distribution<std::size_t>(0, text.size())(rng);
  while (!IsCharBoundary(text, pos)) --pos;
  return pos;
}

// `text` after a few random insertions, deletions and replacements.
std::string RandomEdit(std::mt19937& rng, std::string text) {
  int edits = std::uniform_int_distribution<int>(1, 6)(rng);
  for (int e = 0; e < edits; ++e) {
    std::size_t x = RandomBoundary(rng, text);
    std::size_t y = RandomBoundary(rng, text);
    if (x > y) std::swap(x, y);
    y = std::min<std::size_t>(y, x + 40);
    while (!IsCharBoundary(text, y)) --y;
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
      case 0: text.insert(x, RandomText(rng, 4)); break;
      case 1: text.erase(x, y - x); break;
      case 2: text.replace(x, y - x, RandomText(rng, 2)); break;
      default: {
        // Swap one character for a vocabulary word's first character.
        if (x == text.size()) break;
        std::size_t end = x + 1;
        while (!IsCharBoundary(text, end)) ++end;
        const std::string& word = Vocabulary()[x % Vocabulary().size()];
        std::size_t len = 1;
        while (!IsCharBoundary(word, len)) ++len;
        text.replace(x, end - x, word.substr(0, len));
      }
    }
  }
  return text;
}

std::string RandomAscii(std::mt19937& rng, std::size_t size) {
  static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz     ,.";
  std::uniform_int_distribution<std::size_t> pick(0, kLetters.size() - 1);
  std::string text(size, ' ');
  for (char& c : text) c = kLetters[pick(rng)];
  return text;
}

std::string RandomBytes(std::mt19937& rng, std::size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string text(size, '\0');
  for (char& c : text) c = static_cast<char>(byte(rng));
  return text;
}

// ---- text diffs: shape ---------------------------------------------------

TEST(TextDiffTest, IdenticalTextsAreOneRetain) {
  v1::TextDiff diff = DiffText("unchanged text", "unchanged text");
  ASSERT_EQ(diff.ops_size(), 1);
  EXPECT_EQ(diff.ops(0).retain(), 14u);
  ExpectExactDiff("unchanged text", "unchanged text", diff);
}

TEST(TextDiffTest, EmptyToTextAndBackRoundTrips) {
  ExpectRoundTrip("", "");
  ExpectRoundTrip("", "new text");
  ExpectRoundTrip("old text", "");
  EXPECT_EQ(DiffText("", "").ops_size(), 0);
}

TEST(TextDiffTest, CorrectedNumberCostsAFewBytes) {
  const std::string base =
      "SoftBank Group shares rose 3.2% in Tokyo trading on Thursday after the company "
      "confirmed it was in talks to acquire a stake in the chip designer, according to "
      "people familiar with the matter. The stock has gained 41% this year.";
  std::string result = base;
  result.replace(result.find("3.2%"), 4, "3.4%");
  v1::TextDiff diff = DiffText(base, result);
  ExpectExactDiff(base, result, diff);
  EXPECT_LE(diff.ByteSizeLong(), 24u);
  ASSERT_EQ(diff.ops_size(), 4);
  EXPECT_EQ(diff.ops(1).remove(), 1u);
  EXPECT_EQ(diff.ops(2).insert(), "4");
}

TEST(TextDiffTest, ReplacesWholeWordsNotStraySubstrings) {
  v1::TextDiff diff = DiffText("talks began on Monday in Tokyo", "talks began on Tuesday in Tokyo");
  ExpectExactDiff("talks began on Monday in Tokyo", "talks began on Tuesday in Tokyo", diff);
  ASSERT_EQ(diff.ops_size(), 4);
  EXPECT_EQ(diff.ops(1).remove(), 6u);  // "Monday", not "Mon" + "day" shared letters.
  EXPECT_EQ(diff.ops(2).insert(), "Tuesday");
}

TEST(TextDiffTest, KeepsUnchangedWordsBetweenSeparateEdits) {
  const std::string base = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda";
  const std::string result = "alpha BETA gamma delta epsilon zeta eta theta iota KAPPA lambda";
  v1::TextDiff diff = DiffText(base, result);
  ExpectExactDiff(base, result, diff);
  // Two separate replacements, with the long unchanged middle retained.
  int inserts = 0;
  for (const auto& op : diff.ops()) inserts += op.has_insert();
  EXPECT_EQ(inserts, 2);
}

TEST(TextDiffTest, FoldsNearbyEditsIntoOneReplaceWhenSmaller) {
  // "1.5" -> "2.7": two digit edits around one dot cost less as one replace.
  v1::TextDiff diff = DiffText("up 1.5 percent", "up 2.7 percent");
  ExpectExactDiff("up 1.5 percent", "up 2.7 percent", diff);
  ASSERT_EQ(diff.ops_size(), 4);
  EXPECT_EQ(diff.ops(2).insert(), "2.7");
}

TEST(TextDiffTest, JapaneseEditTouchesOnlyTheChangedCharacters) {
  const std::string base = "ソフトバンクグループの株価は東京証券取引所で３．２％上昇した。";
  const std::string result = "ソフトバンクグループの株価は東京証券取引所で３．４％上昇した。";
  v1::TextDiff diff = DiffText(base, result);
  ExpectExactDiff(base, result, diff);
  ASSERT_EQ(diff.ops_size(), 4);
  EXPECT_EQ(diff.ops(1).remove(), 3u);  // One fullwidth digit.
  EXPECT_EQ(diff.ops(2).insert(), "４");
}

TEST(TextDiffTest, JapaneseInsertionWithoutSpacesStaysSmall) {
  const std::string base = "両社は合併協議に入った。関係者が明らかにした。";
  const std::string result = "両社は本日、合併協議に入った。関係者が明らかにした。";
  v1::TextDiff diff = DiffText(base, result);
  ExpectExactDiff(base, result, diff);
  ASSERT_EQ(diff.ops_size(), 3);
  EXPECT_EQ(diff.ops(1).insert(), "本日、");
}

TEST(TextDiffTest, EmojiChangeReplacesOnlyThatEmoji) {
  v1::TextDiff diff = DiffText("Markets 📈 today 🚀", "Markets 📉 today 🚀");
  ExpectExactDiff("Markets 📈 today 🚀", "Markets 📉 today 🚀", diff);
  ASSERT_EQ(diff.ops_size(), 4);
  EXPECT_EQ(diff.ops(1).remove(), 4u);
  EXPECT_EQ(diff.ops(2).insert(), "📉");
}

TEST(TextDiffTest, SharedLeadingBytesOfDifferentCharactersAreNotSplit) {
  // "é" (C3 A9) and "è" (C3 A8) share their first byte; so do two kanji.
  ExpectRoundTrip("caf\xC3\xA9", "caf\xC3\xA8");
  ExpectRoundTrip("東京", "東北");
  ExpectRoundTrip("📈📈", "📈📉");
  v1::TextDiff diff = DiffText("東", "杭");  // E6 9D B1 vs E6 9D AD.
  ExpectExactDiff("東", "杭", diff);
  EXPECT_EQ(diff.ops(0).remove(), 3u);
}

// What a reader sees as one character is replaced whole (issue: a flag
// change rendered as 🇯[-🇵-]{+🇲+}).
TEST(TextDiffTest, FlagSkinToneFamilyAndAccentChangesReplaceWholeClusters) {
  struct Case {
    std::string base, result, removed, inserted;
  };
  const Case cases[] = {
      {"Holiday in 🇯🇵 today", "Holiday in 🇯🇲 today", "🇯🇵", "🇯🇲"},
      {"🇯🇵🇯🇵", "🇯🇵🇯🇲", "🇯🇵", "🇯🇲"},
      {"Rating: 👍🏻 from desk", "Rating: 👍🏿 from desk", "👍🏻", "👍🏿"},
      {"👍🏻👍🏻", "👍🏻👍🏿", "👍🏻", "👍🏿"},
      {"Family 👨‍👩‍👧 plan", "Family 👨‍👩‍👦 plan", "👨‍👩‍👧",
       "👨‍👩‍👦"},
      {"love ❤️ it", "love ❤ it", "❤️", "❤"},
      {"the re\u0301sume\u0301 says", "the re\u0300sume\u0301 says", "re\u0301sume\u0301",
       "re\u0300sume\u0301"},
      {"cafe\u0301", "cafe", "cafe\u0301", "cafe"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.base + " -> " + c.result);
    v1::TextDiff diff = DiffText(c.base, c.result);
    ExpectExactDiff(c.base, c.result, diff);
    std::string removed, inserted;
    std::size_t pos = 0;
    for (const auto& op : diff.ops()) {
      if (op.has_retain()) pos += op.retain();
      if (op.has_remove()) removed += c.base.substr(pos, op.remove()), pos += op.remove();
      if (op.has_insert()) inserted += op.insert();
    }
    EXPECT_EQ(removed, c.removed);
    EXPECT_EQ(inserted, c.inserted);
  }
}

// The running example of scripts without spaces: the Stock Exchange of
// Thailand's close, ~770 bytes, numbers written against the words.
const char kThaiParagraph[] =
    "ตลาดหลักทรัพย์แห่งประเทศไทยปิดตลาดที่ระดับ1,432.50จุดเพิ่มขึ้น12.35จุด"
    "หรือคิดเป็น0.87%มูลค่าการซื้อขายรวม45,210ล้านบาทโดยนักลงทุนต่างชาติซื้อสุทธิ"
    "2,150ล้านบาทขณะที่นักลงทุนสถาบันในประเทศขายสุทธิ1,320ล้านบาท "
    "หุ้นกลุ่มธนาคารปรับตัวขึ้นนำตลาดหลังกนง.คงดอกเบี้ยที่2.50%ตามที่นักวิเคราะห์คาด";
const char kEnglishParagraph[] =
    "The Stock Exchange of Thailand closed today at 1,432.50 points, up 12.35 points or "
    "0.87%, on turnover of 45,210 million baht; foreign investors were net buyers of 2,150 "
    "million baht while local institutions sold a net 1,320 million baht. Banks led the "
    "market higher after the monetary policy committee held its rate at 2.50%, as most "
    "analysts had expected, and traders said the gains could extend into next week as "
    "funds returned to the region ahead of the holidays.";

// A normalised article whose second paragraph is `paragraph`.
v1::Article MakeArticleWith(const std::string& paragraph) {
  v1::Article a;
  a.set_id("markets-close");
  a.set_feed("markets");
  a.set_urgency(5);
  a.set_headline("Markets close");
  a.add_body("Markets closed higher.");
  a.add_body(paragraph);
  a.add_body("Trading resumes tomorrow.");
  return a;
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  return text.replace(text.find(from), from.size(), to);
}

TEST(TextDiffTest, CorrectedNumberInThaiCostsWhatItCostsInEnglish) {
  const std::string thai = kThaiParagraph;
  const std::string english = kEnglishParagraph;
  ASSERT_EQ(thai.size(), 776u);
  const std::string thai_fixed = Replace(thai, "12.35", "12.45");
  const std::string english_fixed = Replace(english, "12.35", "12.45");
  v1::TextDiff thai_diff = DiffText(thai, thai_fixed);
  v1::TextDiff english_diff = DiffText(english, english_fixed);
  ExpectExactDiff(thai, thai_fixed, thai_diff);
  ExpectExactDiff(english, english_fixed, english_diff);
  EXPECT_EQ(english_diff.ByteSizeLong(), 25u);
  EXPECT_EQ(thai_diff.ByteSizeLong(), 26u) << "one group of digits, not the whole paragraph";
  ASSERT_EQ(thai_diff.ops_size(), 4);
  EXPECT_EQ(thai_diff.ops(1).remove(), 2u);  // "35", the digits after the point.
  EXPECT_EQ(thai_diff.ops(2).insert(), "45");

  // A Thai word changed: a few words around it, never the paragraph.
  const std::string reworded = Replace(thai, "เพิ่มขึ้น", "ลดลง");
  v1::TextDiff word_diff = DiffText(thai, reworded);
  ExpectExactDiff(thai, reworded, word_diff);
  EXPECT_LT(word_diff.ByteSizeLong(), 60u);
}

TEST(TextDiffTest, CorrectedNumberInArticlesCostsAboutTheSameInEveryScript) {
  // Each paragraph is a news sentence with a figure the desk corrects.
  const std::pair<std::string, std::string> paragraphs[] = {
      {kEnglishParagraph, "12.35"},
      {kThaiParagraph, "12.35"},
      {"ນະຄອນຫຼວງວຽງຈັນລາຄານ້ຳມັນເພີ່ມຂຶ້ນ3.25%ໃນມື້ນີ້ຕາມການລາຍງານຂອງກະຊວງ", "3.25"},      // Lao
      {"ផ្សារភាគហ៊ុនកម្ពុជាបានកើនឡើង3.25%នៅថ្ងៃនេះបន្ទាប់ពីការប្រកាសរបស់ធនាគារ", "3.25"},  // Khmer
      {"ရန်ကုန်စတော့ဈေးကွက်သည်ယနေ့3.25%မြင့်တက်ခဲ့ပြီးရင်းနှီးမြှုပ်နှံသူများဝယ်ယူခဲ့သည်", "3.25"},
      {"ソフトバンクグループの株価は東京証券取引所で一時3.25%上昇し、関係者が明らかにした。",
       "3.25"}};
  std::vector<std::size_t> sizes;
  for (const auto& [paragraph, figure] : paragraphs) {
    SCOPED_TRACE(paragraph);
    v1::Article base = MakeArticleWith(paragraph);
    v1::Article fixed = base;
    fixed.set_body(1, Replace(paragraph, figure, std::string(figure).replace(3, 1, "4")));
    const v1::ArticleDiff diff = DiffArticles(base, fixed);
    auto applied = ApplyArticleDiff(base, diff);
    ASSERT_TRUE(applied.has_value());
    EXPECT_EQ(applied->body(1), fixed.body(1));
    sizes.push_back(diff.ByteSizeLong());
  }
  EXPECT_LE(sizes[0], 50u) << "English";
  for (std::size_t size : sizes) EXPECT_LE(size, sizes[0] + 2) << "English costs " << sizes[0];
}

// ---- text diffs: properties ----------------------------------------------

TEST(TextDiffTest, RandomEditsOfEnglishJapaneseAndEmojiRoundTrip) {
  for (uint32_t seed = 0; seed < 4000; ++seed) {
    std::mt19937 rng(seed);
    std::string base = RandomText(rng, 120);
    std::string result = RandomEdit(rng, base);
    ASSERT_TRUE(IsValidUtf8(result)) << "seed " << seed;
    SCOPED_TRACE("seed " + std::to_string(seed));
    ExpectRoundTrip(base, result);
    ExpectRoundTrip(result, base);
    if (HasFatalFailure()) return;
  }
}

TEST(TextDiffTest, UnrelatedRandomTextsRoundTrip) {
  for (uint32_t seed = 0; seed < 500; ++seed) {
    std::mt19937 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    ExpectRoundTrip(RandomText(rng, 60), RandomText(rng, 60));
    if (HasFatalFailure()) return;
  }
}

TEST(TextDiffTest, InvalidUtf8StillRoundTripsOnByteBoundariesTheBaseAllows) {
  // Ingest rejects invalid UTF-8, but the engine must not crash, hang or
  // produce a diff it cannot apply.
  for (uint32_t seed = 0; seed < 2000; ++seed) {
    std::mt19937 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::string base = RandomBytes(rng, seed % 64);
    std::string result = base;
    std::size_t at = std::uniform_int_distribution<std::size_t>(0, result.size())(rng);
    result.insert(at, RandomBytes(rng, seed % 5));
    if (!result.empty() && seed % 3 == 0) result.erase(result.size() / 2, 3);
    ExpectRoundTrip(base, result);
    ExpectRoundTrip(RandomBytes(rng, 40), RandomBytes(rng, 40));
    if (HasFatalFailure()) return;
  }
}

TEST(TextDiffTest, HugeInvalidSequencesRoundTrip) {
  // One lead byte followed by a mebibyte of continuation bytes is a single
  // "character" to the tokenizer; finding boundaries around it must stay
  // linear.
  std::string base = "ab\xE6" + std::string(1 << 20, '\x80') + "cd";
  std::string result = "xb\xE6" + std::string(1 << 20, '\x80') + "cde";
  ExpectRoundTrip(base, result);
  ExpectRoundTrip(std::string(1 << 20, '\x80'), std::string(1 << 20, '\x80') + "z");
  ExpectRoundTrip(std::string(1 << 20, '\x80') + "z", "y" + std::string(1 << 20, '\x80'));
}

// ---- text diffs: bounded work ---------------------------------------------

TEST(TextDiffTest, UnrelatedRandom64KiBTextsFinishAndRoundTrip) {
  // Past the work budget the rest is replaced wholesale: bigger, still exact.
  std::mt19937 rng(64);
  std::string a = RandomAscii(rng, 64 * 1024);
  std::string b = RandomAscii(rng, 64 * 1024);
  v1::TextDiff diff = DiffText(a, b);
  ExpectExactDiff(a, b, diff);
  EXPECT_LT(diff.ByteSizeLong(), 2 * b.size());
  std::string x = RandomBytes(rng, 64 * 1024);
  std::string y = RandomBytes(rng, 64 * 1024);
  ExpectRoundTrip(x, y);
}

TEST(TextDiffTest, OneMebibyteParagraphWithScatteredEditsGivesASmallDiff) {
  std::mt19937 rng(1);
  std::string base;
  while (base.size() < (1u << 20)) base += RandomText(rng, 40);
  std::string result = base;
  for (std::size_t at = 1000; at + 8 < result.size(); at += result.size() / 50) {
    while (!IsCharBoundary(result, at)) ++at;
    result.insert(at, " EDIT ");
  }
  v1::TextDiff diff = DiffText(base, result);
  ExpectExactDiff(base, result, diff);
  EXPECT_LT(diff.ByteSizeLong(), 2000u);
}

TEST(TextDiffTest, OneMebibyteOfOneRepeatedWordRoundTrips) {
  // Long runs of equal tokens: many equally good alignments.
  std::string base;
  while (base.size() < (1u << 20)) base += "buy ";
  std::string result = base;
  result.insert(result.size() / 3, "sell ");
  result.erase(2 * result.size() / 3, 8);
  ExpectRoundTrip(base, result);
  ExpectRoundTrip(std::string(1 << 20, 'a'), std::string((1 << 20) - 7, 'a') + "b");
}

// ---- applying text diffs ----------------------------------------------------

TEST(ApplyTextDiffTest, BaseOfAnotherLengthFailsWithDiffMismatch) {
  v1::TextDiff diff = DiffText("shares rose 3.2%", "shares rose 3.4%");
  ExpectMismatch("shares rose 13.2%", diff);
  ExpectMismatch("", diff);
}

TEST(ApplyTextDiffTest, BaseWhoseCharactersDoNotFitTheOpsFailsWithDiffMismatch) {
  // Same byte length, but the op boundaries fall inside its characters. (A
  // wrong base of the same shape is caught by the article's content hash.)
  v1::TextDiff diff = DiffText("ab株価", "ab株と価");
  ASSERT_TRUE(ApplyTextDiff("ab株価", diff).has_value());
  ExpectMismatch("株価ab", diff);
}

TEST(ApplyTextDiffTest, CountsPastTheEndFail) {
  ExpectMismatch("abc", MakeDiff(3, 4, {Retain(4)}));
  ExpectMismatch("abc", MakeDiff(3, 0, {Remove(4)}));
  ExpectMismatch("abc", MakeDiff(3, 3, {Retain(2), Retain(2)}));
  ExpectMismatch("abc", MakeDiff(3, 3, {Retain(2), Remove(0xFFFFFFFF)}));
}

// Found by diff_fuzz: a declared result of 4 GB was reserved before the ops
// were checked.
TEST(ApplyTextDiffTest, DeclaredResultLongerThanTheOpsCanMakeFailsWithoutAllocatingIt) {
  ExpectMismatch("abc", MakeDiff(3, 0xFFFFFFFF, {Retain(3)}));
  ExpectMismatch("abc", MakeDiff(3, 5, {Retain(3), Insert("x")}));
  EXPECT_TRUE(ApplyTextDiff("abc", MakeDiff(3, 4, {Retain(3), Insert("x")})).has_value());
}

TEST(ApplyTextDiffTest, DiffNotCoveringTheBaseFails) {
  ExpectMismatch("abc", MakeDiff(3, 2, {Retain(2)}));
  ExpectMismatch("abc", MakeDiff(3, 1, {Insert("x")}));
  ExpectMismatch("abc", MakeDiff(3, 0, {}));
}

TEST(ApplyTextDiffTest, OpsSplittingACharacterFail) {
  const std::string base = "株価";  // Two three-byte characters.
  ExpectMismatch(base, MakeDiff(6, 6, {Retain(1), Retain(5)}));
  ExpectMismatch(base, MakeDiff(6, 4, {Remove(2), Retain(4)}));
  ExpectMismatch(base, MakeDiff(6, 7, {Retain(4), Insert("x"), Retain(2)}));
}

TEST(ApplyTextDiffTest, WrongResultLengthFails) {
  ExpectMismatch("abc", MakeDiff(3, 5, {Retain(3), Insert("x")}));
  ExpectMismatch("abc", MakeDiff(3, 3, {Retain(3), Insert("x")}));
}

TEST(ApplyTextDiffTest, EmptyOpFails) {
  v1::TextDiff diff = MakeDiff(3, 3, {Retain(3)});
  diff.add_ops();
  ExpectMismatch("abc", diff);
}

// ---- article and list diffs -------------------------------------------------

v1::Article MakeArticle() {
  v1::Article a;
  a.set_id("tky-softbank-talks");
  a.set_feed("equities-asia");
  a.set_version(1);
  a.set_pubstatus(v1::PUB_STATUS_USABLE);
  a.set_urgency(3);
  a.set_headline("SoftBank in talks to buy stake in chip designer");
  a.add_key_points("Talks are at an early stage");
  a.add_key_points("No deal is certain");
  a.add_body(
      "SoftBank Group is in talks to acquire a stake in a chip designer, people familiar "
      "with the matter said on Thursday.");
  a.add_body(
      "The talks are at an early stage and no deal is certain, the people said, asking "
      "not to be named because the matter is private.");
  a.add_body("A SoftBank spokesperson declined to comment.");
  a.set_language("en");
  auto* in = a.add_instruments();
  in->set_exchange("XTKS");
  in->set_symbol("9984");
  a.add_topics("M&A");
  a.add_topics("TECH");
  a.mutable_firstcreated()->set_seconds(1718863500);
  *a.mutable_versioncreated() = a.firstcreated();
  a.set_time_zone("Asia/Tokyo");
  return a;
}

void ExpectArticleRoundTrip(const v1::Article& base, const v1::Article& result) {
  v1::ArticleDiff diff = DiffArticles(base, result);
  v1::ArticleDiff parsed;
  ASSERT_TRUE(parsed.ParseFromString(diff.SerializeAsString()));
  auto applied = ApplyArticleDiff(base, parsed);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_EQ(applied->SerializeAsString(), result.SerializeAsString())
      << applied->DebugString() << "\nwant\n"
      << result.DebugString();
}

TEST(ArticleDiffTest, EqualArticlesGiveAnEmptyDiff) {
  v1::Article a = MakeArticle();
  EXPECT_EQ(DiffArticles(a, a).ByteSizeLong(), 0u);
  ExpectArticleRoundTrip(a, a);
}

TEST(ArticleDiffTest, MarketReactionUpdateRoundTripsAndSendsOnlyWhatChanged) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.set_version(2);
  v2.add_signals(v1::SIGNAL_UPDATE);
  v2.set_urgency(2);
  v2.add_key_points("Shares rose 3.2% in Tokyo");
  v2.add_body("SoftBank shares rose 3.2% in Tokyo trading after the report.");
  v2.add_body("\"This would fill a gap in its portfolio,\" said an analyst at a Tokyo brokerage.");
  v2.set_ednote("Adds market reaction");
  v2.mutable_versioncreated()->set_seconds(1718868000);
  ExpectArticleRoundTrip(v1, v2);
  v1::ArticleDiff diff = DiffArticles(v1, v2);
  EXPECT_FALSE(diff.has_headline());
  ASSERT_TRUE(diff.has_body());
  ASSERT_EQ(diff.body().ops_size(), 3);
  EXPECT_EQ(diff.body().ops(0).retain(), 3u);
  EXPECT_TRUE(diff.body().ops(1).has_insert());
}

TEST(ArticleDiffTest, EditedParagraphIsSentAsAModify) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.set_body(1,
              "The talks are at an advanced stage and no deal is certain, the people said, "
              "asking not to be named because the matter is private.");
  ExpectArticleRoundTrip(v1, v2);
  v1::ArticleDiff diff = DiffArticles(v1, v2);
  ASSERT_EQ(diff.body().ops_size(), 3);
  EXPECT_TRUE(diff.body().ops(1).has_modify());
  EXPECT_LT(diff.ByteSizeLong(), 64u);
}

TEST(ArticleDiffTest, RewrittenParagraphIsRemovedAndInserted) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.set_body(1, "Completely different words replace this paragraph entirely now.");
  ExpectArticleRoundTrip(v1, v2);
  v1::ArticleDiff diff = DiffArticles(v1, v2);
  ASSERT_EQ(diff.body().ops_size(), 4);
  EXPECT_TRUE(diff.body().ops(1).has_remove());
  EXPECT_TRUE(diff.body().ops(2).has_insert());
}

TEST(ArticleDiffTest, NewParagraphBeforeAnEditedOneStillPairsTheEdit) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.clear_body();
  v2.add_body("Breaking: shares jumped on the news.");
  v2.add_body(v1.body(0) + " The chip designer is based in Cambridge.");
  v2.add_body(v1.body(1));
  v2.add_body(v1.body(2));
  ExpectArticleRoundTrip(v1, v2);
  v1::ArticleDiff diff = DiffArticles(v1, v2);
  ASSERT_EQ(diff.body().ops_size(), 3);
  EXPECT_TRUE(diff.body().ops(0).has_insert());
  EXPECT_TRUE(diff.body().ops(1).has_modify());
  EXPECT_EQ(diff.body().ops(2).retain(), 2u);
}

TEST(ArticleDiffTest, InstrumentAndTopicSetChangesRoundTrip) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.clear_instruments();
  auto add = [&](const char* exchange, const char* symbol) {
    auto* in = v2.add_instruments();
    in->set_exchange(exchange);
    in->set_symbol(symbol);
  };
  add("XNAS", "ARM");  // Sorted by (exchange, symbol).
  add("XNAS", "NVDA");
  add("XTKS", "9984");
  v2.clear_topics();
  v2.add_topics("M&A");
  v2.add_topics("SEMICONDUCTORS");
  ExpectArticleRoundTrip(v1, v2);
  v1::ArticleDiff diff = DiffArticles(v1, v2);
  EXPECT_EQ(diff.instruments_added_size(), 2);
  EXPECT_EQ(diff.instruments_removed_size(), 0);
  ASSERT_EQ(diff.topics_removed_size(), 1);
  EXPECT_EQ(diff.topics_removed(0), "TECH");
  ASSERT_EQ(diff.topics_added_size(), 1);
  EXPECT_EQ(diff.topics_added(0), "SEMICONDUCTORS");
  ExpectArticleRoundTrip(v2, v1);
}

TEST(ArticleDiffTest, ScalarChangesAndClearsRoundTrip) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.set_pubstatus(v1::PUB_STATUS_CANCELED);
  v2.add_signals(v1::SIGNAL_CORRECTION);
  v2.set_byline("Tokyo newsroom");
  v2.clear_firstcreated();
  v2.mutable_embargoed()->set_seconds(1718870000);
  v2.set_time_zone("UTC");
  v2.set_headline("CORRECTED-SoftBank in talks to buy stake in chip designer");
  ExpectArticleRoundTrip(v1, v2);
  ExpectArticleRoundTrip(v2, v1);
}

TEST(ArticleDiffTest, AppliedToWrongBaseFailsWithDiffMismatch) {
  v1::Article v1 = MakeArticle();
  v1::Article v2 = v1;
  v2.set_body(0, v1.body(0) + " More.");
  v2.add_body("A new paragraph.");
  v1::ArticleDiff diff = DiffArticles(v1, v2);

  v1::Article other = v1;
  other.set_body(0, "Another story entirely, of another length.");
  auto applied = ApplyArticleDiff(other, diff);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, v1::ERROR_CODE_DIFF_MISMATCH);

  other = v1;
  other.add_body("An extra paragraph the diff does not know about.");
  applied = ApplyArticleDiff(other, diff);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
}

TEST(ArticleDiffTest, MalformedListDiffsFailWithDiffMismatch) {
  v1::Article base = MakeArticle();  // Three body paragraphs.
  auto expect_mismatch = [&](const v1::ListDiff& body) {
    v1::ArticleDiff diff;
    *diff.mutable_body() = body;
    auto applied = ApplyArticleDiff(base, diff);
    ASSERT_FALSE(applied.has_value());
    EXPECT_EQ(applied.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
  };
  v1::ListDiff body;
  body.set_base_count(3);
  body.set_result_count(3);
  body.add_ops()->set_retain(4);
  expect_mismatch(body);  // Past the end.
  body.mutable_ops(0)->set_retain(2);
  expect_mismatch(body);  // Does not cover the base.
  body.mutable_ops(0)->set_retain(3);
  body.add_ops()->set_insert("x");
  expect_mismatch(body);  // Wrong result count.
  body.Clear();
  body.set_base_count(3);
  body.set_result_count(3);
  body.add_ops()->set_retain(2);
  *body.add_ops()->mutable_modify() = DiffText("not the base paragraph", "edited");
  expect_mismatch(body);  // Inner text diff for another text.
  body.Clear();
  body.set_base_count(3);
  body.set_result_count(3);
  body.add_ops()->set_retain(3);
  body.add_ops();
  expect_mismatch(body);  // Empty op.

  v1::ArticleDiff sets;
  sets.add_topics_removed("NOT-THERE");
  auto applied = ApplyArticleDiff(base, sets);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
}

TEST(ArticleDiffTest, RandomParagraphListEditsRoundTrip) {
  for (uint32_t seed = 0; seed < 1500; ++seed) {
    std::mt19937 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    v1::Article v1;
    int paragraphs = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int p = 0; p < paragraphs; ++p) v1.add_body(RandomText(rng, 30));
    v1::Article v2 = v1;
    auto* body = v2.mutable_body();
    int edits = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int e = 0; e < edits; ++e) {
      int at = std::uniform_int_distribution<int>(0, body->size())(rng);
      switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
        case 0:  // Insert a new paragraph at `at`.
          body->Add(RandomText(rng, 30));
          for (int k = body->size() - 1; k > at; --k) body->SwapElements(k, k - 1);
          break;
        case 1:  // Remove one.
          if (at < body->size()) body->DeleteSubrange(at, 1);
          break;
        case 2:  // Edit one.
          if (at < body->size()) *body->Mutable(at) = RandomEdit(rng, body->Get(at));
          break;
        default:  // Duplicate one (repeated items must still align).
          if (at < body->size()) body->Add(std::string(body->Get(at)));
      }
    }
    ExpectArticleRoundTrip(v1, v2);
    ExpectArticleRoundTrip(v2, v1);
    if (HasFatalFailure()) return;
  }
}

TEST(ArticleDiffTest, ThousandsOfParagraphsAllChangedFinishAndRoundTrip) {
  std::mt19937 rng(7);
  v1::Article v1, v2;
  for (int p = 0; p < 4000; ++p) {
    v1.add_body(RandomText(rng, 30) + std::to_string(p));
    v2.add_body(p % 2 ? RandomText(rng, 30) : RandomEdit(rng, v1.body(p)));
  }
  ExpectArticleRoundTrip(v1, v2);
}

TEST(ArticleDiffTest, ThousandsOfParagraphsWithAFewInsertedAlignCheaply) {
  std::mt19937 rng(8);
  v1::Article v1;
  for (int p = 0; p < 5000; ++p) v1.add_body("Paragraph " + std::to_string(p) + ".");
  v1::Article v2 = v1;
  for (int k = 0; k < 20; ++k) {
    v2.mutable_body()->Add("Inserted " + std::to_string(k));
    int at = 250 * k + 7;
    for (int i = v2.body_size() - 1; i > at; --i) v2.mutable_body()->SwapElements(i, i - 1);
  }
  ExpectArticleRoundTrip(v1, v2);
  v1::ArticleDiff diff = DiffArticles(v1, v2);
  EXPECT_EQ(diff.body().ops_size(), 41);  // 20 inserts between 21 retains.
}

TEST(ArticleDiffTest, OneMebibyteParagraphEditRoundTrips) {
  std::mt19937 rng(9);
  v1::Article v1;
  std::string big;
  while (big.size() < (1u << 20)) big += RandomText(rng, 50);
  v1.add_body(big);
  v1::Article v2 = v1;
  v2.set_body(0, RandomEdit(rng, big));
  ExpectArticleRoundTrip(v1, v2);
  v2.set_body(0, RandomText(rng, 100));
  ExpectArticleRoundTrip(v1, v2);
}

}  // namespace
}  // namespace newswire::core
