// Splitting text into the tokens the diff engine compares. Private to core.
//
// Text is read as "units": a byte that is not a UTF-8 continuation byte plus
// the continuation bytes after it (a run of continuation bytes at offset 0 is
// a unit of its own). In valid UTF-8 a unit is one code point; in invalid
// input it is still a span whose start IsCharBoundary() accepts, so cutting
// between units never splits a character whatever the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace newswire::core::text {

// How a unit joins its neighbours into tokens.
enum class CharClass : uint8_t {
  kWord,    // Letters and digits of space-separated scripts; a run is one token.
  kSpace,   // White space; a run is one token.
  kSingle,  // Punctuation, CJK, emoji, other symbols, invalid bytes: one each.
};

// End of the unit starting at `pos` (pos < text.size()).
std::size_t UnitEnd(std::string_view text, std::size_t pos);

// Start of the unit that ends at `pos` (0 < pos <= text.size()).
std::size_t UnitStartBefore(std::string_view text, std::size_t pos);

// Class of one unit; a unit that is not one valid code point is kSingle.
CharClass ClassifyUnit(std::string_view unit);

// True when a token starts or ends at `pos` in `text` (0 and size() count).
bool IsTokenBoundary(std::string_view text, std::size_t pos);

struct Token {
  uint32_t begin;  // Byte offsets into the whole text.
  uint32_t end;
  uint64_t hash;  // Of the token's bytes; equal bytes give equal hashes.
};

// Appends the tokens of text[begin, end) to `out`. `begin` and `end` should
// be token boundaries; tokens never cross `end`.
void Tokenize(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>* out);

// A fast non-cryptographic hash; callers still compare bytes on a match.
uint64_t HashBytes(std::string_view bytes);

}  // namespace newswire::core::text
