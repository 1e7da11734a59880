// Specification of the diff's tokens (UAX #29 words with ICU's
// dictionaries, refined) and of the Unicode helpers: NFC, grapheme
// clusters, display width. The tokenizer is private to core; its header is
// reached through the test target's include path.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/core/unicode.h"
#include "newswire/core/utf8.h"
#include "text_tokens.h"

namespace newswire::core {
namespace {

using text::Segmenter;

std::vector<std::string> Words(std::string_view s, Segmenter segmenter = Segmenter::kFastest) {
  std::vector<text::Token> tokens;
  text::Tokenize(s, 0, s.size(), &tokens, segmenter);
  std::vector<std::string> out;
  for (const auto& t : tokens) out.emplace_back(s.substr(t.begin, t.end - t.begin));
  return out;
}

std::vector<std::size_t> Ends(std::string_view s, std::size_t begin, std::size_t end,
                              Segmenter segmenter = Segmenter::kFastest) {
  std::vector<text::Token> tokens;
  text::Tokenize(s, begin, end, &tokens, segmenter);
  std::vector<std::size_t> out;
  std::size_t at = begin;
  for (const auto& t : tokens) {
    EXPECT_EQ(t.begin, at) << "tokens must tile the range";
    at = t.end;
    out.push_back(t.end);
  }
  EXPECT_EQ(at, end);
  return out;
}

using Strings = std::vector<std::string>;

// ---- what a token is ----------------------------------------------------------

TEST(TokenTest, WordsSpacesAndPunctuationOfSpaceSeparatedText) {
  EXPECT_EQ(Words("Minato shares rose 3.2% to 4,515 yen; don't"),
            (Strings{"Minato", " ", "shares", " ", "rose", " ", "3",   ".", "2", "%",    " ",
                     "to",     " ", "4",      ",", "515",  " ", "yen", ";", " ", "don't"}));
  EXPECT_EQ(Words("e.g. U.S. a:b a@b.com  x\t\ty\r\nz"),
            (Strings{"e.g", ".", " ", "U.S", ".", " ", "a", ":", "b", " ", "a@b.com", "  ", "x",
                     "\t", "\t", "y", "\r\n", "z"}));
  EXPECT_EQ(Words("“Café”—naïve ’90s"), (Strings{"“", "Café", "”", "—", "naïve", " ", "’", "90s"}));
}

TEST(TokenTest, DigitsNeverGlueToThaiWords) {
  // ICU alone gives ที่1,432.50จุด and ลง12.3จุด as single words.
  EXPECT_EQ(Words("ปิดที่1,432.50จุด"), (Strings{"ปิด", "ที่", "1", ",", "432", ".", "50", "จุด"}));
  EXPECT_EQ(Words("เพิ่มขึ้น3.2%เป็น35บาท"),
            (Strings{"เพิ่ม", "ขึ้น", "3", ".", "2", "%", "เป็น", "35", "บาท"}));
  EXPECT_EQ(Words("ABCไทย ๑๒ไทย"), (Strings{"ABC", "ไทย", " ", "๑๒", "ไทย"}));
}

TEST(TokenTest, ScriptsWithoutSpacesAreCutIntoDictionaryWords) {
  EXPECT_EQ(Words("ตลาดหลักทรัพย์แห่งประเทศไทย"), (Strings{"ตลาดหลักทรัพย์", "แห่ง", "ประเทศไทย"}));
  EXPECT_EQ(Words("ຂ້ອຍຢາກໄປຕະຫຼາດ"), (Strings{"ຂ້ອຍ", "ຢາກ", "ໄປ", "ຕະຫຼາດ"}));  // Lao
  EXPECT_EQ(Words("ខ្ញុំចង់ទៅផ្សារ").size(), 3u);                                  // Khmer
  EXPECT_EQ(Words("သူငယ်ချင်းနဲ့ဈေးကိုသွားချင်တယ်").size(), 7u);                        // Myanmar
  EXPECT_EQ(Words("両社は本日、合併協議に入った。"),
            (Strings{"両社", "は", "本日", "、", "合併", "協議", "に", "入", "っ", "た", "。"}));
  EXPECT_EQ(Words("東京証券取引所で３．２％上昇"),
            (Strings{"東京", "証券", "取引", "所", "で", "３", "．", "２", "％", "上昇"}));
}

TEST(TokenTest, GraphemeClustersAreNeverSplit) {
  EXPECT_EQ(Words("🇯🇵🇯🇲"), (Strings{"🇯🇵", "🇯🇲"}));
  EXPECT_EQ(Words("👍🏻👍🏿"), (Strings{"👍🏻", "👍🏿"}));
  EXPECT_EQ(Words("👨‍👩‍👧 up"), (Strings{"👨‍👩‍👧", " ", "up"}));
  EXPECT_EQ(Words("cafe\u0301 e\u0301te\u0301"), (Strings{"cafe\u0301", " ", "e\u0301te\u0301"}));
  EXPECT_EQ(Words("\u0600123"), (Strings{"\u0600123"}));  // Prepend: ICU's word break is inside.
  EXPECT_EQ(Words("क्षत्रिय"), (Strings{"क्षत्रिय"}));
}

// ---- the fast loop and the chunks are ICU's answer ---------------------------

// Pieces of text of every class the tokenizer distinguishes, simple and not.
const std::vector<std::string>& Pieces() {
  static const std::vector<std::string> pieces = {
      "a", "Z", "é", "ß", "ж", "λ", "1", "0", "٣", ".", ",", "'", ":", ";", "@", "_", "-", "’", "·",
      "\"", "“", "—", "%", "$", "€", "©", " ", " ", "\u00A0", "\u2009", "\t", "\n", "\r", "\r\n",
      "\u2028", "\u0085", "\u200B", "日", "本",
      // Not simple: marks, joiners, emoji, flags, dictionary scripts, kana.
      "\u0301", "\u200D", "\uFE0F", "\u00AD", "🇯", "🇵", "👍", "🏿", "👨", "カ", "ー", "か", "한",
      "ไ", "ท", "ย", "่", "ຂ", "ກ", "א", "ב", "、", "。", "\u0600", "क", "्"};
  return pieces;
}

std::string RandomMix(std::mt19937& rng, int length, std::size_t simple_only) {
  const auto& pieces = Pieces();
  std::uniform_int_distribution<std::size_t> pick(0, simple_only - 1);
  std::string s;
  for (int i = 0; i < length; ++i) s += pieces[pick(rng)];
  return s;
}

std::size_t SimplePieces() {
  std::size_t n = 0;
  while (Pieces()[n] != "\u0301") ++n;
  return n;
}

TEST(TokenTest, FastLoopAgreesWithIcuOnEveryShortSimpleString) {
  const std::size_t simple = SimplePieces();
  std::vector<std::size_t> index(4, 0);
  for (int length = 1; length <= 3; ++length) {
    index.assign(static_cast<std::size_t>(length), 0);
    while (true) {
      std::string s;
      for (std::size_t k : index) s += Pieces()[k];
      ASSERT_EQ(Words(s), Words(s, Segmenter::kIcuOnly)) << "\"" << s << "\"";
      std::size_t k = 0;
      while (k < index.size() && ++index[k] == simple) index[k++] = 0;
      if (k == index.size()) break;
    }
  }
}

TEST(TokenTest, FastLoopAndChunksAgreeWithIcuOverWholeTexts) {
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    std::mt19937 rng(seed);
    const std::size_t range = seed % 2 == 0 ? SimplePieces() : Pieces().size();
    const std::string s = RandomMix(rng, 1 + static_cast<int>(seed % 60), range);
    ASSERT_EQ(Words(s), Words(s, Segmenter::kIcuOnly)) << "seed " << seed << ": \"" << s << "\"";
  }
}

TEST(TokenTest, TextBetweenTwoAnchorsHasTheWholeTextsTokens) {
  for (uint32_t seed = 0; seed < 1000; ++seed) {
    std::mt19937 rng(seed);
    const std::string s = RandomMix(rng, 80, Pieces().size());
    const std::vector<std::size_t> whole = Ends(s, 0, s.size());
    std::vector<std::size_t> anchors;
    for (std::size_t pos = 0; pos <= s.size(); ++pos) {
      if (text::IsAnchor(s, pos)) anchors.push_back(pos);
    }
    for (std::size_t pos : anchors) {
      EXPECT_TRUE(pos == s.size() || std::find(whole.begin(), whole.end(), pos) != whole.end() ||
                  pos == 0)
          << "anchor " << pos << " is not a token boundary of \"" << s << "\"";
    }
    std::uniform_int_distribution<std::size_t> pick(0, anchors.size() - 1);
    std::size_t x = anchors[pick(rng)], y = anchors[pick(rng)];
    if (x > y) std::swap(x, y);
    std::vector<std::size_t> expected;
    for (std::size_t end : whole) {
      if (end > x && end <= y) expected.push_back(end);
    }
    ASSERT_EQ(Ends(s, x, y), expected) << "seed " << seed << " [" << x << ", " << y << ")";
  }
}

TEST(TokenTest, EveryTokenEndsBetweenGraphemeClusters) {
  for (uint32_t seed = 0; seed < 2000; ++seed) {
    std::mt19937 rng(seed);
    const std::string s = RandomMix(rng, 40, Pieces().size());
    const std::vector<std::size_t> clusters = GraphemeBoundaries(s);
    for (std::size_t end : Ends(s, 0, s.size())) {
      ASSERT_TRUE(std::binary_search(clusters.begin(), clusters.end(), end))
          << "seed " << seed << ": token ends at " << end << " inside a cluster of \"" << s << "\"";
    }
  }
}

TEST(TokenTest, InvalidUtf8IsCutIntoUnitsNeverInsideACharacter) {
  const std::string s = "ab\xE6\x80 \x80\x80z\xF0\x9F\x87 日";
  for (std::size_t end : Ends(s, 0, s.size())) EXPECT_TRUE(IsCharBoundary(s, end)) << end;
}

// ---- NFC ------------------------------------------------------------------------

TEST(NfcTest, DecomposedTextBecomesPrecomposed) {
  std::string text = "Cafe\u0301 de\u0301ja\u0300 vu, \u30AB\u3099\u30FC\u30C9";  // カ + U+3099
  EXPECT_FALSE(IsNfc(text));
  EXPECT_TRUE(NormalizeToNfc(text));
  EXPECT_EQ(text, "Café déjà vu, ガード");
  EXPECT_TRUE(IsNfc(text));
  EXPECT_FALSE(NormalizeToNfc(text)) << "already NFC: unchanged";
  EXPECT_EQ(ToNfc("\u212B"), "\u00C5");                // Angstrom sign is Å.
  EXPECT_EQ(ToNfc("\u1100\u1161"), "\uAC00");          // Hangul jamo compose to 가.
  EXPECT_EQ(ToNfc("q\u0307\u0323"), "q\u0323\u0307");  // Marks in canonical order.
  EXPECT_EQ(ToNfc("ASCII stays"), "ASCII stays");
}

TEST(NfcTest, InvalidUtf8IsLeftAlone) {
  std::string text = "e\u0301\xC3";
  EXPECT_FALSE(NormalizeToNfc(text));
  EXPECT_EQ(text, "e\u0301\xC3");
}

// ---- clusters and width -----------------------------------------------------------

TEST(GraphemeTest, ClustersAreWhatAReaderSeesAsOneCharacter) {
  EXPECT_EQ(GraphemeBoundaries(""), (std::vector<std::size_t>{0}));
  EXPECT_EQ(GraphemeBoundaries("a\r\nb"), (std::vector<std::size_t>{0, 1, 3, 4}));
  EXPECT_EQ(GraphemeBoundaries("🇯🇵🇯🇲"), (std::vector<std::size_t>{0, 8, 16}));
  EXPECT_EQ(GraphemeBoundaries("👍🏿e\u0301"), (std::vector<std::size_t>{0, 8, 11}));
  EXPECT_EQ(GraphemeBoundaries("👨‍👩‍👧"), (std::vector<std::size_t>{0, 18}));
}

TEST(DisplayWidthTest, WideCharactersTakeTwoColumnsMarksNone) {
  EXPECT_EQ(DisplayWidth("Tokyo"), 5);
  EXPECT_EQ(DisplayWidth("東京"), 4);
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4);  // Fullwidth.
  EXPECT_EQ(DisplayWidth("ｶﾞ"), 2);    // Halfwidth katakana and its sound mark.
  EXPECT_EQ(DisplayWidth("e\u0301"), 1);
  EXPECT_EQ(DisplayWidth("🇯🇵👍🏿👨‍👩‍👧"), 6);
  EXPECT_EQ(DisplayWidth("❤\uFE0F"), 2);
  EXPECT_EQ(DisplayWidth("ภาษาไทย"), 7);
  EXPECT_EQ(DisplayWidth("ที่นี่"), 2);  // Thai tone and vowel marks take no column.
}

TEST(DisplayWidthTest, TruncationKeepsWholeClustersWithinTheWidth) {
  EXPECT_EQ(TruncateToWidth("short", 10), "short");
  EXPECT_EQ(TruncateToWidth("ソフトバンクグループ", 10), "ソフト...");  // 6 + 3 columns.
  EXPECT_EQ(TruncateToWidth("ソフトバンクグループ", 11), "ソフトバ...");
  EXPECT_EQ(TruncateToWidth("🇯🇵🇯🇵🇯🇵🇯🇵", 7), "🇯🇵🇯🇵...");
  EXPECT_EQ(TruncateToWidth("e\u0301e\u0301e\u0301e\u0301e\u0301", 4), "e\u0301...");
  for (int columns = 3; columns < 40; ++columns) {
    const std::string cut =
        TruncateToWidth("日経平均は続伸、半導体株が買われた 📈 and more", columns);
    EXPECT_TRUE(IsValidUtf8(cut)) << columns;
    EXPECT_LE(DisplayWidth(cut), columns) << cut;
  }
}

}  // namespace
}  // namespace newswire::core
