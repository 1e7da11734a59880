#include "text_tokens.h"

#include <array>
#include <cstring>

#include "newswire/core/utf8.h"

namespace newswire::core::text {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

constexpr std::array<CharClass, 128> MakeAsciiClasses() {
  std::array<CharClass, 128> classes{};
  for (int c = 0; c < 128; ++c) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    classes[static_cast<std::size_t>(c)] =
        alnum ? CharClass::kWord : (space ? CharClass::kSpace : CharClass::kSingle);
  }
  return classes;
}

constexpr std::array<CharClass, 128> kAsciiClasses = MakeAsciiClasses();

CharClass AsciiClass(unsigned char c) { return kAsciiClasses[c]; }

bool In(uint32_t cp, uint32_t lo, uint32_t hi) { return cp >= lo && cp <= hi; }

// A coarse Unicode classification without ICU: enough to keep words of
// space-separated scripts together and to cut CJK (which has no spaces)
// into single characters so that a one-character edit stays one token.
CharClass ClassifyCodePoint(uint32_t cp) {
  if (cp < 0x80) return AsciiClass(static_cast<unsigned char>(cp));
  if (cp == 0x85 || cp == 0xA0 || cp == 0x1680 || In(cp, 0x2000, 0x200A) || cp == 0x2028 ||
      cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000) {
    return CharClass::kSpace;
  }
  // Supplementary planes: emoji, CJK extensions, historic scripts.
  if (cp >= 0x10000) return CharClass::kSingle;
  // CJK, Hangul, Kana, Bopomofo, fullwidth forms: one character per token.
  if (In(cp, 0x1100, 0x11FF) || In(cp, 0x2E80, 0x9FFF) || In(cp, 0xA960, 0xA97F) ||
      In(cp, 0xAC00, 0xD7FF) || In(cp, 0xF900, 0xFAFF) || In(cp, 0xFE30, 0xFE4F) ||
      In(cp, 0xFF00, 0xFFEF)) {
    return CharClass::kSingle;
  }
  // Letters, marks and digits of alphabetic scripts (Latin, Greek, Cyrillic,
  // Hebrew, Arabic, Indic, ...), minus their common punctuation.
  if (cp == 0xAA || cp == 0xB5 || cp == 0xBA) return CharClass::kWord;
  if (In(cp, 0xC0, 0x1FFF)) {
    if (cp == 0xD7 || cp == 0xF7 || cp == 0x37E || cp == 0x387 || cp == 0x589 || cp == 0x60C ||
        cp == 0x61B || cp == 0x61F || cp == 0x6D4 || cp == 0x964 || cp == 0x965 || cp == 0xE3F) {
      return CharClass::kSingle;
    }
    return CharClass::kWord;
  }
  if (In(cp, 0x2C00, 0x2DFF) || In(cp, 0xA000, 0xABFF) || In(cp, 0xFB00, 0xFDFF) ||
      In(cp, 0xFE70, 0xFEFE)) {
    return CharClass::kWord;
  }
  return CharClass::kSingle;  // Latin-1 symbols, general punctuation, currency, arrows...
}

}  // namespace

std::size_t UnitEnd(std::string_view text, std::size_t pos) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  ++pos;
  while (pos < text.size() && IsContinuation(s[pos])) ++pos;
  return pos;
}

std::size_t UnitStartBefore(std::string_view text, std::size_t pos) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  --pos;
  while (pos > 0 && IsContinuation(s[pos])) --pos;
  return pos;
}

CharClass ClassifyUnit(std::string_view unit) {
  const Utf8Char ch = FirstChar(unit);
  // Anything but exactly one well-formed character stands alone.
  if (ch.length == 0 || ch.length != unit.size()) return CharClass::kSingle;
  return ch.code_point < 0x80 ? AsciiClass(static_cast<unsigned char>(ch.code_point))
                              : ClassifyCodePoint(ch.code_point);
}

bool IsTokenBoundary(std::string_view text, std::size_t pos) {
  if (pos == 0 || pos >= text.size()) return true;
  if (IsContinuation(static_cast<unsigned char>(text[pos]))) return false;
  std::size_t before = UnitStartBefore(text, pos);
  CharClass left = ClassifyUnit(text.substr(before, pos - before));
  if (left == CharClass::kSingle) return true;
  CharClass right = ClassifyUnit(text.substr(pos, UnitEnd(text, pos) - pos));
  return left != right;
}

void Tokenize(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>* out) {
  text = text.substr(0, end);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t pos = begin;
  // An ASCII byte is a unit of its own unless (invalid) continuation bytes follow.
  auto ascii_unit = [&](std::size_t at) {
    return s[at] < 0x80 && (at + 1 == end || !IsContinuation(s[at + 1]));
  };
  while (pos < end) {
    const std::size_t start = pos;
    CharClass cls;
    if (ascii_unit(pos)) {
      cls = AsciiClass(s[pos]);
      ++pos;
    } else {
      pos = UnitEnd(text, pos);
      cls = ClassifyUnit(text.substr(start, pos - start));
    }
    if (cls != CharClass::kSingle) {
      while (pos < end) {
        if (ascii_unit(pos)) {
          if (AsciiClass(s[pos]) != cls) break;
          ++pos;
          continue;
        }
        std::size_t next = UnitEnd(text, pos);
        if (ClassifyUnit(text.substr(pos, next - pos)) != cls) break;
        pos = next;
      }
    }
    out->push_back(Token{static_cast<uint32_t>(start), static_cast<uint32_t>(pos),
                         HashBytes(text.substr(start, pos - start))});
  }
}

uint64_t HashBytes(std::string_view bytes) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  auto mix = [](uint64_t x) {
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    return x ^ (x >> 32);
  };
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  uint64_t h = kMul ^ n;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = mix(h ^ word) * kMul;
    p += 8;
    n -= 8;
  }
  // Short tails (most tokens) without a variable-length memcpy call: two
  // overlapping loads, or three single bytes.
  uint64_t tail = 0;
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    tail = (uint64_t{hi} << 32) | lo;
  } else if (n > 0) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    tail = (uint64_t{u[0]} << 16) | (uint64_t{u[n / 2]} << 8) | u[n - 1];
  }
  return mix(h ^ tail ^ (uint64_t{n} << 59));
}

}  // namespace newswire::core::text
