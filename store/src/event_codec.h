// The one encoder of v1::RevisionEvent, for the live wire (a publish), the
// stored log entry and pages rebuilt from older revision records: all three
// must be byte for byte the same event. Private to store/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace newswire::store {

// Every field of an event but its payload.
struct EventHeader {
  std::string_view article_id;
  uint32_t version = 0;
  uint64_t wire_seq = 0;
  std::string_view wire_time;  // Encoded google.protobuf.Timestamp.
  std::string_view content_hash;
  std::string_view base_hash;  // Empty for version 1.
  uint32_t full_bytes = 0;
  uint64_t epoch = 0;  // The committing primary's term (0: no cluster).
};

// Fields 1-7, then `payload` as field `payload_field` (RevisionEvent's
// kFull-, kDiff- or kDeltaFieldNumber, already encoded), then the epoch
// (field 11): what a deterministic serialisation of the parsed event gives.
std::string EncodeEvent(const EventHeader& header, int payload_field, std::string_view payload);

}  // namespace newswire::store
