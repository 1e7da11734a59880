// UTF-8 helpers shared by validation and the diff engine.
#pragma once

#include <cstddef>
#include <string_view>

namespace newswire::core {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, no
// code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// True when `text[pos]` starts a character (or pos == size).
inline bool IsCharBoundary(std::string_view text, std::size_t pos) {
  return pos >= text.size() || (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80;
}

}  // namespace newswire::core
