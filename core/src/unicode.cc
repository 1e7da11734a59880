#include "newswire/core/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <cstdint>
#include <utility>

#include "icu_break.h"
#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

bool IsAscii(std::string_view text) {
  const char* p = text.data();
  std::size_t n = text.size();
  uint64_t any = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    __builtin_memcpy(&word, p, 8);
    any |= word;
  }
  for (; n > 0; ++p, --n) any |= static_cast<unsigned char>(*p);
  return (any & 0x8080808080808080ULL) == 0;
}

// True when no character is U+0300 or above (no lead byte from CC on):
// such text is NFC, as every character below U+0300 is a starter whose
// NFC_Quick_Check is Yes. Stops at the first such byte.
bool BelowU0300(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0xCC) return false;
  }
  return true;
}

const icu::Normalizer2* Nfc() {
  static const icu::Normalizer2* const kNfc = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
    return U_SUCCESS(status) ? nfc : nullptr;
  }();
  return kNfc;
}

icu::StringPiece Piece(std::string_view text) {
  return {text.data(), static_cast<int32_t>(text.size())};
}

// Boundaries of code points, for when ICU is unavailable or the text is
// not UTF-8: still never inside a character.
std::vector<std::size_t> CodePointBoundaries(std::string_view text) {
  std::vector<std::size_t> out{0};
  for (std::size_t pos = 1; pos <= text.size(); ++pos) {
    if (IsCharBoundary(text, pos)) out.push_back(pos);
  }
  return out;
}

}  // namespace

bool IsNfc(std::string_view text) {
  if (BelowU0300(text) || Nfc() == nullptr) return true;
  UErrorCode status = U_ZERO_ERROR;
  const bool yes = Nfc()->isNormalizedUTF8(Piece(text), status);
  return U_FAILURE(status) || yes;
}

bool NormalizeToNfc(std::string& text) {
  if (IsNfc(text) || !IsValidUtf8(text)) return false;
  std::string out;
  out.reserve(text.size());
  icu::StringByteSink<std::string> sink(&out);
  UErrorCode status = U_ZERO_ERROR;
  Nfc()->normalizeUTF8(0, Piece(text), sink, nullptr, status);
  if (U_FAILURE(status) || out == text) return false;
  text.swap(out);
  return true;
}

std::string ToNfc(std::string_view text) {
  std::string out(text);
  NormalizeToNfc(out);
  return out;
}

std::vector<std::size_t> GraphemeBoundaries(std::string_view text) {
  if (IsAscii(text)) {
    // Every ASCII character is a cluster of its own, except CR LF.
    std::vector<std::size_t> out{0};
    for (std::size_t pos = 1; pos <= text.size(); ++pos) {
      if (!(pos < text.size() && text[pos - 1] == '\r' && text[pos] == '\n')) out.push_back(pos);
    }
    return out;
  }
  icu::BreakIterator* clusters = icu_break::Iterators::ForThisThread().Characters(text);
  if (clusters == nullptr) return CodePointBoundaries(text);
  std::vector<std::size_t> out{0};
  for (int32_t b = clusters->next(); b != icu::BreakIterator::DONE; b = clusters->next()) {
    out.push_back(static_cast<std::size_t>(b));
  }
  return out;
}

int ClusterWidth(std::string_view cluster) {
  // Each character's own columns, except those a terminal draws into the
  // glyph before them: marks, format characters, emoji modifiers and
  // selectors, whatever follows a zero width joiner, a flag's second half.
  int width = 0;
  bool joined = false, flag = false, emoji = false;
  for (std::size_t pos = 0; pos < cluster.size();) {
    const Utf8Char ch = FirstChar(cluster.substr(pos));
    if (ch.length == 0) return 1;  // Shown as one replacement character.
    const auto c = static_cast<UChar32>(ch.code_point);
    const bool first = pos == 0;
    pos += ch.length;
    const int8_t type = u_charType(c);
    emoji |= c == 0xFE0F;
    if (std::exchange(joined, c == 0x200D) || type == U_NON_SPACING_MARK ||
        type == U_ENCLOSING_MARK || type == U_FORMAT_CHAR || type == U_CONTROL_CHAR ||
        (!first && u_hasBinaryProperty(c, UCHAR_EMOJI_MODIFIER))) {
      continue;
    }
    if (u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR)) {
      if (!std::exchange(flag, true)) width += 2;
      continue;
    }
    const int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    width += ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
  }
  return emoji && width == 1 ? 2 : width;
}

int DisplayWidth(std::string_view text) {
  if (IsAscii(text)) return static_cast<int>(text.size());
  const std::vector<std::size_t> bounds = GraphemeBoundaries(text);
  int width = 0;
  for (std::size_t i = 1; i < bounds.size(); ++i) {
    width += ClusterWidth(text.substr(bounds[i - 1], bounds[i] - bounds[i - 1]));
  }
  return width;
}

std::string TruncateToWidth(std::string_view text, int columns, std::string_view ellipsis) {
  const std::vector<std::size_t> bounds = GraphemeBoundaries(text);
  std::vector<int> widths;
  widths.reserve(bounds.size());
  int total = 0;
  for (std::size_t i = 1; i < bounds.size(); ++i) {
    widths.push_back(ClusterWidth(text.substr(bounds[i - 1], bounds[i] - bounds[i - 1])));
    total += widths.back();
  }
  if (total <= columns) return std::string(text);
  int room = columns - DisplayWidth(ellipsis);
  std::size_t end = 0;
  for (std::size_t i = 0; i < widths.size() && widths[i] <= room; ++i) {
    room -= widths[i];
    end = bounds[i + 1];
  }
  std::string out(text.substr(0, end));
  out.append(ellipsis);
  return out;
}

}  // namespace newswire::core
