#include "text_tokens.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "icu_break.h"
#include "newswire/core/utf8.h"

namespace newswire::core::text {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

int Property(UChar32 c, UProperty property) { return u_getIntPropertyValue(c, property); }

// ---- simple characters --------------------------------------------------------

// Word_Break classes of the characters the fast loop handles; kComplex is
// everything else (combining marks, joiners, format characters, Hebrew,
// Katakana, regional indicators, scripts that need a dictionary, Hangul
// jamo, anything from U+3000 on, invalid UTF-8).
enum Class : uint8_t {
  kLetter,  // The three word classes first: IsWordClass is one compare.
  kNumeric,
  kExtendNumLet,
  kOther,
  kCR,
  kLF,
  kSpace,  // WSegSpace.
  kMidLetter,
  kMidNum,
  kMidNumLet,  // Including Single_Quote, which acts the same next to these.
  kIdeograph,  // A CJK ideograph: a token of its own unless next to another.
  kComplex,
};

constexpr UChar32 kTableEnd = 0x3000;

bool NeedsDictionary(UChar32 c) {
  if (Property(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT) return true;
  const int script = Property(c, UCHAR_SCRIPT);
  return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA;
}

Class ClassOf(UChar32 c) {
  // ICU's root word rules count '@' as a letter (e-mail addresses) and take
  // ':' out of MidLetter.
  if (c == '@') return kLetter;
  if (c == ':') return kOther;
  const int cluster = Property(c, UCHAR_GRAPHEME_CLUSTER_BREAK);
  if (cluster != U_GCB_OTHER && cluster != U_GCB_CONTROL && cluster != U_GCB_CR &&
      cluster != U_GCB_LF) {
    return kComplex;
  }
  if (NeedsDictionary(c)) return kComplex;
  switch (Property(c, UCHAR_WORD_BREAK)) {
    case U_WB_OTHER:
    case U_WB_NEWLINE:
    case U_WB_DOUBLE_QUOTE: return kOther;  // Double_Quote joins only Hebrew letters.
    case U_WB_CR: return kCR;
    case U_WB_LF: return kLF;
    case U_WB_WSEGSPACE: return kSpace;
    case U_WB_ALETTER: return kLetter;
    case U_WB_NUMERIC: return kNumeric;
    case U_WB_MIDLETTER: return kMidLetter;
    case U_WB_MIDNUM: return kMidNum;
    case U_WB_MIDNUMLET:
    case U_WB_SINGLE_QUOTE: return kMidNumLet;
    case U_WB_EXTENDNUMLET: return kExtendNumLet;
    default: return kComplex;
  }
}

// Classes of U+0000..U+2FFF, from ICU's properties once per process.
const uint8_t* Classes() {
  static const std::array<uint8_t, kTableEnd> kTable = [] {
    std::array<uint8_t, kTableEnd> table{};
    for (UChar32 c = 0; c < kTableEnd; ++c) table[static_cast<std::size_t>(c)] = ClassOf(c);
    return table;
  }();
  return kTable.data();
}

struct Unit {
  Class cls;
  uint32_t length;
};

// CJK Unified Ideographs and Extension A: Han, so ICU's dictionary
// segments a run of them, but one alone (in mostly Latin text, say) is a
// word by itself, which the fast loop knows without asking ICU.
bool IsIdeograph(uint32_t c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF);
}

// A character from U+0080 on (or an invalid byte, kComplex).
Unit DecodeMultibyte(const uint8_t* table, std::string_view text, std::size_t pos) {
  const Utf8Char ch = FirstChar(text.substr(pos));
  if (ch.length == 0) return {kComplex, 1};
  const Class cls = ch.code_point < kTableEnd    ? static_cast<Class>(table[ch.code_point])
                    : IsIdeograph(ch.code_point) ? kIdeograph
                                                 : kComplex;
  return {cls, static_cast<uint32_t>(ch.length)};
}

inline Unit Decode(const uint8_t* table, std::string_view text, std::size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) return {static_cast<Class>(table[c]), 1};
  return DecodeMultibyte(table, text, pos);
}

