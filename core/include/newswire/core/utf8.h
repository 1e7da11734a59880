// UTF-8 helpers shared by validation and the diff engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace newswire::core {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, no
// code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// The character `text` starts with: its length in bytes and its code point.
// Length 0 when `text` does not start with a well-formed character (empty,
// a continuation byte, an overlong form, a surrogate, past U+10FFFF, or cut
// short).
struct Utf8Char {
  std::size_t length = 0;
  uint32_t code_point = 0;
};
Utf8Char FirstChar(std::string_view text);

enum class TextFault { kNone, kInvalidUtf8, kControlCharacter, kLineBreak };

// One pass over a text field. kInvalidUtf8 unless IsValidUtf8; else what
// the first offending character is, if any:
//  - kLineBreak: a line or paragraph separator in a one-line field
//    (`allow_newlines` false): \n, \v, \f, \r, U+0085 (NEL), U+2028, U+2029;
//  - kControlCharacter: any other C0 or C1 control (U+0000-U+001F,
//    U+0080-U+009F, e.g. U+009B, a terminal's CSI) or DEL, except tab; with
//    `allow_newlines`, \n, U+0085, U+2028 and U+2029 are allowed (each is a
//    line break, UAX #14 BK/NL) and \r, \v, \f are refused as controls.
// `facts`, when given, gets the offending character's code point and
// whether the text holds any character from U+0300 on (text below it is
// always in NFC, see unicode.h). Eight ASCII bytes at a time: every
// published article goes through it.
struct TextFacts {
  uint32_t culprit = 0;     // Code point of the offending character; 0 when none.
  bool from_u0300 = false;  // Some character is U+0300 or above.
};
TextFault CheckTextBytes(std::string_view text, bool allow_newlines, TextFacts* facts = nullptr);

// True when `text[pos]` starts a character (or pos == size).
inline bool IsCharBoundary(std::string_view text, std::size_t pos) {
  return pos >= text.size() || (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80;
}

}  // namespace newswire::core
