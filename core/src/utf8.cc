#include "newswire/core/utf8.h"

#include <cstdint>

namespace newswire::core {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

}  // namespace

Utf8Char FirstChar(std::string_view text) {
  if (text.empty()) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char c = *p;
  if (c < 0x80) return {1, c};
  std::size_t extra;
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
    return {};  // Continuation byte, overlong lead or past U+10FFFF.
  }
  if (text.size() <= extra) return {};
  for (std::size_t i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {};
  }
  return {extra + 1, cp};
}

bool IsValidUtf8(std::string_view text) {
  // Invalid UTF-8 outranks a control character there.
  return CheckTextBytes(text, true) != TextFault::kInvalidUtf8;
}

namespace {

// The fault of one character, kNone when it is allowed.
TextFault FaultOf(uint32_t c, bool allow_newlines) {
  const bool line_break =
      c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029;
  const bool newline = c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
  if (allow_newlines && newline) return TextFault::kNone;
  if (!allow_newlines && line_break) return TextFault::kLineBreak;
  if ((c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F)) return TextFault::kControlCharacter;
  return TextFault::kNone;
}

}  // namespace

TextFault CheckTextBytes(std::string_view text, bool allow_newlines, TextFacts* facts) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  // The first bad character; invalid UTF-8 anywhere outranks it.
  TextFault fault = TextFault::kNone;
  uint32_t first = 0;
  bool high = false;
  auto check = [&](uint32_t c) {
    if (fault != TextFault::kNone) return;
    fault = FaultOf(c, allow_newlines);
    first = c;
  };
  while (p < end) {
    while (end - p >= 8) {
      uint64_t word;
      __builtin_memcpy(&word, p, 8);
      if (word & kHighBits) break;
      // Flags (perhaps falsely, never missing one) a byte below 0x20 or a
      // DEL among eight ASCII bytes; the exact check only runs then.
      const uint64_t del = word ^ (0x7F * kOnes);
      if (fault == TextFault::kNone &&
          (((word - 0x20 * kOnes) & ~word) | ((del - kOnes) & ~del)) & kHighBits) {
        for (int i = 0; i < 8; ++i) check(p[i]);
      }
      p += 8;
    }
    if (p >= end) break;
    if (*p < 0x80) {
      if (*p < 0x20 || *p == 0x7F) check(*p);
      ++p;
      continue;
    }
    const Utf8Char ch =
        FirstChar({reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p)});
    if (ch.length == 0) return TextFault::kInvalidUtf8;
    high |= ch.code_point >= 0x300;
    // C1 controls (C2 80-C2 9F) and U+2028/U+2029 (E2 80 A8/A9) are the only
    // multi-byte characters refused.
    if (ch.code_point <= 0x9F || ch.code_point == 0x2028 || ch.code_point == 0x2029) {
      check(ch.code_point);
    }
    p += ch.length;
  }
  if (facts != nullptr) *facts = {fault == TextFault::kNone ? 0 : first, high};
  return fault;
}

}  // namespace newswire::core
