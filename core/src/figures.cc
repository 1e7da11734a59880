// FindFigures: numbers and numeric expressions on the word diff's tokens.
//
// A figure is [sign] [currency] NUMBER [multiplier] [unit], or with the
// currency after the unit's place ("12,50 €"):
//  - NUMBER: digit tokens joined by a comma, full stop or apostrophe with
//    nothing between ("4,515", "１，２３４．５"), and kanji numerals next to
//    them or alone ("1800億", "1兆2000億", "三百"). A token of letters and
//    digits ("A380", "Q3") is a word, not a number; so is a number glued by
//    a hyphen to a word before it ("COVID-19", "F-35"). Kanji numerals
//    alone count only as two or more ("三百"; "一" alone is too often part
//    of a word), or with a multiplier or unit after them ("五億円").
//  - sign: ▲ △ − (always), and - + ＋ － unless a word or number of a
//    script written with spaces stands right before them (a hyphen).
//  - currency before: a currency symbol (Unicode Sc), with a country
//    prefix ("US$", "HK$"), or an ISO 4217 code and a space ("USD 5").
//  - multiplier: a letter suffix ("3bn", "5m"), a word after one space
//    (thousand million billion trillion bn mn tn lakh crore), kanji (万 億
//    兆 千 百) or a Thai word (พัน หมื่น แสน ล้าน).
//  - unit: % ％ ‰, percent/per cent/pct, percentage points/pp, basis
//    points/bp/bps, a currency word (yen, dollars, 円, ドル, เยน, บาท, ...)
//    or a currency symbol after one space.
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <utility>

#include "figure_scan.h"
#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

enum class Kind {
  kSpace,
  kDigits,        // Decimal digits only (a U+202F inside may group them).
  kDigitsSuffix,  // Digits then a known multiplier or unit suffix: "3bn", "25bps".
  kKanji,         // Kanji numerals only.
  kSeparator,     // One comma, full stop or apostrophe.
  kSign,
  kCurrency,  // One currency symbol.
  kPercent,
  kWord,  // Anything with a letter in it.
  kOther,
};

struct Tok {
  std::size_t begin = 0, end = 0;
  Kind kind = Kind::kOther;
  std::size_t digits_end = 0;    // kDigitsSuffix: where the suffix starts.
  uint32_t first = 0, last = 0;  // First and last code points.
};

