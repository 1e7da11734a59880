// ParseFigureValue: the value of a number as written. See figures.h.
//
// Rules, in order:
//  1. Digits of any script (Unicode Nd: ASCII, full-width, Thai, Arabic-
//     Indic, ...) are read by their digit value; full-width ， and ． are
//     the ASCII comma and full stop; ' ’ U+00A0 U+2009 U+202F only group.
//  2. Comma and full stop: when both occur, the last one is the decimal
//     mark (it must occur once: "1,234.5", "1.234,5"). When one occurs
//     more than once, it groups ("1,234,567"). When one occurs once, it is
//     the decimal mark if it is the language's ("3.2" in English, "3,2" in
//     German) or if no group of exactly three digits follows it ("3,2%" in
//     an English text); otherwise it groups ("4,515"; "1.234" in German).
//  3. Groups: the first has 1-3 digits, the others 3 (or 2, then a last 3:
//     Indian "1,23,45,678"); anything else is not read ("1,23,4").
//  4. Kanji numerals (〇 零 一 ... 九, 十 百 千 within a section, 万 億 兆
//     between sections) are read as Japanese and Chinese write them, with
//     ASCII or full-width numbers as coefficients: "三百" 300, "1800億",
//     "1兆2000億", "2万5000", "1.5兆".
// Values are exact: a mantissa of at most 19 digits and a power of ten.
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "figure_scan.h"
#include "newswire/core/figures.h"
#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

constexpr uint64_t kMaxMantissa = 999'999'999'999'999'999ULL;  // 18 nines: room to add.

