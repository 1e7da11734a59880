// Key layout of the RocksDB column families. Integers are big-endian so
// that RocksDB's byte order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace newswire::store::keys {

inline void PutBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

inline uint64_t GetBigEndian(std::string_view in) {
  uint64_t value = 0;
  for (char c : in) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

// revisions: article id, 0x00, version (4 bytes). Ids never hold 0x00, so
// one article's revisions are contiguous and in version order.
inline std::string RevisionPrefix(std::string_view article_id) {
  std::string key(article_id);
  key.push_back('\0');
  return key;
}

inline std::string Revision(std::string_view article_id, uint32_t version) {
  std::string key = RevisionPrefix(article_id);
  PutBigEndian(key, version, 4);
  return key;
}

// log: wire sequence (8 bytes).
inline std::string Log(uint64_t wire_seq) {
  std::string key;
  PutBigEndian(key, wire_seq, 8);
  return key;
}

// channels: channel topic, channel sequence (8 bytes). Topics end
// with '|', so one channel's keys never interleave with another's.
inline std::string Channel(std::string_view channel, uint64_t channel_seq) {
  std::string key(channel);
  PutBigEndian(key, channel_seq, 8);
  return key;
}

// idempotency: publisher id, 0x00, publisher key.
inline std::string Idempotency(std::string_view publisher_id, std::string_view key) {
  std::string out(publisher_id);
  out.push_back('\0');
  out.append(key);
  return out;
}

// meta: "channel-head/" + channel topic -> last channel sequence (8 bytes).
inline constexpr std::string_view kChannelHeadPrefix = "channel-head/";

}  // namespace newswire::store::keys
