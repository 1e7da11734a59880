// Figures: the numbers of a story, and how they changed between versions.
//
// A desk's algorithm trades on numbers ("shares rose 3.2%" corrected to
// "3.4%", a deal revised from 180 to 210 billion yen), so every revision
// can be read as a list of figure changes without parsing text. A figure is
// a number or numeric expression as written, with its sign, currency,
// multiplier and unit: `3.2%`, `-0.8%`, `▲0.8％`, `¥4,515`, `US$1.2bn`,
// `180 billion yen`, `1800億円`, `１兆2000億円`, `180,000 ล้านเยน`.
//
// Figures are found on the word diff's tokens (UAX #29 words with ICU's
// dictionaries, see README "Text and Unicode"), so a number is never
// glued to the words around it in any script (`ขึ้น3.2%` holds the figure
// `3.2%`) and a word with digits in it (`A380`, `Q3`, `COVID-19`) is not
// one. The grammar and the parsing rules are in README "Figure changes";
// ParseFigureValue states how a value is read.
//
// All functions are pure and safe to call from any thread; text must be
// valid UTF-8 (articles are, after ingest).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/v1/article.pb.h"

namespace newswire::core {

struct Figure {
  std::size_t begin = 0;  // Bytes of the text it was found in.
  std::size_t end = 0;
  std::string text;  // As written, e.g. "180 billion yen".
  // The value as an exact decimal, sign and multiplier applied, in ASCII:
  // "180000000000", "-0.8", "4515". A percentage keeps its number ("3.2"
  // with unit "%"). Empty when the number cannot be read unambiguously.
  std::string value;
  // "%", "‰", "bp" (basis points), "pp" (percentage points), an ISO 4217
  // currency code ("JPY", "USD", "EUR", "THB", ...) or empty.
  std::string unit;

  bool operator==(const Figure&) const = default;
};

// The figures of `text`, in order. `language` is the article's BCP 47 tag:
// it decides whether a lone comma or full stop is the decimal mark.
std::vector<Figure> FindFigures(std::string_view text, std::string_view language = "");

// The value of a number as written (digits of any script, full-width
// forms, group and decimal marks, kanji numerals and multipliers, no sign
// or unit): "4,515" -> "4515", "1.234,5" -> "1234.5", "１８００億" ->
// "180000000000", "三百" -> "300", "1兆2000億" -> "1200000000000".
// `language` as above. nullopt when the marks are ambiguous or malformed
// ("1,23,4"), or the value does not fit 19 significant digits.
std::optional<std::string> ParseFigureValue(std::string_view number, std::string_view language);

// Where a figure is: the headline, key point N or paragraph N (1-based).
enum class FigureField { kHeadline, kKeyPoint, kParagraph };

struct FigureChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  FigureField field = FigureField::kHeadline;
  // 1-based; 0 for the headline. In the new version, except for a figure
  // of an item removed whole: its index in the old one.
  int index = 0;
  std::optional<Figure> before;  // Unset for an added figure.
  std::optional<Figure> after;   // Unset for a removed figure.
  // A few words either side, the figure itself as "…": "Minato shares
  // rose … to 4,515 yen". From the new version (the old for a removal).
  std::string context;
};

// The figures added, removed or changed from `base` to `result` (two
// versions of one article), headline first, then key points, then
// paragraphs, in text order. Empty when only words changed. Items are
// aligned as the structured diff aligns them (core/diff.h); a figure whose
// item merely moved (same text, same context) is not a change.
std::vector<FigureChange> FigureChanges(const v1::Article& base, const v1::Article& result);

// "headline", "key point 3", "paragraph 3".
std::string FigureWhere(const FigureChange& change);
// "added", "removed", "changed".
const char* FigureKindName(FigureChange::Kind kind);
// One line: `3.2% → 3.4% (paragraph 3: "Minato shares rose … to 4,515 yen")`;
// an added figure reads `+ 5%`, a removed one `- 5%`.
std::string FigureChangeLine(const FigureChange& change);

}  // namespace newswire::core
