#include "newswire/core/channel.h"

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

std::string InstrumentChannel(std::string_view symbol, std::string_view exchange) {
  std::string name(exchange);
  name.push_back(':');
  name.append(symbol);
  return Make("i/", name);
}

std::string TopicChannel(std::string_view topic) { return Make("t/", topic); }

std::vector<std::string> ChannelsOf(const v1::Article& article) {
  std::vector<std::string> channels;
  channels.reserve(2 + static_cast<std::size_t>(article.instruments_size()) +
                   static_cast<std::size_t>(article.topics_size()));
  channels.push_back(WireChannel());
  channels.push_back(FeedChannel(article.feed()));
  for (const auto& instrument : article.instruments()) {
    channels.push_back(InstrumentChannel(instrument.symbol(), instrument.exchange()));
  }
  for (const auto& topic : article.topics()) {
    channels.push_back(TopicChannel(topic));
  }
  return channels;
}

}  // namespace newswire::core

namespace newswire::core {

std::string EncodeSequence(uint64_t sequence) {
  std::string frame(kSequenceFrameBytes, '\0');
  for (std::size_t i = 0; i < kSequenceFrameBytes; ++i) {
    frame[kSequenceFrameBytes - 1 - i] = static_cast<char>((sequence >> (8 * i)) & 0xFF);
  }
  return frame;
}

std::optional<uint64_t> DecodeSequence(std::string_view frame) {
  if (frame.size() != kSequenceFrameBytes) return std::nullopt;
  uint64_t sequence = 0;
  for (char c : frame) sequence = (sequence << 8) | static_cast<unsigned char>(c);
  return sequence;
}

}  // namespace newswire::core
