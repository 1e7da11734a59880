#include "newswire/subscriber/subscriber.h"

#include <map>
#include <set>
#include <unordered_map>

#include <zmq.hpp>

#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/diff.h"
#include "newswire/core/hub.h"
#include "newswire/subscriber/query_client.h"

namespace newswire::subscriber {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::vector<std::string>> ChannelTopics(const SubscriberOptions& options) {
  std::vector<std::string> topics;
  auto bad = [](const std::string& what, const std::string& name) {
    return Fail(v1::ERROR_CODE_MALFORMED, what + " '" + name + "' is not valid");
  };
  for (const auto& feed : options.feeds) {
    if (feed.empty() || feed.find(core::kChannelTerminator) != std::string::npos) {
      return bad("feed", feed);
    }
    topics.push_back(core::FeedChannel(feed));
  }
  for (const auto& instrument : options.instruments) {
    auto colon = instrument.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == instrument.size() ||
        instrument.find(core::kChannelTerminator) != std::string::npos) {
      return bad("instrument (expected MIC:SYMBOL, e.g. XTKS:9984)", instrument);
    }
    topics.push_back(
        core::InstrumentChannel(instrument.substr(colon + 1), instrument.substr(0, colon)));
  }
  for (const auto& topic : options.topics) {
    if (topic.empty() || topic.find(core::kChannelTerminator) != std::string::npos) {
      return bad("topic", topic);
    }
    topics.push_back(core::TopicChannel(topic));
  }
  if (topics.empty()) topics.push_back(core::WireChannel());
  return topics;
}

class ZmqSubscriber final : public Subscriber {
 public:
  ZmqSubscriber(const SubscriberOptions& options, const core::HubEndpoints& hub,
                std::vector<std::string> channels, std::unique_ptr<QueryClient> query)
      : options_(options), hub_(hub), channels_(std::move(channels)), query_(std::move(query)) {}

  Result<void> Start() {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvhwm, 100000);
    socket_.connect(hub_.fanout);
    for (const auto& channel : channels_) socket_.set(zmq::sockopt::subscribe, channel);