// The bytes an anchor can follow (see IsAnchor), 、 and 。 ending in 81, 82.
inline bool MayPrecedeAnchor(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == 0x81 || c == 0x82;
}

// IsAnchor(text, pos) for 0 < pos < text.size(), deciding the common cases
// (ASCII around it) inline.
inline bool IsAnchorInside(std::string_view text, std::size_t pos) {
  const auto before = static_cast<unsigned char>(text[pos - 1]);
  if (!MayPrecedeAnchor(before)) return false;
  const auto at = static_cast<unsigned char>(text[pos]);
  if (at < 0x80 && before < 0x80) return !(before == ' ' && at == ' ');
  return IsAnchor(text, pos);
}

bool IsWordClass(Class k) { return k <= kExtendNumLet; }
bool IsLetterMid(Class k) { return k == kMidLetter || k == kMidNumLet; }

// No token boundary between `before` and `after` (with one character of
// context either side; `after2()` gives the next one, read only when
// needed): UAX #29 WB3, WB3d, WB5-WB10 and WB13a/b. WB11/12 (digits around
// a separator) are left out: a number's separators are tokens of their own.
template <typename Next>
bool Joined(Class before2, Class before, Class after, const Next& after2) {
  if (IsWordClass(before) && IsWordClass(after)) return true;
  if (before == kCR) return after == kLF;
  if (before == kSpace) return after == kSpace;
  if (before == kLetter && IsLetterMid(after)) return after2() == kLetter;  // WB6
  if (IsLetterMid(before) && after == kLetter) return before2 == kLetter;   // WB7
  return false;
}

// Inlined: it runs once per token, the hottest call of the fast loop.
[[gnu::always_inline]] inline void Emit(std::string_view text, std::size_t begin, std::size_t end,
                                        std::vector<Token>* out) {
  out->push_back(Token{static_cast<uint32_t>(begin), static_cast<uint32_t>(end),
                       HashBytes({text.data() + begin, end - begin})});
}

// Tokens of text[pos, end) while its characters are simple. Returns `end`,
// or the anchor where a chunk needing ICU begins (tokens from there on are
// taken back) with `*complex_at` set to the character that needs it.
std::size_t FastTokens(std::string_view text, std::size_t pos, std::size_t end,
                       std::vector<Token>* out, std::size_t* complex_at) {
  const uint8_t* table = Classes();
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t token = pos;
  std::size_t anchor = pos;
  Class before2 = kOther, before = kOther;
  while (true) {
    const Unit current = Decode(table, text, pos);
    // Two ideographs in a row are a run for the dictionary.
    if (current.cls == kComplex || (current.cls == kIdeograph && before == kIdeograph)) {
      *complex_at = pos;
      const std::size_t chunk = IsAnchor(text, pos) ? pos : anchor;
      if (token < chunk) {
        Emit(text, token, chunk, out);
      } else {
        while (!out->empty() && out->back().begin >= chunk) out->pop_back();
      }
      return chunk;
    }
    const std::size_t run = pos + current.length;
    auto after = [&] { return run < end ? Decode(table, text, run).cls : kOther; };
    if (pos > token && !Joined(before2, before, current.cls, after)) {
      Emit(text, token, pos, out);
      token = pos;
      if (IsAnchorInside(text, pos)) anchor = pos;
    }
    // Runs that join whatever surrounds them go by without the checks:
    // ASCII letters and digits after a word character, spaces after a space.
    std::size_t q = run;
    if (IsWordClass(current.cls)) {
      while (q < end && s[q] < 0x80 && IsWordClass(static_cast<Class>(table[s[q]]))) ++q;
    } else if (current.cls == kSpace) {
      while (q < end && s[q] == ' ') ++q;
    }
    before2 = q - run >= 2 ? static_cast<Class>(table[s[q - 2]]) : q > run ? current.cls : before;
    before = q > run ? static_cast<Class>(table[s[q - 1]]) : current.cls;
    pos = q;
    if (pos >= end) break;
  }
  Emit(text, token, end, out);
  return end;
}

// ---- ICU ----------------------------------------------------------------------

