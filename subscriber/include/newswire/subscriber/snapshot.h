// The wire as of a moment: every story live at an instant, at the version
// then current (killed ones included and marked by their pubstatus),
// nothing from later, read from the daemon's query service a page at a
// time (v1::GetSnapshot). A back-tester asks what a desk following some
// feeds, instruments or topics held at 16:19:59 Tokyo time; the Replayer
// can start from such a state (ReplayOptions::with_snapshot).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::subscriber {

struct SnapshotRequest {
  ChannelSelection channels;  // All empty: the whole wire.
  // The instant: revisions whose wire time is at or before it. Unset (and
  // at_wire_seq 0): now.
  std::optional<google::protobuf::Timestamp> as_of;
  uint64_t at_wire_seq = 0;    // Instead of as_of: revisions up to this wire sequence.
  bool with_articles = false;  // Fetch each story's article (checked against its hash).
  uint32_t page_size = 500;
  // On a secure daemon, what this client's key may read (GetAccess): a
  // reader of some feeds reads their feed and scoped channels in place of
  // the mixed ones (ScopeTopics). Unset: the channels as selected.
  std::optional<v1::AccessReply> access;
};

struct Snapshot {
  uint64_t wire_seq = 0;                  // Everything up to this wire sequence, nothing after.
  google::protobuf::Timestamp wire_time;  // Wire time of that sequence.
  // Each story once (a story on two followed channels is one entry), in
  // the wire order of the versions listed.
  std::vector<v1::SnapshotEntry> stories;
};

// Reads every page for every selected channel at one instant (the first
// page fixes it as a wire sequence). MALFORMED for a bad channel name,
// UNAVAILABLE when the daemon does not answer, NOT_FOUND when retention
// removed that part of the wire, DIFF_MISMATCH when an article does not
// match its content hash. Uses `client` from this thread only.
Result<Snapshot> ReadSnapshot(QueryClient& client, const SnapshotRequest& request);

}  // namespace newswire::subscriber