uint64_t Pow10(int k) {
  uint64_t p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

// An exact non-negative decimal: mantissa × 10^exponent.
struct Decimal {
  uint64_t mantissa = 0;
  int exponent = 0;
};

Decimal Shift(Decimal a, int k) {
  a.exponent += k;
  return a;
}

// `a`'s mantissa scaled to `exponent` (<= a.exponent).
std::optional<uint64_t> Scaled(const Decimal& a, int exponent) {
  const int k = a.exponent - exponent;
  if (k > 18) return a.mantissa == 0 ? std::optional<uint64_t>(0) : std::nullopt;
  const uint64_t p = Pow10(k);
  if (a.mantissa > kMaxMantissa / p) return std::nullopt;
  return a.mantissa * p;
}

std::optional<Decimal> Add(const Decimal& a, const Decimal& b) {
  if (a.mantissa == 0) return b;
  if (b.mantissa == 0) return a;
  const int exponent = std::min(a.exponent, b.exponent);
  auto x = Scaled(a, exponent), y = Scaled(b, exponent);
  if (!x || !y || *x > kMaxMantissa - *y) return std::nullopt;
  return Decimal{*x + *y, exponent};
}

std::optional<Decimal> FromDigits(std::string_view integer, std::string_view fraction) {
  Decimal d;
  int significant = 0;
  const std::string digits = std::string(integer) + std::string(fraction);
  for (char c : digits) {
    if (d.mantissa == 0 && c == '0') continue;
    if (++significant > 18) return std::nullopt;
    d.mantissa = d.mantissa * 10 + static_cast<uint64_t>(c - '0');
  }
  d.exponent = -static_cast<int>(fraction.size());
  return d;
}

std::string ToString(Decimal d) {
  if (d.mantissa == 0) return "0";
  while (d.exponent < 0 && d.mantissa % 10 == 0) {
    d.mantissa /= 10;
    ++d.exponent;
  }
  std::string digits = std::to_string(d.mantissa);
  if (d.exponent >= 0) return digits.append(static_cast<std::size_t>(d.exponent), '0');
  const auto fraction = static_cast<std::size_t>(-d.exponent);
  if (digits.size() <= fraction) digits.insert(0, fraction - digits.size() + 1, '0');
  digits.insert(digits.size() - fraction, 1, '.');
  return digits;
}

bool CommaIsDecimal(std::string_view language) {
  // Languages whose decimal mark is the comma (CLDR), by primary subtag.
  static constexpr std::array<std::string_view, 30> kComma = {
      "bg", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "gl", "hr", "hu", "id",
      "is", "it", "lt", "lv", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sv"};
  const std::string_view primary = language.substr(0, language.find_first_of("-_"));
  std::string lower(primary);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return std::find(kComma.begin(), kComma.end(), lower) != kComma.end() || lower == "tr" ||
         lower == "uk" || lower == "vi";
}

// Digit groups between separators, each separator one of , . and 'g'
// (a mark that only groups).
struct Run {
  std::vector<std::string> groups{std::string()};
  std::string marks;
};

bool GroupsValid(const std::vector<std::string>& groups, std::size_t count) {
  if (count < 2) return true;
  if (groups[0].empty() || groups[0].size() > 3 || groups[count - 1].size() != 3) return false;
  bool all_three = true, indian = true;
  for (std::size_t i = 1; i + 1 < count; ++i) {
    all_three &= groups[i].size() == 3;
    indian &= groups[i].size() == 2;
  }
  return all_three || (indian && groups[0].size() <= 2);
}

// Which mark (index into run.marks) is the decimal mark; marks.size() for none.
std::optional<std::size_t> DecimalMark(const Run& run, bool comma_decimal) {
  const auto& marks = run.marks;
  const std::size_t last = marks.find_last_of(",.");
  if (last == std::string::npos) return marks.size();
  const char kind = marks[last];
  const auto count = static_cast<std::size_t>(std::count(marks.begin(), marks.end(), kind));
  const bool mixed = marks.find(kind == ',' ? '.' : ',') != std::string::npos;
  if (mixed) return count == 1 ? std::optional(last) : std::nullopt;
  if (count > 1) return marks.size();
  const bool grouped_before = marks.find('g') < last;
  if (grouped_before || kind == (comma_decimal ? ',' : '.')) return last;
  return run.groups[last + 1].size() == 3 && run.groups[0].size() <= 3 ? marks.size() : last;
}

std::optional<Decimal> ReadRun(const Run& run, bool comma_decimal) {
  for (const auto& g : run.groups) {
    if (g.empty()) return std::nullopt;
  }
  auto mark = DecimalMark(run, comma_decimal);
  if (!mark) return std::nullopt;
  if (*mark < run.marks.size() && *mark + 1 != run.marks.size()) return std::nullopt;
  const std::size_t integer_groups = *mark + 1;
  if (!GroupsValid(run.groups, std::min(integer_groups, run.groups.size()))) return std::nullopt;
  for (std::size_t i = 0; i < *mark && *mark < run.marks.size(); ++i) {
    if (run.marks[i] == run.marks[*mark]) return std::nullopt;
  }
  std::string integer;
  for (std::size_t i = 0; i < std::min(integer_groups, run.groups.size()); ++i) {
    integer += run.groups[i];
  }
  const std::string fraction = *mark < run.marks.size() ? run.groups[*mark + 1] : std::string();
  return FromDigits(integer, fraction);
}

// The kanji numeral sections: 万 億 兆 close a section, 十 百 千 scale
// within one; digits accumulate positionally (二〇二六).
class KanjiReader {
 public:
  bool Number(Decimal n) {
    if (current_) return false;
    current_ = n;
    return true;
  }
  bool Digit(int d) {
    auto sum =
        Add(current_ ? Shift(*current_, 1) : Decimal{}, Decimal{static_cast<uint64_t>(d), 0});
    if (!sum) return false;
    current_ = sum;
    return true;
  }
  bool Scale(int power) {
    auto sum = Add(section_, Shift(current_.value_or(Decimal{1, 0}), power));
    current_.reset();
    if (!sum) return false;
    section_ = *sum;
    return true;
  }
  bool CloseSection(int power) {
    auto section = Add(section_, current_.value_or(Decimal{}));
    if (!section) return false;
    if (section->mantissa == 0) section = Decimal{1, 0};
    auto sum = Add(total_, Shift(*section, power));
    section_ = {};
    current_.reset();
    if (!sum) return false;
    total_ = *sum;
    return true;
  }
  std::optional<Decimal> Total() const {
    auto section = Add(section_, current_.value_or(Decimal{}));
    return section ? Add(total_, *section) : std::nullopt;
  }

 private:
  Decimal total_, section_;
  std::optional<Decimal> current_;
};

}  // namespace

int KanjiNumeralValue(uint32_t c) {
  switch (c) {
    case U'〇':
    case U'零': return 0;
    case U'一': return 1;
    case U'二': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    case U'十': return -1;
    case U'百': return -2;
    case U'千': return -3;
    case U'万':
    case U'萬': return -4;
    case U'億': return -8;
    case U'兆': return -12;
    default: return kNotKanjiNumeral;
  }
}

int DigitValue(uint32_t c) {
  if (u_charType(static_cast<UChar32>(c)) != U_DECIMAL_DIGIT_NUMBER) return -1;
  return u_charDigitValue(static_cast<UChar32>(c));
}

char SeparatorMark(uint32_t c) {
  switch (c) {
    case ',':
    case 0xFF0C: return ',';
    case '.':
    case 0xFF0E: return '.';
    case '\'':
    case 0x2019:
    case 0x00A0:
    case 0x2009:
    case 0x202F: return 'g';
    default: return 0;
  }
}

std::optional<std::string> ParseFigureValue(std::string_view number, std::string_view language) {
  const bool comma_decimal = CommaIsDecimal(language);
  KanjiReader kanji;
  bool any_digit = false;
  Run run;
  bool in_run = false;
  auto close_run = [&]() -> bool {
    if (!in_run) return true;
    in_run = false;
    auto value = ReadRun(run, comma_decimal);
    run = Run();
    return value && kanji.Number(*value);
  };
  for (std::size_t pos = 0; pos < number.size();) {
    const Utf8Char ch = FirstChar(number.substr(pos));
    if (ch.length == 0) return std::nullopt;
    pos += ch.length;
    if (const int d = DigitValue(ch.code_point); d >= 0) {
      run.groups.back().push_back(static_cast<char>('0' + d));
      in_run = any_digit = true;
    } else if (const char mark = SeparatorMark(ch.code_point); mark && in_run) {
      run.marks.push_back(mark);
      run.groups.emplace_back();
    } else if (const int k = KanjiNumeralValue(ch.code_point); k != kNotKanjiNumeral) {
      any_digit = true;
      if (!close_run()) return std::nullopt;
      const bool ok = k >= 0 ? kanji.Digit(k) : k >= -3 ? kanji.Scale(-k) : kanji.CloseSection(-k);
      if (!ok) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (!any_digit || !close_run()) return std::nullopt;
  auto total = kanji.Total();
  if (!total) return std::nullopt;
  return ToString(*total);
}

std::optional<std::string> ScaleValue(const std::string& value, int power, bool negative) {
  const std::size_t point = value.find('.');
  const std::string integer = value.substr(0, point);
  const std::string fraction = point == std::string::npos ? "" : value.substr(point + 1);
  auto d = FromDigits(integer, fraction);
  if (!d) return std::nullopt;
  std::string out = ToString(Shift(*d, power));
  if (negative && out != "0") out.insert(0, 1, '-');
  return out;
}

}  // namespace newswire::core
