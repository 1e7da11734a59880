// Splitting text into the tokens the diff engine compares. Private to core.
//
// Tokens are the words of UAX #29 (Unicode Text Segmentation) as ICU's word
// break iterator finds them, with its dictionaries for scripts written
// without spaces (Thai, Lao, Khmer, Myanmar, Chinese, Japanese), and three
// refinements for diffing:
//  - a number's separators are tokens of their own ("4,515" is 4 , 515),
//    so a corrected figure changes only the digits that changed;
//  - a dictionary script's letters never join digits or other scripts'
//    letters (ICU glues "ขึ้น3.2" together; here it is ขึ้น 3 . 2);
//  - a token never ends inside an extended grapheme cluster (🇯🇵, 👍🏿,
//    👨‍👩‍👧, e + U+0301), so no diff op ever splits a character a reader sees.
// White space runs (UAX #29 WB3d) and punctuation are tokens too.
//
// Text made only of "simple" characters (Latin, Greek, Cyrillic and other
// space-separated letters, digits, common punctuation and spaces, lone CJK
// ideographs: nothing that combines, joins or needs a dictionary) is
// segmented by a hand-written loop that gives exactly ICU's answer (the
// tests compare the two) many times faster. Other text goes to ICU one chunk at a time: chunks end
// at anchors (see IsAnchor), which no segmentation rule looks across.
//
// Invalid UTF-8 is never passed to ICU: a chunk holding any is cut into
// "units" (a byte that is not a continuation byte plus the continuation
// bytes after it), so cutting between tokens still never splits a
// character, whatever the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace newswire::core::text {

// True when a token boundary at `pos` does not depend on the text on either
// side beyond the two characters around it: 0 and text.size(), and a
// position after a space, tab, newline, 、 or 。 where the next character
// starts a new grapheme cluster and word (it is not a combining mark, a
// joiner, a format character, a continuation byte, or a space after a
// space). Tokenising text[x, y) between two anchors gives exactly the
// tokens the whole text has there.
bool IsAnchor(std::string_view text, std::size_t pos);

struct Token {
  uint32_t begin;  // Byte offsets into the whole text.
  uint32_t end;
  uint64_t hash;  // Of the token's bytes; equal bytes give equal hashes.
};

enum class Segmenter {
  kFastest,  // The simple-character loop where it applies, ICU per chunk elsewhere.
  kIcuOnly,  // ICU over the whole range (tests compare the two).
};

// Appends the tokens of text[begin, end) to `out`. `begin` and `end` must
// be anchors of `text`.
void Tokenize(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>* out,
              Segmenter segmenter = Segmenter::kFastest);

// A fast non-cryptographic hash; callers still compare bytes on a match.
uint64_t HashBytes(std::string_view bytes);

}  // namespace newswire::core::text