// Invalid UTF-8: one token per unit.
void UnitTokens(std::string_view text, std::size_t pos, std::size_t end, std::vector<Token>* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  while (pos < end) {
    std::size_t next = pos + 1;
    while (next < end && IsContinuation(s[next])) ++next;
    Emit(text, pos, next, out);
    pos = next;
  }
}

UChar32 CodePointBefore(std::string_view text, std::size_t pos) {
  std::size_t start = pos - 1;
  while (start > 0 && IsContinuation(static_cast<unsigned char>(text[start]))) --start;
  return static_cast<UChar32>(FirstChar(text.substr(start, pos - start)).code_point);
}

// Cuts `chunk` (valid UTF-8) at its tokens' ends, checking that each is a
// grapheme cluster boundary.
class ChunkCutter {
 public:
  ChunkCutter(std::string_view text, std::size_t offset, std::size_t size,
              icu_break::Iterators& iterators, std::vector<Token>* out)
      : text_(text),
        chunk_(text.substr(offset, size)),
        offset_(offset),
        iterators_(iterators),
        out_(out) {}

  // Ends the current token at `pos` (chunk-relative) unless that would
  // split a grapheme cluster.
  void Cut(std::size_t pos) {
    if (pos <= token_ || !IsClusterBoundary(pos)) return;
    Emit(text_, offset_ + token_, offset_ + pos, out_);
    token_ = pos;
  }

 private:
  bool IsClusterBoundary(std::size_t pos) {
    if (pos >= chunk_.size()) return true;
    const auto x = static_cast<unsigned char>(chunk_[pos - 1]);
    const auto y = static_cast<unsigned char>(chunk_[pos]);
    if (x < 0x80 && y < 0x80) return !(x == '\r' && y == '\n');
    // Only these clusters continue past a character (UAX #29 GB3-GB13):
    // ask the character iterator about them, decide the rest here.
    const int after = Property(static_cast<UChar32>(FirstChar(chunk_.substr(pos)).code_point),
                               UCHAR_GRAPHEME_CLUSTER_BREAK);
    const int before = Property(CodePointBefore(chunk_, pos), UCHAR_GRAPHEME_CLUSTER_BREAK);
    if (after != U_GCB_EXTEND && after != U_GCB_ZWJ && after != U_GCB_SPACING_MARK &&
        (before == U_GCB_OTHER || before == U_GCB_CONTROL || before == U_GCB_LF)) {
      return true;
    }
    if (clusters_ == nullptr) clusters_ = iterators_.Characters(chunk_);
    return clusters_ == nullptr || clusters_->isBoundary(static_cast<int32_t>(pos));
  }

  std::string_view text_, chunk_;
  std::size_t offset_;
  icu_break::Iterators& iterators_;
  std::vector<Token>* out_;
  std::size_t token_ = 0;
  icu::BreakIterator* clusters_ = nullptr;
};

struct Base {  // A character that is not an Extend, Format or ZWJ.
  uint32_t begin;
  int word_break;
  bool dictionary;  // Letters of a script ICU segments with a dictionary.
};