    // The daemon answers each subscription with a heartbeat carrying the
    // channel's head: once every channel has one, the wire is joined.
    const auto deadline = Clock::now() + options_.connect_timeout;
    while (last_seq_.size() < channels_.size()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        return Fail(v1::ERROR_CODE_UNAVAILABLE,
                    "no heartbeat from " + hub_.fanout + " within " +
                        std::to_string(options_.connect_timeout.count()) +
                        " ms (is newswired running?)");
      }
      auto frames = ReceiveFrames(left);
      if (!frames) return Fail(frames.error());
      if (!frames->has_value()) continue;
      auto notice = Handle(std::move(**frames));
      if (notice) pending_.push_back(std::move(*notice));
    }
    return {};
  }

  Result<std::optional<Notice>> Next(std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (!pending_.empty()) {
        Notice notice = std::move(pending_.front());
        pending_.erase(pending_.begin());
        return notice;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return std::optional<Notice>();
      auto frames = ReceiveFrames(left);
      if (!frames) return Fail(frames.error());
      if (!frames->has_value()) return std::optional<Notice>();
      auto notice = Handle(std::move(**frames));
      if (notice) return notice;
    }
  }

 private:
  struct Frames {
    std::string channel;
    uint64_t seq = 0;
    zmq::message_t payload;
    std::size_t bytes = 0;
  };

  // One fan-out message, or nullopt on timeout. Malformed messages are
  // skipped: nothing a peer sends may stop the subscriber.
  Result<std::optional<Frames>> ReceiveFrames(std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, timeout) == 0) return std::optional<Frames>();
      std::vector<zmq::message_t> parts;
      zmq::message_t part;
      do {
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
        parts.push_back(std::move(part));
      } while (parts.back().more());
      if (parts.size() != 3) return std::optional<Frames>();
      auto seq = core::DecodeSequence(parts[1].to_string_view());
      if (!seq) return std::optional<Frames>();
      Frames frames;
      frames.channel = parts[0].to_string();
      frames.seq = *seq;
      frames.bytes = parts[0].size() + parts[1].size() + parts[2].size();
      frames.payload = std::move(parts[2]);
      return std::optional<Frames>(std::move(frames));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return std::optional<Frames>();
      return Fail(v1::ERROR_CODE_UNAVAILABLE, std::string("receiving: ") + e.what());
    }
  }

  // Sequencing: first contact sets the baseline; older or repeated sequences
  // are dropped; a jump is reported as a gap.
  std::optional<Notice> Handle(Frames frames) {
    const bool heartbeat = frames.payload.size() == 0;
    auto it = last_seq_.find(frames.channel);
    if (it == last_seq_.end()) {
      last_seq_[frames.channel] = frames.seq - (heartbeat ? 0 : 1);
      it = last_seq_.find(frames.channel);
    }
    uint64_t& last = it->second;
    std::optional<Notice> gap_notice;
    if (heartbeat) {
      if (frames.seq <= last) return std::nullopt;
      // A heartbeat ahead of us: the last message(s) were lost.
      Notice notice;
      notice.gap = Gap{frames.channel, last + 1, frames.seq};
      last = frames.seq;
      return notice;
    }
    if (frames.seq <= last) return std::nullopt;  // Already seen on this channel.
    if (frames.seq > last + 1) {
      Notice notice;
      notice.gap = Gap{frames.channel, last + 1, frames.seq - 1};
      pending_.push_back(std::move(notice));
    }
    last = frames.seq;

    v1::RevisionEvent event;
    if (!event.ParseFromArray(frames.payload.data(), static_cast<int>(frames.payload.size()))) {
      return std::nullopt;
    }
    if (delivered_.count(event.wire_seq())) return std::nullopt;  // Copy from another channel.
    delivered_.insert(event.wire_seq());
    while (delivered_.size() > 100000) delivered_.erase(delivered_.begin());

    Notice notice;
    notice.revision = Rebuild(std::move(event), frames);
    if (!pending_.empty()) {
      pending_.push_back(std::move(notice));
      Notice first = std::move(pending_.front());
      pending_.erase(pending_.begin());
      return first;
    }
    return notice;
  }

  Delivery Rebuild(v1::RevisionEvent event, const Frames& frames) {
    Delivery d;
    d.channel = frames.channel;
    d.channel_seq = frames.seq;
    d.event_bytes = frames.bytes;
    if (event.has_full()) {
      d.article = event.full();
    } else {
      auto held = held_.find(event.article_id());
      if (held == held_.end() || held->second.version() + 1 != event.version()) {
        d.problem = held == held_.end() ? "base version not held"
                                        : "held version " + std::to_string(held->second.version()) +
                                              " is not the base";
      } else if (auto rebuilt = core::ApplyArticleDiff(held->second, event.diff()); rebuilt) {
        d.article = std::move(*rebuilt);
      } else {
        d.problem = rebuilt.error().ToString();
      }
    }
    d.verified = d.problem.empty() && core::ContentHash(d.article) == event.content_hash();
    if (!d.verified) {
      if (d.problem.empty()) d.problem = "content hash mismatch";
      Repair(event, d);
    }
    if (d.verified) held_[event.article_id()] = d.article;
    d.event = std::move(event);
    return d;
  }

  // The diff did not fit: fetch the full version from the store.
  void Repair(const v1::RevisionEvent& event, Delivery& d) {
    d.repaired = true;
    auto reply = query_->GetArticle(event.article_id(), event.version());
    if (!reply) {
      d.problem += "; repair failed: " + reply.error().ToString();
      return;
    }
    d.article = reply->article();
    d.verified = core::ContentHash(d.article) == event.content_hash();
    if (!d.verified) d.problem += "; stored version does not match the event hash";
  }

  SubscriberOptions options_;
  core::HubEndpoints hub_;
  std::vector<std::string> channels_;
  std::unique_ptr<QueryClient> query_;
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::sub};
  std::unordered_map<std::string, uint64_t> last_seq_;  // Per channel.
  std::unordered_map<std::string, v1::Article> held_;   // Article id -> latest.
  std::set<uint64_t> delivered_;                        // Recent wire seqs.
  std::vector<Notice> pending_;
};

}  // namespace

Result<std::unique_ptr<Subscriber>> Subscriber::Connect(const SubscriberOptions& options) {
  auto hub = core::ParseHub(options.hub);
  if (!hub) return Fail(hub.error());
  auto channels = ChannelTopics(options);
  if (!channels) return Fail(channels.error());
  auto query = QueryClient::Connect(options.hub, options.query_timeout);
  if (!query) return Fail(query.error());
  auto subscriber =
      std::make_unique<ZmqSubscriber>(options, *hub, std::move(*channels), std::move(*query));
  if (auto ok = subscriber->Start(); !ok) return Fail(ok.error());
  return std::unique_ptr<Subscriber>(std::move(subscriber));
}

}  // namespace newswire::subscriber
