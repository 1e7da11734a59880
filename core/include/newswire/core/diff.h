// The diff engine: the change between two versions of an article.
//
// Diffs are exact: every op count is checked against the base when applied,
// so applying a diff to the wrong base fails with DIFF_MISMATCH and returns
// nothing rather than wrong text. Text edits never split a UTF-8 character.
// All functions are pure and safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "newswire/core/error.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/diff.pb.h"

namespace newswire::core {

// Edit turning `base` into `result`; both must be valid UTF-8.
v1::TextDiff DiffText(std::string_view base, std::string_view result);

// Applies `diff` to `base`; DIFF_MISMATCH if it does not fit exactly.
Result<std::string> ApplyTextDiff(std::string_view base, const v1::TextDiff& diff);

// Diff turning normalised article `base` into normalised article `result`.
v1::ArticleDiff DiffArticles(const v1::Article& base, const v1::Article& result);

// Applies `diff` to `base`; DIFF_MISMATCH if it does not fit exactly.
Result<v1::Article> ApplyArticleDiff(const v1::Article& base, const v1::ArticleDiff& diff);

}  // namespace newswire::core
