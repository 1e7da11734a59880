// Pieces of figure recognition shared by figures.cc, figure_value.cc and
// figure_changes.cc. Private to core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/core/figures.h"
#include "text_tokens.h"

namespace newswire::core {

inline constexpr int kNotKanjiNumeral = 100;

// 0-9 for 〇 零 一 ... 九; -1, -2, -3 for 十 百 千; -4, -8, -12 for 万 億 兆
// (the power of ten, negated); kNotKanjiNumeral for anything else.
int KanjiNumeralValue(uint32_t c);

// The digit value of a Unicode decimal digit (Nd) of any script; -1 else.
int DigitValue(uint32_t c);

// ',' or '.' for the comma and full stop (ASCII or full-width), 'g' for a
// mark that only groups (' ’ U+00A0 U+2009 U+202F), 0 for anything else.
char SeparatorMark(uint32_t c);

// `value` (an unsigned exact decimal) × 10^power, with a minus sign when
// `negative`; nullopt past 18 significant digits.
std::optional<std::string> ScaleValue(const std::string& value, int power, bool negative);

// A text's tokens (as the word diff cuts it) and its figures.
struct FigureScan {
  std::vector<text::Token> tokens;
  std::vector<Figure> figures;
  // For each figure, its first and one-past-last token.
  std::vector<std::pair<std::size_t, std::size_t>> token_spans;
};
FigureScan ScanFigures(std::string_view text, std::string_view language);

}  // namespace newswire::core