std::vector<uint32_t> CodePoints(std::string_view s) {
  std::vector<uint32_t> out;
  for (std::size_t pos = 0; pos < s.size();) {
    const Utf8Char ch = FirstChar(s.substr(pos));
    if (ch.length == 0) return {};
    out.push_back(ch.code_point);
    pos += ch.length;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// A letter suffix of a number token: its power of ten, or its unit.
struct Suffix {
  int power = 0;
  const char* unit = "";
};
std::optional<Suffix> LetterSuffix(std::string_view letters) {
  static const std::array<std::pair<std::string_view, Suffix>, 14> kSuffixes = {{
      {"k", {3, ""}},
      {"m", {6, ""}},
      {"mn", {6, ""}},
      {"mln", {6, ""}},
      {"b", {9, ""}},
      {"bn", {9, ""}},
      {"bln", {9, ""}},
      {"tn", {12, ""}},
      {"trn", {12, ""}},
      {"pct", {0, "%"}},
      {"bp", {0, "bp"}},
      {"bps", {0, "bp"}},
      {"pp", {0, "pp"}},
      {"ppt", {0, "pp"}},
  }};
  const std::string lower = Lower(letters);
  for (const auto& [name, suffix] : kSuffixes) {
    if (name == lower) return suffix;
  }
  return std::nullopt;
}

bool IsSign(uint32_t c) {
  return c == '-' || c == '+' || c == 0x2212 || c == 0xFF0B || c == 0xFF0D || c == 0x25B2 ||
         c == 0x25B3;
}
bool IsMinus(uint32_t c) {
  return c == '-' || c == 0x2212 || c == 0xFF0D || c == 0x25B2 || c == 0x25B3;
}

bool IsPercent(uint32_t c) { return c == '%' || c == 0xFF05 || c == 0x2030; }

bool IsCurrencySymbol(uint32_t c) {
  return u_charType(static_cast<UChar32>(c)) == U_CURRENCY_SYMBOL;
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Classify for an ASCII token (most tokens), without decoding.
Tok ClassifyAscii(std::string_view s, Tok tok) {
  tok.first = static_cast<unsigned char>(s.front());
  tok.last = static_cast<unsigned char>(s.back());
  std::size_t digits = 0;
  while (digits < s.size() && IsAsciiDigit(s[digits])) ++digits;
  if (digits == s.size()) {
    tok.kind = Kind::kDigits;
  } else if (digits > 0) {
    const std::string_view rest = s.substr(digits);
    const bool suffix = std::all_of(rest.begin(), rest.end(), IsAsciiLetter) && LetterSuffix(rest);
    tok.kind = suffix ? Kind::kDigitsSuffix : Kind::kWord;
    tok.digits_end = tok.begin + digits;
  } else if (std::any_of(s.begin(), s.end(), IsAsciiLetter)) {
    tok.kind = Kind::kWord;
  } else if (s.find_first_not_of(" \t\n") == std::string_view::npos) {
    tok.kind = Kind::kSpace;
  } else if (s.size() == 1) {
    const char c = s[0];
    tok.kind = c == ',' || c == '.' || c == '\'' ? Kind::kSeparator
               : c == '-' || c == '+'            ? Kind::kSign
               : c == '$'                        ? Kind::kCurrency
               : c == '%'                        ? Kind::kPercent
                                                 : Kind::kOther;
  }
  return tok;
}

Tok Classify(std::string_view text, const text::Token& t) {
  Tok tok{t.begin, t.end};
  const std::string_view s = text.substr(t.begin, t.end - t.begin);
  if (!s.empty() && std::all_of(s.begin(), s.end(),
                                [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return ClassifyAscii(s, tok);
  }
  const std::vector<uint32_t> cps = CodePoints(text.substr(t.begin, t.end - t.begin));
  if (cps.empty()) return tok;
  tok.first = cps.front();
  tok.last = cps.back();
  if (std::all_of(cps.begin(), cps.end(),
                  [](uint32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); })) {
    tok.kind = Kind::kSpace;
    return tok;
  }
  std::size_t digits = 0;
  while (digits < cps.size() && (DigitValue(cps[digits]) >= 0 ||
                                 (cps[digits] == 0x202F && digits > 0 && digits + 1 < cps.size() &&
                                  DigitValue(cps[digits + 1]) >= 0))) {
    ++digits;
  }
  if (digits == cps.size()) {
    tok.kind = Kind::kDigits;
    return tok;
  }
  if (digits > 0) {
    // "3bn": the suffix is ASCII letters, so its bytes follow the digits'.
    std::size_t offset = t.begin;
    for (std::size_t i = 0; i < digits; ++i) offset += FirstChar(text.substr(offset)).length;
    const std::string_view rest = text.substr(offset, t.end - offset);
    const bool letters = std::all_of(rest.begin(), rest.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    if (letters && LetterSuffix(rest)) {
      tok.kind = Kind::kDigitsSuffix;
      tok.digits_end = offset;
      return tok;
    }
    tok.kind = Kind::kWord;
    return tok;
  }
  if (std::all_of(cps.begin(), cps.end(),
                  [](uint32_t c) { return KanjiNumeralValue(c) != kNotKanjiNumeral; })) {
    tok.kind = Kind::kKanji;
  } else if (cps.size() == 1 && SeparatorMark(cps[0]) && SeparatorMark(cps[0]) != 'g') {
    tok.kind = Kind::kSeparator;
  } else if (cps.size() == 1 && (cps[0] == '\'' || cps[0] == 0x2019)) {
    tok.kind = Kind::kSeparator;
  } else if (cps.size() == 1 && IsSign(cps[0])) {
    tok.kind = Kind::kSign;
  } else if (cps.size() == 1 && IsCurrencySymbol(cps[0])) {
    tok.kind = Kind::kCurrency;
  } else if (cps.size() == 1 && IsPercent(cps[0])) {
    tok.kind = Kind::kPercent;
  } else if (std::any_of(cps.begin(), cps.end(),
                         [](uint32_t c) { return u_isalpha(static_cast<UChar32>(c)) != 0; })) {
    tok.kind = Kind::kWord;
  }
  return tok;
}

// A letter or digit of a script written with spaces between words (Latin,
// Greek, Cyrillic, ...): a hyphen after it joins a word, not a sign.
bool IsSpacedAlnum(uint32_t c) {
  const auto ch = static_cast<UChar32>(c);
  if (!u_isalnum(ch) || c >= 0x2E80) return false;
  return u_getIntPropertyValue(ch, UCHAR_LINE_BREAK) != U_LB_COMPLEX_CONTEXT;
}

std::string CurrencyCode(uint32_t symbol, std::string_view prefix, std::string_view language) {
  switch (symbol) {
    case '$':
    case 0xFF04: {
      static const std::array<std::pair<std::string_view, const char*>, 9> kDollars = {{
          {"", "USD"},
          {"US", "USD"},
          {"HK", "HKD"},
          {"A", "AUD"},
          {"C", "CAD"},
          {"S", "SGD"},
          {"NT", "TWD"},
          {"NZ", "NZD"},
          {"R", "BRL"},
      }};
      for (const auto& [p, code] : kDollars) {
        if (p == prefix) return code;
      }
      return "";
    }
    case 0xA5:
    case 0xFFE5: return Lower(language.substr(0, 2)) == "zh" ? "CNY" : "JPY";
    case 0x20AC: return "EUR";
    case 0xA3:
    case 0xFFE1: return "GBP";
    case 0x20A9:
    case 0xFFE6: return "KRW";
    case 0x20B9: return "INR";
    case 0x0E3F: return "THB";
    case 0x20BD: return "RUB";
    case 0x20A3: return "CHF";
    default: return "";
  }
}

bool IsIsoCode(std::string_view word) {
  static constexpr std::array<std::string_view, 16> kCodes = {
      "AUD", "CAD", "CHF", "CNY", "EUR", "GBP", "HKD", "IDR",
      "INR", "JPY", "KRW", "SGD", "THB", "TWD", "USD", "NZD"};
  return std::find(kCodes.begin(), kCodes.end(), word) != kCodes.end();
}

// Unit words after a number and one space (lower case), and their units.
const char* UnitWord(std::string_view lower) {
  static const std::array<std::pair<std::string_view, const char*>, 24> kWords = {{
      {"percent", "%"},   {"pct", "%"},      {"bp", "bp"},        {"bps", "bp"},
      {"pp", "pp"},       {"yen", "JPY"},    {"dollar", "USD"},   {"dollars", "USD"},
      {"euro", "EUR"},    {"euros", "EUR"},  {"yuan", "CNY"},     {"renminbi", "CNY"},
      {"won", "KRW"},     {"baht", "THB"},   {"rupee", "INR"},    {"rupees", "INR"},
      {"pound", "GBP"},   {"pounds", "GBP"}, {"sterling", "GBP"}, {"francs", "CHF"},
      {"ringgit", "MYR"}, {"rupiah", "IDR"}, {"peso", ""},        {"pesos", ""},
  }};
  for (const auto& [word, unit] : kWords) {
    if (word == lower) return unit;
  }
  return nullptr;
}

// Units written right after the number in CJK and Thai text.
struct Glued {
  std::string_view text;
  const char* unit;
};
constexpr std::array<Glued, 14> kGluedUnits = {{
    {"円", "JPY"},
    {"ドル", "USD"},
    {"ユーロ", "EUR"},
    {"元", "CNY"},
    {"人民元", "CNY"},
    {"ウォン", "KRW"},
    {"バーツ", "THB"},
    {"ポンド", "GBP"},
    {"ルピー", "INR"},
    {"เยน", "JPY"},
    {"บาท", "THB"},
    {"ดอลลาร์", "USD"},
    {"เปอร์เซ็นต์", "%"},
    {"ยูโร", "EUR"},
}};

int MultiplierWord(std::string_view lower) {
  static const std::array<std::pair<std::string_view, int>, 13> kWords = {{
      {"thousand", 3},
      {"million", 6},
      {"billion", 9},
      {"trillion", 12},
      {"bn", 9},
      {"mn", 6},
      {"mln", 6},
      {"tn", 12},
      {"lakh", 5},
      {"crore", 7},
      {"พัน", 3},
      {"หมื่น", 4},
      {"แสน", 5},
  }};
  for (const auto& [word, power] : kWords) {
    if (word == lower) return power;
  }
  if (lower == "ล้าน") return 6;
  return 0;
}

class Scanner {
 public:
  Scanner(std::string_view text, std::string_view language) : text_(text), language_(language) {}

  FigureScan Run() {
    FigureScan scan;
    text::Tokenize(text_, 0, text_.size(), &scan.tokens);
    toks_.reserve(scan.tokens.size());
    for (const auto& t : scan.tokens) toks_.push_back(Classify(text_, t));
    for (std::size_t i = 0; i < toks_.size();) {
      std::size_t next = i + 1;
      if (IsNumberStart(i)) {
        if (auto figure = Read(i, &next)) {
          scan.figures.push_back(std::move(*figure));
          scan.token_spans.emplace_back(span_first_, next);
        }
      }
      i = std::max(next, i + 1);
    }
    return scan;
  }

 private:
  bool Adjacent(std::size_t a, std::size_t b) const { return toks_[a].end == toks_[b].begin; }
  bool Is(std::size_t i, Kind kind) const { return i < toks_.size() && toks_[i].kind == kind; }
  bool IsSingleSpace(std::size_t i) const {
    if (!Is(i, Kind::kSpace)) return false;
    const std::string_view s = text_.substr(toks_[i].begin, toks_[i].end - toks_[i].begin);
    return s == " " || s == "\u00A0" || s == "\u202F";
  }
  std::string_view Text(std::size_t i) const {
    return text_.substr(toks_[i].begin, toks_[i].end - toks_[i].begin);
  }

  bool IsNumberStart(std::size_t i) const {
    return Is(i, Kind::kDigits) || Is(i, Kind::kDigitsSuffix) || Is(i, Kind::kKanji);
  }

  // A number glued by a hyphen to a word of a spaced script ("COVID-19").
  bool IsIdentifierTail(std::size_t i) const {
    if (i == 0 || !Adjacent(i - 1, i)) return false;
    if (Is(i - 1, Kind::kWord) && IsSpacedAlnum(toks_[i - 1].last)) return true;
    return i >= 2 && Is(i - 1, Kind::kSign) && toks_[i - 1].first == '-' &&
           Adjacent(i - 2, i - 1) && Is(i - 2, Kind::kWord) && IsSpacedAlnum(toks_[i - 2].last);
  }

  // The number's tokens from `i`: sets `*last` (inclusive).
  void NumberTokens(std::size_t i, std::size_t* last) const {
    std::size_t j = i;
    while (!Is(j, Kind::kDigitsSuffix)) {
      const bool digits = Is(j, Kind::kDigits);
      if (digits && Is(j + 1, Kind::kSeparator) && Adjacent(j, j + 1) &&
          (Is(j + 2, Kind::kDigits) || Is(j + 2, Kind::kDigitsSuffix)) && Adjacent(j + 1, j + 2)) {
        j += 2;
      } else if ((Is(j + 1, Kind::kKanji) || (Is(j, Kind::kKanji) && Is(j + 1, Kind::kDigits))) &&
                 Adjacent(j, j + 1)) {
        j += 1;
      } else {
        break;
      }
    }
    *last = j;
  }

  std::optional<Figure> Read(std::size_t i, std::size_t* next) {
    std::size_t last = i;
    NumberTokens(i, &last);
    *next = last + 1;
    if (IsIdentifierTail(i)) return std::nullopt;
    // "3.2x": a separator and then a word with digits is a code, not a number.
    if (Is(last + 1, Kind::kSeparator) && Adjacent(last, last + 1) && Is(last + 2, Kind::kWord) &&
        Adjacent(last + 1, last + 2) && DigitValue(toks_[last + 2].first) >= 0) {
      return std::nullopt;
    }
    const std::size_t number_end =
        Is(last, Kind::kDigitsSuffix) ? toks_[last].digits_end : toks_[last].end;
    auto value =
        ParseFigureValue(text_.substr(toks_[i].begin, number_end - toks_[i].begin), language_);
    int power = 0;
    std::string unit;
    std::size_t end = toks_[last].end;
    if (Is(last, Kind::kDigitsSuffix)) {
      const auto suffix = *LetterSuffix(text_.substr(number_end, toks_[last].end - number_end));
      power = suffix.power;
      unit = suffix.unit;
    }
    const bool kanji_only = std::all_of(toks_.begin() + static_cast<long>(i),
                                        toks_.begin() + static_cast<long>(last) + 1,
                                        [](const Tok& t) { return t.kind == Kind::kKanji; });
    std::size_t after = last + 1;
    if (power == 0) power = Multiplier(&after, &end);
    if (unit.empty()) unit = Unit(&after, &end);
    if (kanji_only && unit.empty() && power == 0 &&
        CodePoints(text_.substr(toks_[i].begin, number_end - toks_[i].begin)).size() < 2) {
      return std::nullopt;
    }
    bool negative = false;
    std::size_t begin = toks_[i].begin;
    span_first_ = i;
    Prefix(i, &begin, &negative, &unit);
    *next = after;
    Figure figure;
    figure.begin = begin;
    figure.end = end;
    figure.text = std::string(text_.substr(begin, end - begin));
    if (value) figure.value = ScaleValue(*value, power, negative).value_or("");
    figure.unit = unit;
    return figure;
  }

  // A multiplier after the number: its power of ten (0: none); moves
  // `*after` (next token) and `*end` (bytes) past it.
  int Multiplier(std::size_t* after, std::size_t* end) {
    const std::size_t k = *after;
    if (k < toks_.size() && toks_[k].begin == *end && Is(k, Kind::kWord)) {
      // 万 億 兆 opening the next word (a dictionary may keep "億円" whole).
      int power = 0;
      std::size_t pos = *end;
      for (Utf8Char ch = FirstChar(text_.substr(pos));
           ch.length > 0 && KanjiNumeralValue(ch.code_point) <= -4 &&
           KanjiNumeralValue(ch.code_point) != kNotKanjiNumeral;
           ch = FirstChar(text_.substr(pos))) {
        power -= KanjiNumeralValue(ch.code_point);
        pos += ch.length;
      }
      if (power > 0) {
        *end = pos;
        return power;
      }
    }
    const std::size_t w = IsSingleSpace(k) ? k + 1 : k;
    if (Is(w, Kind::kWord)) {
      if (const int power = MultiplierWord(Lower(Text(w))); power > 0) {
        *after = w + 1;
        *end = toks_[w].end;
        return power;
      }
    }
    return 0;
  }

  // A unit after the number (and multiplier): moves `*after` and `*end`.
  std::string Unit(std::size_t* after, std::size_t* end) {
    const std::size_t k = *after;
    if (Is(k, Kind::kPercent)) {
      *after = k + 1;
      *end = toks_[k].end;
      return toks_[k].first == 0x2030 ? "‰" : "%";
    }
    if (Is(k, Kind::kCurrency) && toks_[k].begin == *end) {  // "5€"
      const std::string code = CurrencyCode(toks_[k].first, "", language_);
      if (!code.empty()) {
        *after = k + 1;
        *end = toks_[k].end;
      }
      return code;
    }
    // Glued units (円, ドル, เยน) may share a token with what follows ("円高").
    const std::size_t glued_at = IsSingleSpace(k) ? toks_[k].end : *end;
    for (const auto& g : kGluedUnits) {
      if (text_.substr(glued_at).starts_with(g.text)) {
        const std::size_t stop = glued_at + g.text.size();
        std::size_t j = k;
        while (j < toks_.size() && toks_[j].end <= stop) ++j;
        *after = j;
        *end = stop;
        return g.unit;
      }
    }
    if (!IsSingleSpace(k)) return "";
    if (Is(k + 1, Kind::kCurrency)) {
      const std::string code = CurrencyCode(toks_[k + 1].first, "", language_);
      if (!code.empty()) {
        *after = k + 2;
        *end = toks_[k + 1].end;
      }
      return code;
    }
    if (!Is(k + 1, Kind::kWord)) return "";
    const std::string word = Lower(Text(k + 1));
    auto two_words = [&](std::string_view second) {
      return IsSingleSpace(k + 2) && Is(k + 3, Kind::kWord) &&
             Lower(Text(k + 3)).starts_with(second);
    };
    std::string unit;
    std::size_t stop = k + 2;
    if ((word == "per" && two_words("cent")) || (word == "percentage" && two_words("point")) ||
        (word == "basis" && two_words("point"))) {
      unit = word == "per" ? "%" : word == "basis" ? "bp" : "pp";
      stop = k + 4;
    } else if (const char* u = UnitWord(word)) {
      unit = u;
    }
    if (unit.empty()) return "";
    *after = stop;
    *end = toks_[stop - 1].end;
    return unit;
  }

  // The sign token right before token `s`, if it is one (not a hyphen
  // after a word or number of a spaced script; ▲ and △ always are).
  bool SignBefore(std::size_t s, bool* negative) const {
    if (s == 0 || !Is(s - 1, Kind::kSign) || !Adjacent(s - 1, s)) return false;
    const std::size_t p = s - 1;
    const uint32_t c = toks_[p].first;
    const bool after_word = p > 0 && Adjacent(p - 1, p) && IsSpacedAlnum(toks_[p - 1].last);
    if (after_word && c != 0x25B2 && c != 0x25B3) return false;
    *negative = IsMinus(c);
    return true;
  }

  // The first token of a currency symbol (with its country prefix, "HK$")
  // right before token `s`, when it names a currency; sets `*unit`.
  std::optional<std::size_t> CurrencyBefore(std::size_t s, std::string* unit) const {
    if (s == 0 || !Is(s - 1, Kind::kCurrency) || !Adjacent(s - 1, s)) return std::nullopt;
    const std::size_t c = s - 1;
    std::string_view prefix;
    if (c > 0 && Is(c - 1, Kind::kWord) && Adjacent(c - 1, c) && Text(c - 1).size() <= 2 &&
        std::all_of(Text(c - 1).begin(), Text(c - 1).end(),
                    [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      prefix = Text(c - 1);
    }
    const std::string code = CurrencyCode(toks_[c].first, prefix, language_);
    if (code.empty()) return std::nullopt;
    *unit = code;
    return prefix.empty() ? c : c - 1;
  }

  // Sign and currency before the number at token `i`: [sign] [currency],
  // [currency] [sign], or an ISO code and a space ("USD 5").
  void Prefix(std::size_t i, std::size_t* begin, bool* negative, std::string* unit) {
    std::size_t k = i;
    const bool has_unit = !unit->empty();
    std::string currency;
    const bool signed_first = SignBefore(k, negative);
    if (signed_first) --k;
    if (auto c = has_unit ? std::nullopt : CurrencyBefore(k, &currency)) {
      k = *c;
      if (!signed_first && SignBefore(k, negative)) --k;
    }
    if (!has_unit && currency.empty() && k >= 2 && IsSingleSpace(k - 1) && Is(k - 2, Kind::kWord) &&
        IsIsoCode(Text(k - 2))) {
      currency = std::string(Text(k - 2));
      k -= 2;
    }
    if (!currency.empty()) *unit = currency;
    *begin = toks_[k].begin;
    span_first_ = k;
  }

  std::string_view text_;
  std::string_view language_;
  std::vector<Tok> toks_;
  std::size_t span_first_ = 0;
};

}  // namespace

FigureScan ScanFigures(std::string_view text, std::string_view language) {
  return Scanner(text, language).Run();
}

std::vector<Figure> FindFigures(std::string_view text, std::string_view language) {
  return ScanFigures(text, language).figures;
}

}  // namespace newswire::core
