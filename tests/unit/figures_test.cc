// Specification of figures: which numbers a text holds (as written, with
// sign, currency, multiplier and unit), their exact values, and which of
// them a revision added, removed or changed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "newswire/core/figures.h"

namespace newswire::core {
namespace {

// "text|value|unit" for each figure of `s`.
std::vector<std::string> Found(std::string_view s, std::string_view language = "en") {
  std::vector<std::string> out;
  for (const auto& f : FindFigures(s, language)) {
    EXPECT_EQ(s.substr(f.begin, f.end - f.begin), f.text);
    out.push_back(f.text + "|" + f.value + "|" + f.unit);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(FigureValue, GroupingAndDecimalMarksFollowTheLanguage) {
  EXPECT_EQ(ParseFigureValue("4,515", "en"), "4515");
  EXPECT_EQ(ParseFigureValue("1,234,567", "en"), "1234567");
  EXPECT_EQ(ParseFigureValue("3.2", "en"), "3.2");
  EXPECT_EQ(ParseFigureValue("1,234.56", "en"), "1234.56");
  EXPECT_EQ(ParseFigureValue("1.234,56", "en"), "1234.56");  // Both marks: the last is decimal.
  EXPECT_EQ(ParseFigureValue("3,2", "en"), "3.2");           // No group of three follows: decimal.
  EXPECT_EQ(ParseFigureValue("1.234", "de"), "1234");
  EXPECT_EQ(ParseFigureValue("3,2", "de-DE"), "3.2");
  EXPECT_EQ(ParseFigureValue("1.234.567", "de"), "1234567");
  EXPECT_EQ(ParseFigureValue("1\u202F234,5", "fr"), "1234.5");
  EXPECT_EQ(ParseFigureValue("1'234.50", "de-CH"), "1234.5");
  EXPECT_EQ(ParseFigureValue("1,23,45,678", "en-IN"), "12345678");
  EXPECT_EQ(ParseFigureValue("0.80", "en"), "0.8");
  EXPECT_EQ(ParseFigureValue("007", "en"), "7");
}

TEST(FigureValue, AmbiguousOrMalformedMarksAreNotRead) {
  EXPECT_EQ(ParseFigureValue("1,23,4", "en"), std::nullopt);
  EXPECT_EQ(ParseFigureValue("1.2.3,4,5", "en"), std::nullopt);
  EXPECT_EQ(ParseFigureValue("1,2345", "en"), "1.2345");
  EXPECT_EQ(ParseFigureValue("12345678901234567890", "en"), std::nullopt);  // Past 18 digits.
  EXPECT_EQ(ParseFigureValue("", "en"), std::nullopt);
  EXPECT_EQ(ParseFigureValue("12a", "en"), std::nullopt);
}

TEST(FigureValue, DigitsOfEveryScriptAndFullWidthMarks) {
  EXPECT_EQ(ParseFigureValue("４，５１５", "ja"), "4515");
  EXPECT_EQ(ParseFigureValue("３．２", "ja"), "3.2");
  EXPECT_EQ(ParseFigureValue("๔,๕๑๕", "th"), "4515");      // Thai digits.
  EXPECT_EQ(ParseFigureValue("٣٫٢", "ar"), std::nullopt);  // The Arabic decimal mark is not ours.
  EXPECT_EQ(ParseFigureValue("٤٥١٥", "ar"), "4515");       // Arabic-Indic digits.
}

TEST(FigureValue, KanjiNumeralsAndMultipliers) {
  EXPECT_EQ(ParseFigureValue("1800億", "ja"), "180000000000");
  EXPECT_EQ(ParseFigureValue("１８００億", "ja"), "180000000000");
  EXPECT_EQ(ParseFigureValue("1兆2000億", "ja"), "1200000000000");
  EXPECT_EQ(ParseFigureValue("2万5000", "ja"), "25000");
  EXPECT_EQ(ParseFigureValue("三百", "ja"), "300");
  EXPECT_EQ(ParseFigureValue("三百二十億", "ja"), "32000000000");
  EXPECT_EQ(ParseFigureValue("百万", "ja"), "1000000");
  EXPECT_EQ(ParseFigureValue("1.5兆", "ja"), "1500000000000");
  EXPECT_EQ(ParseFigureValue("4,515億", "ja"), "451500000000");
  EXPECT_EQ(ParseFigureValue("二〇二六", "ja"), "2026");
  EXPECT_EQ(ParseFigureValue("億", "ja"), "100000000");
}

TEST(FindFigures, EnglishWithUnitsSignsAndCurrencies) {
  EXPECT_EQ(Found("Minato shares rose 3.2% to ¥4,515, valuing the deal at 180 billion yen."),
            (Strings{"3.2%|3.2|%", "¥4,515|4515|JPY", "180 billion yen|180000000000|JPY"}));
  EXPECT_EQ(Found("Sales fell -0.8% (−1.5% in yen terms); guidance +2%."),
            (Strings{"-0.8%|-0.8|%", "−1.5%|-1.5|%", "+2%|2|%"}));
  EXPECT_EQ(Found("a $1.2bn bid, US$5m fees, HK$3.50 a share, USD 7 million"),
            (Strings{"$1.2bn|1200000000|USD", "US$5m|5000000|USD", "HK$3.50|3.5|HKD",
                     "USD 7 million|7000000|USD"}));
  EXPECT_EQ(Found("up 5 percent, 3 per cent, 25bps, 40 basis points, 0.5 percentage points"),
            (Strings{"5 percent|5|%", "3 per cent|3|%", "25bps|25|bp", "40 basis points|40|bp",
                     "0.5 percentage points|0.5|pp"}));
  EXPECT_EQ(Found("€12 and £3 and 12,50 € and 5€", "de"),
            (Strings{"€12|12|EUR", "£3|3|GBP", "12,50 €|12.5|EUR", "5€|5|EUR"}));
}

TEST(FindFigures, WordsWithDigitsAreNotFigures) {
  EXPECT_EQ(Found("the Airbus A380 in Q3, COVID-19 and F-35 jets"), Strings{});
  EXPECT_EQ(Found("from 3.2x to the 1st"), Strings{});
}

TEST(FindFigures, JapaneseFullWidthKanjiAndNegativeMarks) {
  EXPECT_EQ(Found("みなと株は3.2%高の4,515円。買収額は1800億円。", "ja"),
            (Strings{"3.2%|3.2|%", "4,515円|4515|JPY", "1800億円|180000000000|JPY"}));
  EXPECT_EQ(Found("営業利益は４，５１５億円、前年比▲０．８％", "ja"),
            (Strings{"４，５１５億円|451500000000|JPY", "▲０．８％|-0.8|%"}));
  EXPECT_EQ(
      Found("総額1兆2000億円、三百億円、2万5000人", "ja"),
      (Strings{"1兆2000億円|1200000000000|JPY", "三百億円|30000000000|JPY", "2万5000|25000|"}));
  // Kanji numerals inside words are not figures (Mitsubishi, Chiba, "a part").
  EXPECT_EQ(Found("三菱UFJと千葉銀行は一部を売却", "ja"), Strings{});
}

TEST(FindFigures, NumbersInsideThaiText) {
  EXPECT_EQ(Found("หุ้นมินาโตะปรับตัวขึ้น3.2%ที่ 4,515 เยน มูลค่า 180,000 ล้านเยน", "th"),
            (Strings{"3.2%|3.2|%", "4,515 เยน|4515|JPY", "180,000 ล้านเยน|180000000000|JPY"}));
}

v1::Article Story(std::vector<std::string> body, std::string headline = "Kaito in talks",
                  std::vector<std::string> key_points = {}) {
  v1::Article a;
  a.set_id("s");
  a.set_language("en");
  a.set_headline(headline);
  for (auto& p : body) a.add_body(p);
  for (auto& k : key_points) a.add_key_points(k);
  return a;
}

std::vector<std::string> Lines(const v1::Article& a, const v1::Article& b) {
  std::vector<std::string> out;
  for (const auto& c : FigureChanges(a, b)) out.push_back(FigureChangeLine(c));
  return out;
}

TEST(FigureChanges, ACorrectionChangesExactlyItsFigure) {
  const auto v2 = Story({"Kaito is in talks.", "Analysts were upbeat.",
                         "Minato shares rose 3.2% to 4,515 yen in the last half hour of trading."});
  const auto v3 = Story({"Kaito is in talks.", "Analysts were upbeat.",
                         "Minato shares rose 3.4% to 4,515 yen in the last half hour of trading."});
  const auto changes = FigureChanges(v2, v3);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, FigureChange::Kind::kChanged);
  EXPECT_EQ(changes[0].field, FigureField::kParagraph);
  EXPECT_EQ(changes[0].index, 3);
  EXPECT_EQ(changes[0].before->value, "3.2");
  EXPECT_EQ(changes[0].after->value, "3.4");
  EXPECT_EQ(changes[0].after->unit, "%");
  EXPECT_EQ(FigureChangeLine(changes[0]),
            "3.2% → 3.4% (paragraph 3: \"Minato shares rose … to 4,515 yen\")");
}

TEST(FigureChanges, NoneWhenOnlyWordsChange) {
  const auto a = Story({"Minato shares rose 3.2% to 4,515 yen on Tuesday."}, "Deal worth $1.2bn");
  const auto b = Story({"Minato stock jumped 3.2% to 4,515 yen late on Tuesday, traders said."},
                       "Takeover worth $1.2bn");
  EXPECT_EQ(Lines(a, b), Strings{});
}

TEST(FigureChanges, AddedRemovedAndUnitChanges) {
  const auto a = Story({"The deal is worth 180 billion yen.", "Shares fell 0.8%."},
                       "Kaito bids 180 billion yen");
  const auto b = Story({"The deal is worth 210 billion yen, or $1.4bn.", "Shares were flat."},
                       "Kaito bids 210 billion yen");
  EXPECT_EQ(Lines(a, b),
            (Strings{"180 billion yen → 210 billion yen (headline: \"Kaito bids …\")",
                     "180 billion yen → 210 billion yen (paragraph 1: \"deal is worth …, or "
                     "$1.4bn.\")",
                     "+ $1.4bn (paragraph 1: \"210 billion yen, or ….\")",
                     "- 0.8% (paragraph 2: \"Shares fell ….\")"}));
}

TEST(FigureChanges, NewAndDroppedParagraphsAndMovedOnes) {
  const auto a = Story({"First 1%.", "Second 2%.", "Third 3%."});
  const auto b = Story({"Third 3%.", "First 1%.", "New 4%."}, "Kaito in talks", {"Up 5%"});
  EXPECT_EQ(Lines(a, b),
            (Strings{"+ 5% (key point 1: \"Up …\")", "- 2% (paragraph 2: \"Second ….\")",
                     "+ 4% (paragraph 3: \"New ….\")"}));
}

TEST(FigureChanges, JapaneseAndThaiCorrections) {
  v1::Article a = Story({"買収額は1800億円、株価は３．２％高の4,515円。"});
  a.set_language("ja");
  v1::Article b = Story({"買収額は2100億円、株価は３．４％高の4,515円。"});
  b.set_language("ja");
  const auto ja = FigureChanges(a, b);
  ASSERT_EQ(ja.size(), 2u);
  EXPECT_EQ(ja[0].before->text, "1800億円");
  EXPECT_EQ(ja[0].after->value, "210000000000");
  EXPECT_EQ(ja[1].before->text, "３．２％");
  EXPECT_EQ(ja[1].after->text, "３．４％");

  v1::Article t = Story({"หุ้นมินาโตะปรับตัวขึ้น3.2%ที่ 4,515 เยน ในช่วงครึ่งชั่วโมงสุดท้าย"});
  t.set_language("th");
  v1::Article u = Story({"หุ้นมินาโตะปรับตัวขึ้น3.4%ที่ 4,515 เยน ในช่วงครึ่งชั่วโมงสุดท้าย"});
  u.set_language("th");
  const auto th = FigureChanges(t, u);
  ASSERT_EQ(th.size(), 1u);
  EXPECT_EQ(th[0].before->text, "3.2%");
  EXPECT_EQ(th[0].after->text, "3.4%");
}

TEST(FigureChanges, SignFlipIsAChange) {
  const auto a = Story({"Guidance was cut to -0.8% from 1.2%."});
  const auto b = Story({"Guidance was cut to 0.8% from 1.2%."});
  EXPECT_EQ(Lines(a, b), Strings{"-0.8% → 0.8% (paragraph 1: \"was cut to … from 1.2%.\")"});
}

}  // namespace
}  // namespace newswire::core
