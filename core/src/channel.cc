#include "newswire/core/channel.h"

#include "newswire/core/bytes.h"
#include "newswire/core/unicode.h"

namespace newswire::core {
namespace {

std::string Make(std::string_view kind, std::string_view name) {
  std::string topic;
  topic.reserve(kind.size() + name.size() + 1);
  topic.append(kind).append(name).push_back(kChannelTerminator);
  return topic;
}

}  // namespace

std::string WireChannel() { return Make("w", ""); }

std::string FeedChannel(std::string_view feed) { return Make("f/", feed); }

std::string InstrumentChannel(std::string_view exchange, std::string_view symbol) {
  std::string name(exchange);
  name.push_back(':');
  name.append(symbol);
  return Make("i/", name);
}

std::string TopicChannel(std::string_view topic) {
  // Articles' topics are NFC already (ingest); a subscriber's may not be.
  return IsNfc(topic) ? Make("t/", topic) : Make("t/", ToNfc(topic));
}

std::string ScopedChannel(std::string_view feed, std::string_view channel) {
  std::string topic;
  topic.reserve(3 + feed.size() + channel.size());
  topic.append("f/").append(feed).push_back('/');
  topic.append(channel);
  return topic;
}

std::string StatsChannel() { return Make("s", ""); }
std::string ReplicationChannel() { return Make("r", ""); }

ChannelKind KindOf(std::string_view channel) {
  if (channel.starts_with("f/")) {
    const auto end = channel.find_first_of("/|", 2);
    return end != std::string_view::npos && channel[end] == '/' ? ChannelKind::kScoped
                                                                : ChannelKind::kFeed;
  }
  if (channel.starts_with("i/")) return ChannelKind::kInstrument;
  if (channel.starts_with("t/")) return ChannelKind::kTopic;
  if (channel.starts_with("s|")) return ChannelKind::kStats;
  if (channel.starts_with("c|")) return ChannelKind::kControl;
  if (channel.starts_with("r|")) return ChannelKind::kReplication;
  return ChannelKind::kWire;
}

bool IsChannelTopic(std::string_view topic) {
  if (topic.empty() || topic.size() > 256 || topic.back() != kChannelTerminator) return false;
  if (topic == "w|" || topic == "s|" || topic == "r|") return true;
  return (topic.starts_with("f/") || topic.starts_with("i/") || topic.starts_with("t/")) &&
         topic.size() > 3 && topic.find(kChannelTerminator) == topic.size() - 1;
}

std::string_view ChannelName(std::string_view channel) {
  switch (KindOf(channel)) {
    case ChannelKind::kFeed:
    case ChannelKind::kInstrument:
    case ChannelKind::kTopic:
      return channel.size() >= 3 ? channel.substr(2, channel.size() - 3) : std::string_view();
    case ChannelKind::kScoped: return ChannelName(Unscoped(channel));
    default: return {};
  }
}

std::string_view FeedOf(std::string_view channel) {
  switch (KindOf(channel)) {
    case ChannelKind::kFeed: return ChannelName(channel);
    case ChannelKind::kScoped: return channel.substr(2, channel.find('/', 2) - 2);
    default: return {};
  }
}

std::string_view Unscoped(std::string_view channel) {
  if (KindOf(channel) != ChannelKind::kScoped) return channel;
  return channel.substr(channel.find('/', 2) + 1);
}

std::vector<std::string> ChannelsOf(const v1::Article& article) {
  std::vector<std::string> channels;
  const std::size_t mixed = static_cast<std::size_t>(article.instruments_size()) +
                            static_cast<std::size_t>(article.topics_size());
  channels.reserve(2 + 2 * mixed);
  channels.push_back(WireChannel());
  channels.push_back(FeedChannel(article.feed()));
  for (const auto& instrument : article.instruments()) {
    channels.push_back(InstrumentChannel(instrument.exchange(), instrument.symbol()));
  }
  for (const auto& topic : article.topics()) {
    channels.push_back(TopicChannel(topic));
  }
  for (std::size_t i = 2; i < 2 + mixed; ++i) {
    channels.push_back(ScopedChannel(article.feed(), channels[i]));
  }
  return channels;
}

}  // namespace newswire::core

namespace newswire::core {

std::string EncodeSequence(uint64_t sequence) {
  std::string frame;
  frame.reserve(kSequenceFrameBytes);
  PutBigEndian(frame, sequence, kSequenceFrameBytes);
  return frame;
}

std::optional<uint64_t> DecodeSequence(std::string_view frame) {
  if (frame.size() != kSequenceFrameBytes) return std::nullopt;
  return GetBigEndian(frame);
}

}  // namespace newswire::core
