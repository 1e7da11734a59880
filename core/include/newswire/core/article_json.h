// Articles read from JSON: the protobuf JSON mapping of newswire.v1.Article
// (what `newswire publish` reads), strictly.
//
// protobuf's JSON parser takes the last of two equal keys and merges a field
// given under both its names (`key_points` and `keyPoints`), so a second
// "urgency" would silently turn a story into a flash. This decoder first
// reads the text with nlohmann/json's SAX parser, which sees every key, and
// refuses what is ambiguous; then protobuf converts it. Pure and thread-safe.
#pragma once

#include <string_view>

#include "newswire/core/error.h"
#include "newswire/v1/article.pb.h"

namespace newswire::core {

// The article in `json`, or INVALID_ARTICLE saying why, naming the key where
// there is one:
// - text that is not JSON (including invalid UTF-8);
// - a key given twice in one object, under the same or the other name of
//   the field ("urgency" twice; "key_points" and "keyPoints"), at any depth;
// - a time (`firstcreated`, `versioncreated`, `embargoed`) that is not RFC
//   3339, is more precise than nanoseconds, or lies outside 0001..9999;
// - an unknown key, or a value of the wrong type (protobuf's own checks).
// The article is not validated (see NormalizeAndValidate).
Result<v1::Article> ArticleFromJson(std::string_view json);

}  // namespace newswire::core
