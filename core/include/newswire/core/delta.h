// Binary deltas between versions: a version's canonical encoding compressed
// with zstd, using the previous version's canonical encoding as the
// dictionary (zstd's reference prefix). Unchanged text costs a few bytes of
// match references and new text is entropy-coded, so a typical update is
// smaller as a delta than as a structured diff; the daemon sends whichever
// is smaller. Safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "newswire/core/error.h"

namespace newswire::core {

// The delta turning canonical bytes `base` into canonical bytes `result`.
std::string EncodeDelta(std::string_view base, std::string_view result);

// `result` back from `delta` and the same `base`. DIFF_MISMATCH when the
// delta is not a zstd frame of exactly `result_bytes` bytes (or not one made
// against this base, as far as decoding can tell: the content hash decides),
// or claims more than kLargestArticleBytes (nothing is allocated for it).
Result<std::string> DecodeDelta(std::string_view base, std::string_view delta,
                                std::size_t result_bytes);

}  // namespace newswire::core
