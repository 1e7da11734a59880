// Key layout of the RocksDB column families. Integers are big-endian so
// that RocksDB's byte order is numeric order. Article ids never hold 0x00
// (validation allows only printable ASCII), so "id 0x00 ..." keys of one
// article are contiguous and never interleave with another's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "newswire/core/bytes.h"

namespace newswire::store::keys {

using core::GetBigEndian;
using core::PutBigEndian;

// Wire times are stored as unsigned with the sign bit flipped, so times
// before 1970 still sort first.
inline uint64_t TimeKey(int64_t ns) { return static_cast<uint64_t>(ns) ^ (1ULL << 63); }
inline int64_t TimeFromKey(uint64_t key) { return static_cast<int64_t>(key ^ (1ULL << 63)); }

inline std::string ArticlePrefix(std::string_view article_id) {
  std::string key(article_id);
  key.push_back('\0');
  return key;
}

// revisions: article id, 0x00, version (4 bytes) -> StoredRevision.
inline std::string Revision(std::string_view article_id, uint32_t version) {
  std::string key = ArticlePrefix(article_id);
  PutBigEndian(key, version, 4);
  return key;
}

// article_times: article id, 0x00, wire time (8), version (4) -> "".
inline std::string ArticleTime(std::string_view article_id, int64_t wire_time_ns,
                               uint32_t version) {
  std::string key = ArticlePrefix(article_id);
  PutBigEndian(key, TimeKey(wire_time_ns), 8);
  PutBigEndian(key, version, 4);
  return key;
}

// log: wire sequence (8) -> LogEntry.
inline std::string Log(uint64_t wire_seq) {
  std::string key;
  PutBigEndian(key, wire_seq, 8);
  return key;
}

// wire_times: wire time (8), wire sequence (8) -> "".
inline std::string WireTime(int64_t wire_time_ns, uint64_t wire_seq) {
  std::string key;
  PutBigEndian(key, TimeKey(wire_time_ns), 8);
  PutBigEndian(key, wire_seq, 8);
  return key;
}

// channels: channel topic, first channel sequence (8) -> the wire sequences
// (8 bytes each) of that channel sequence and the ones right after it: one
// run per channel and batch, so a batch adds one entry per channel it
// touches, not one per revision and channel. Topics end with '|', which
// names never hold, so channels never interleave. The wire channel has no
// entries: its sequence is the wire sequence.
inline std::string Channel(std::string_view channel, uint64_t channel_seq) {
  std::string key(channel);
  PutBigEndian(key, channel_seq, 8);
  return key;
}

// feed_heads: feed, 0x00, article id -> Head.
inline std::string FeedHead(std::string_view feed, std::string_view article_id) {
  std::string key(feed);
  key.push_back('\0');
  key.append(article_id);
  return key;
}

// embargoes: embargo time (8), arrival counter (8) -> HeldPublish.
inline std::string Held(int64_t embargo_ns, uint64_t counter) {
  std::string key;
  PutBigEndian(key, TimeKey(embargo_ns), 8);
  PutBigEndian(key, counter, 8);
  return key;
}

// idempotency: publisher id, 0x00, publisher key -> PublishAck, IdempotencyDigest.
inline std::string Idempotency(std::string_view publisher_id, std::string_view key) {
  std::string out(publisher_id);
  out.push_back('\0');
  out.append(key);
  return out;
}

// meta: "wire-cut" -> WireCut; "article-cut/" + id -> ArticleCut.
inline constexpr std::string_view kWireCut = "wire-cut";
inline constexpr std::string_view kArticleCutPrefix = "article-cut/";

// meta: "channel-head/" + channel topic -> last channel sequence (8).
inline constexpr std::string_view kChannelHeadPrefix = "channel-head/";

// meta: "quarantine/" + family name + "/" + key -> a record that did not
// parse, moved aside instead of deleted (verify reports them).
inline constexpr std::string_view kQuarantinePrefix = "quarantine/";

}  // namespace newswire::store::keys
