// The article model: validation, canonical encoding and content hash.
//
// All functions are pure and safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/core/error.h"
#include "newswire/v1/article.pb.h"

namespace newswire::core {

// Validates a publisher's article and brings it to canonical form in place:
// defaults filled in (urgency 5, pubstatus usable), every text field
// (headline, key points, body, ednote, byline, source, topics) in Unicode
// NFC (see unicode.h), signals, instruments and topics sorted and
// de-duplicated, `version` cleared. Text must be valid UTF-8 without control
// characters; one-line fields (all but key points and body) without line
// breaks either (utf8.h, CheckTextBytes). The canonical bytes and content
// hash are those of the result, so a story re-sent in another normalisation
// form is the same text. On error the article
// may be partly normalised; callers discard it. Returns INVALID_ARTICLE with
// the offending field named.
Result<void> NormalizeAndValidate(v1::Article& article);

// The largest canonical article a daemon may be configured to accept
// (max_article_bytes); anything claiming more is refused before it is read.
inline constexpr std::size_t kLargestArticleBytes = 64u << 20;

// The canonical encoding: deterministic protobuf serialisation of a
// normalised article. Equal articles give equal bytes.
std::string CanonicalBytes(const v1::Article& article);

// SHA-256 of `bytes`, 32 raw bytes (OpenSSL: SHA-NI where the CPU has it).
// Any thread; each thread reuses one digest context.
std::string Sha256(std::string_view bytes);

// Whether `digest` is the SHA-256 of `bytes`: the check a subscriber makes
// on every delivery, without allocating the digest. Any thread.
bool Sha256Matches(std::string_view bytes, std::string_view digest);

// SHA-256 of the canonical encoding of `article`.
std::string ContentHash(const v1::Article& article);

// Lower-case hex of raw bytes ("a1b2...").
std::string Hex(std::string_view bytes);

}  // namespace newswire::core
