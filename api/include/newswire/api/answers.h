// The wire's answers as JSON, in one shape for every client: the CLI's
// `--json` lines and the HTTP gateway's REST and Server-Sent Events bodies
// are built here, so the two cannot drift apart.
//
// Articles and diffs are in the protobuf JSON mapping with the .proto field
// names (`key_points`, not `keyPoints`); hashes are lowercase hex; times are
// RFC 3339 in UTC. All functions are pure and thread-safe; the Fetch
// functions use the caller's QueryClient (one thread at a time, as it says).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/timestamp.pb.h>
#include <nlohmann/json.hpp>

#include "newswire/core/error.h"
#include "newswire/core/figures.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/diff.pb.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::api {

// RFC 3339 UTC with the fraction needed, "2026-11-25T07:20:00.250Z".
std::string FormatUtc(const google::protobuf::Timestamp& ts);

// Any message in the protobuf JSON mapping, .proto field names.
nlohmann::json ProtoJson(const google::protobuf::Message& message);

// {"code": "not_found", "message": ..., ["current_version": N]}.
nlohmann::json ErrorJson(const Error& error);

// `newswire get --json`: {article_id, version, wire_seq, wire_time, content_hash, article}.
nlohmann::json ArticleReplyJson(const v1::ArticleReply& reply);

// One line of `newswire history --json`.
nlohmann::json HistoryEntryJson(std::string_view article_id, const v1::HistoryEntry& entry);

// How an event carried its version: "full", "diff" or "delta".
const char* PayloadName(const v1::RevisionEvent& event);

// One line of `newswire tail --json` / `replay --json` (see the README).
// Holds `figures` (FiguresJson) when the delivery's figure changes are
// known: every verified revision after version 1 whose previous version
// the library held.
nlohmann::json DeliveryJson(const subscriber::Delivery& delivery);

// The figure changes of a delivery; nullopt when they cannot be known
// (version 1, unverified, or the previous version was not held).
std::optional<std::vector<core::FigureChange>> FigureChangesOf(
    const subscriber::Delivery& delivery);

// [{"change": "changed", "where": "paragraph 3", "field": "body",
//   "index": 3, "before": {"text", "value", "unit"}, "after": {...},
//   "context": "Minato shares rose … to 4,515 yen"}, ...]; `field` is the
// Article field ("headline", "key_points", "body"), `before` is absent for
// an added figure and `after` for a removed one.
nlohmann::json FiguresJson(const std::vector<core::FigureChange>& changes);

// One story of `newswire snapshot --json`: {article_id, feed, version,
// wire_seq, wire_time, content_hash, pubstatus ("usable", "withheld",
// "canceled"), killed, [article]}.
nlohmann::json SnapshotEntryJson(const v1::SnapshotEntry& entry);

// The change between two stored versions (`newswire diff`).
struct VersionDiff {
  v1::Article base;
  v1::Article result;
  v1::ArticleDiff diff;  // core::DiffArticles(base, result).
};
Result<VersionDiff> FetchDiff(subscriber::QueryClient& client, const std::string& article_id,
                              uint32_t from, uint32_t to);
// {article_id, from, to, diff_bytes, full_bytes, diff}.
nlohmann::json DiffJson(std::string_view article_id, const VersionDiff& diff);

// One key point or paragraph of the latest version, and the version (and
// its wire time) at which its current text first appeared, like `git blame`.
struct BlameLine {
  std::string kind;  // "key point" or "paragraph".
  int index = 0;     // 1-based, in the latest version.
  uint32_t since_version = 0;
  google::protobuf::Timestamp since_wire_time;
  std::string text;
};
struct Blame {
  v1::Article latest;
  std::vector<BlameLine> lines;  // Key points first, then paragraphs.
};
// Reads every version of the article. NOT_FOUND for an unknown article.
Result<Blame> FetchBlame(subscriber::QueryClient& client, const std::string& article_id);
// One line of `newswire blame --json`.
nlohmann::json BlameLineJson(std::string_view article_id, const BlameLine& line);

}  // namespace newswire::api
