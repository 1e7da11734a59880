// Unicode rules shared by validation, channels, the diff engine and the
// CLI, on ICU: canonical normalisation (NFC), extended grapheme clusters
// and terminal display width.
//
// Text on the wire is NFC (W3C Character Model for the World Wide Web:
// String Matching, "Unicode Normalization Form C"): ingest brings every text
// field and channel name to NFC, so canonically equivalent strings (an
// accent typed precomposed or as a combining mark, ガ or カ + U+3099) are
// the same bytes, the same content hash and the same channel.
//
// All functions take well-formed UTF-8 unless said otherwise, are pure and
// safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace newswire::core {

// True when `text` is already NFC. ASCII costs a word-at-a-time scan; other
// text ICU's quick check, which seldom has to normalise to decide.
bool IsNfc(std::string_view text);

// Brings `text` to NFC in place; returns true when that changed it. Text
// that is not well-formed UTF-8 is left as it is (validation refuses it).
bool NormalizeToNfc(std::string& text);

// `text` in NFC (a copy; see NormalizeToNfc).
std::string ToNfc(std::string_view text);

// Byte offsets where the extended grapheme clusters of `text` (UAX #29:
// what a reader sees as one character, e.g. 🇯🇵, 👍🏿, 👨‍👩‍👧, e + U+0301)
// begin, then text.size(); {0} for empty text. Invalid UTF-8 counts as one
// cluster per ill-formed sequence.
std::vector<std::size_t> GraphemeBoundaries(std::string_view text);

// Columns one grapheme cluster takes on a terminal: its characters' East
// Asian Width (UAX #11: Wide and Fullwidth take 2, others 1), not counting
// marks, format characters, emoji modifiers and whatever a zero width
// joiner glues on; a flag (two regional indicators) and an emoji with the
// presentation selector U+FE0F take 2.
int ClusterWidth(std::string_view cluster);

// Columns `text` takes: the sum of its clusters' widths.
int DisplayWidth(std::string_view text);

// `text` when it fits in `columns`; otherwise its longest prefix of whole
// grapheme clusters that fits in `columns` with `ellipsis` after it. Never
// ends inside a character or a cluster.
std::string TruncateToWidth(std::string_view text, int columns, std::string_view ellipsis = "...");

}  // namespace newswire::core
