// Channels: the ordered logs a revision is fanned out on.
//
// Every revision goes out on the wire channel (everything), its feed, each
// instrument and each topic, and on each instrument and topic scoped by its
// feed (`f/equities-asia/i/XTKS:9984|`): the wire, instrument and topic
// channels mix feeds, so a reader granted only some feeds follows the
// scoped ones instead, each an ordered log of its own (README "Security").
// A channel's ZeroMQ topic frame ends with '|', a byte that validation
// forbids inside names, so no channel's frame is a prefix of another's
// (`i/XNAS:NVDA|` never matches `i/XNAS:NVDAX|`, `f/eq|` never matches
// `f/eq/i/XNAS:NVDA|`: feed names hold no '/').
// Topic names are in Unicode NFC (unicode.h): TopicChannel normalises, so a
// topic typed decomposed (NFD) is the channel of the same topic precomposed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/v1/article.pb.h"

namespace newswire::core {

inline constexpr char kChannelTerminator = '|';

// Topic frame of the channel that carries every revision.
std::string WireChannel();
std::string FeedChannel(std::string_view feed);
// "i/EXCHANGE:SYMBOL|", e.g. InstrumentChannel("XTKS", "9984") is "i/XTKS:9984|".
std::string InstrumentChannel(std::string_view exchange, std::string_view symbol);
std::string TopicChannel(std::string_view topic);
// An instrument or topic channel within one feed: "f/FEED/" + `channel`,
// e.g. ScopedChannel("equities-asia", "i/XTKS:9984|") is
// "f/equities-asia/i/XTKS:9984|".
std::string ScopedChannel(std::string_view feed, std::string_view channel);
// The daemon's once-a-second v1::StatsEvent (not a revision channel).
std::string StatsChannel();
// Replication: each committed batch as a v1::ReplicatedCommit, its
// sequence the commit index (not a revision channel; followers read it).
std::string ReplicationChannel();

enum class ChannelKind {
  kWire,
  kFeed,
  kInstrument,
  kTopic,
  kScoped,
  kStats,
  kControl,
  kReplication,
  kCount
};
// The kind of a channel topic, by its prefix (kWire for anything unknown).
// kStats: "s|", or a secure daemon's stats for a set of feeds, "s|*|" (all)
// or "s|FEED,FEED|"; kControl: a secure daemon's notices to one identity,
// "c|NAME|" (a subscription to "c|" asks for them); kReplication: "r|"
// (every commit, held embargoes included: followers only).
ChannelKind KindOf(std::string_view channel);
// True when `topic` is a channel a subscriber may follow: one of the
// kinds above, ending with the terminator, at most 256 bytes.
bool IsChannelTopic(std::string_view topic);

// The name inside a feed, instrument or topic channel ("equities-asia",
// "XTKS:9984", "M&A"; for a scoped channel, its instrument's or topic's);
// empty for the others.
std::string_view ChannelName(std::string_view channel);
// The feed of a feed or scoped channel ("equities-asia"); empty for the
// others, which mix feeds.
std::string_view FeedOf(std::string_view channel);
// A scoped channel's instrument or topic channel ("i/XTKS:9984|"); the
// channel itself for the others.
std::string_view Unscoped(std::string_view channel);

// Every channel `article` goes out on: the wire channel, its feed, its
// instruments, its topics, then its scoped instruments and topics.
std::vector<std::string> ChannelsOf(const v1::Article& article);

}  // namespace newswire::core

namespace newswire::core {

// A fan-out message is three frames: [channel topic][channel sequence as 8
// bytes big-endian][encoded v1::RevisionEvent]. An empty third frame is a
// heartbeat: the sequence is then the channel's latest, so a subscriber can
// tell a quiet channel from a lost last message.
inline constexpr std::size_t kSequenceFrameBytes = 8;

std::string EncodeSequence(uint64_t sequence);
// Nullopt unless `frame` is exactly 8 bytes.
std::optional<uint64_t> DecodeSequence(std::string_view frame);

}  // namespace newswire::core
