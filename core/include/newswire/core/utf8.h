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

enum class TextFault { kNone, kInvalidUtf8, kControlCharacter };

// One pass over a text field: kInvalidUtf8 unless IsValidUtf8, else
// kControlCharacter if it holds a C0 control or DEL other than tab (and
// newline, when `allow_newlines`), else kNone. Eight ASCII bytes at a time:
// every published article goes through it.
TextFault CheckTextBytes(std::string_view text, bool allow_newlines);

// True when `text[pos]` starts a character (or pos == size).
inline bool IsCharBoundary(std::string_view text, std::size_t pos) {
  return pos >= text.size() || (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80;
}

}  // namespace newswire::core
