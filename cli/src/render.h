// Output for the newswire CLI: human text (optionally coloured) and JSON
// lines. Private to the CLI.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>
#include <nlohmann/json.hpp>

#include "newswire/core/error.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/diff.pb.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::cli {

struct Style {
  bool color = false;
  std::string_view Red() const { return color ? "\033[31m" : ""; }
  std::string_view Green() const { return color ? "\033[32m" : ""; }
  std::string_view Bold() const { return color ? "\033[1m" : ""; }
  std::string_view Dim() const { return color ? "\033[2m" : ""; }
  std::string_view Reset() const { return color ? "\033[0m" : ""; }
};

// "2026-11-25 16:20:00 JST" in `zone` (IANA name; empty or unknown: UTC).
std::string FormatTime(const google::protobuf::Timestamp& ts, const std::string& zone);

// RFC 3339 UTC with the fraction needed, "2026-11-25T07:20:00.250Z".
std::string FormatUtc(const google::protobuf::Timestamp& ts);

// "2,841".
std::string Thousands(uint64_t n);

// A text diff as a word diff: removed text [-like this-], inserted {+like
// this+}, coloured when style.color; long unchanged runs are elided. Never
// cuts a grapheme cluster: a diff whose ops do (from an older daemon) is
// shown as DiffText would make it today.
std::string RenderTextDiff(std::string_view base, const v1::TextDiff& diff, const Style& style);

// Every change of `diff` against `base`, one line each, indented.
std::string RenderArticleDiff(const v1::Article& base, const v1::ArticleDiff& diff,
                              const Style& style);

// The article in the protobuf JSON mapping (field names as in the .proto).
nlohmann::json ArticleJson(const v1::Article& article);

nlohmann::json ErrorJson(const Error& error);

}  // namespace newswire::cli
