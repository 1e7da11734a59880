#include "newswire/core/utf8.h"

#include <cstdint>

namespace newswire::core {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Validates the multi-byte character starting at `p` (its lead byte is not
// ASCII); returns its length, or 0 when it is malformed.
int CharacterLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  int extra;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3;
    cp = c & 0x07;
  } else {
    return 0;  // Continuation byte, overlong lead or past U+10FFFF.
  }
  if (end - p <= extra) return 0;
  for (int i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return extra + 1;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    // Fast path over ASCII, eight bytes at a time.
    while (end - p >= 8) {
      uint64_t word;
      __builtin_memcpy(&word, p, 8);
      if (word & kHighBits) break;
      p += 8;
    }
    if (p >= end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const int length = CharacterLength(p, end);
    if (length == 0) return false;
    p += length;
  }
  return true;
}

TextFault CheckTextBytes(std::string_view text, bool allow_newlines) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  auto is_control = [allow_newlines](unsigned char c) {
    return c == 0x7F || (c < 0x20 && c != '\t' && !(allow_newlines && c == '\n'));
  };
  // Invalid UTF-8 anywhere outranks a control character.
  bool control = false;
  while (p < end) {
    while (end - p >= 8) {
      uint64_t word;
      __builtin_memcpy(&word, p, 8);
      if (word & kHighBits) break;
      // Flags (perhaps falsely, never missing one) a byte below 0x20 or a
      // DEL among eight ASCII bytes; the exact check only runs then.
      const uint64_t del = word ^ (0x7F * kOnes);
      if (!control && (((word - 0x20 * kOnes) & ~word) | ((del - kOnes) & ~del)) & kHighBits) {
        for (int i = 0; i < 8; ++i) control |= is_control(p[i]);
      }
      p += 8;
    }
    if (p >= end) break;
    if (*p < 0x80) {
      control |= is_control(*p);
      ++p;
      continue;
    }
    const int length = CharacterLength(p, end);
    if (length == 0) return TextFault::kInvalidUtf8;
    p += length;
  }
  return control ? TextFault::kControlCharacter : TextFault::kNone;
}

}  // namespace newswire::core