// Cuts inside one of ICU's words (chunk-relative [begin, end)): around a
// separator between digits, and where a dictionary script's letters meet
// anything else.
void RefineWord(std::string_view chunk, std::size_t begin, std::size_t end, ChunkCutter& cutter) {
  bool worth = false;
  for (std::size_t i = begin; i < end && !worth; ++i) {
    const auto c = static_cast<unsigned char>(chunk[i]);
    worth = c >= 0x80 || (c >= '0' && c <= '9');
  }
  if (!worth) return;
  thread_local std::vector<Base> bases;
  bases.clear();
  for (std::size_t pos = begin; pos < end;) {
    const Utf8Char ch = FirstChar(chunk.substr(pos));
    const auto c = static_cast<UChar32>(ch.code_point);
    const int wb = Property(c, UCHAR_WORD_BREAK);
    if (bases.empty() || (wb != U_WB_EXTEND && wb != U_WB_FORMAT && wb != U_WB_ZWJ)) {
      bases.push_back(Base{static_cast<uint32_t>(pos), wb,
                           Property(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT});
    }
    pos += ch.length;
  }
  auto is_separator = [](int wb) {
    return wb == U_WB_MIDNUM || wb == U_WB_MIDNUMLET || wb == U_WB_SINGLE_QUOTE;
  };
  for (std::size_t k = 1; k < bases.size(); ++k) {
    const bool separator = k + 1 < bases.size() && is_separator(bases[k].word_break) &&
                           bases[k - 1].word_break == U_WB_NUMERIC &&
                           bases[k + 1].word_break == U_WB_NUMERIC;
    const bool after_separator = k >= 2 && is_separator(bases[k - 1].word_break) &&
                                 bases[k - 2].word_break == U_WB_NUMERIC &&
                                 bases[k].word_break == U_WB_NUMERIC;
    if (separator || after_separator || bases[k].dictionary != bases[k - 1].dictionary) {
      cutter.Cut(bases[k].begin);
    }
  }
}

// Tokens of text[begin, end) by ICU's word iterator, refined.
void IcuTokens(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>* out) {
  const std::string_view chunk = text.substr(begin, end - begin);
  if (!IsValidUtf8(chunk)) {
    UnitTokens(text, begin, end, out);
    return;
  }
  icu_break::Iterators& iterators = icu_break::Iterators::ForThisThread();
  icu::BreakIterator* words = iterators.Words(chunk);
  ChunkCutter cutter(text, begin, chunk.size(), iterators, out);
  if (words == nullptr) {  // No ICU data: one token per character.
    for (std::size_t pos = 1; pos <= chunk.size(); ++pos) {
      if (IsCharBoundary(chunk, pos)) cutter.Cut(pos);
    }
    return;
  }
  std::size_t word = 0;
  for (int32_t b = words->next(); b != icu::BreakIterator::DONE; b = words->next()) {
    const auto boundary = static_cast<std::size_t>(b);
    RefineWord(chunk, word, boundary, cutter);
    cutter.Cut(boundary);
    word = boundary;
  }
  cutter.Cut(chunk.size());
}

std::size_t NextAnchor(std::string_view text, std::size_t pos, std::size_t end) {
  while (pos < end && !IsAnchorInside(text, pos)) ++pos;
  return std::min(pos, end);
}

}  // namespace

bool IsAnchor(std::string_view text, std::size_t pos) {
  if (pos == 0 || pos >= text.size()) return true;
  const auto before = static_cast<unsigned char>(text[pos - 1]);
  // 、 and 。 are E3 80 81 and E3 80 82.
  const bool ideographic = pos >= 3 && (before == 0x81 || before == 0x82) &&
                           text[pos - 2] == '\x80' && text[pos - 3] == '\xE3';
  if (before != ' ' && before != '\t' && before != '\n' && !ideographic) return false;
  const auto at = static_cast<unsigned char>(text[pos]);
  if (at < 0x80) return !(before == ' ' && at == ' ');
  if (IsContinuation(at)) return false;
  const Utf8Char ch = FirstChar(text.substr(pos));
  if (ch.length == 0) return true;  // Cut into units anyway.
  const auto c = static_cast<UChar32>(ch.code_point);
  const int wb = Property(c, UCHAR_WORD_BREAK);
  const int cluster = Property(c, UCHAR_GRAPHEME_CLUSTER_BREAK);
  return wb != U_WB_EXTEND && wb != U_WB_FORMAT && wb != U_WB_ZWJ &&
         !(before == ' ' && wb == U_WB_WSEGSPACE) && cluster != U_GCB_EXTEND &&
         cluster != U_GCB_ZWJ && cluster != U_GCB_SPACING_MARK;
}

void Tokenize(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>* out,
              Segmenter segmenter) {
  text = text.substr(0, end);
  if (segmenter == Segmenter::kIcuOnly) {
    if (begin < end) IcuTokens(text, begin, end, out);
    return;
  }
  std::size_t pos = begin;
  while (pos < end) {
    std::size_t complex_at = end;
    const std::size_t chunk = FastTokens(text, pos, end, out, &complex_at);
    if (chunk >= end) break;
    pos = NextAnchor(text, complex_at + 1, end);
    IcuTokens(text, chunk, pos, out);
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
