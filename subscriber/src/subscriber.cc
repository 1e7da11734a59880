#include "newswire/subscriber/subscriber.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <deque>
#include <unordered_map>

#include <zmq.hpp>

#include "hub_failover.h"
#include "log_merger.h"
#include "newswire/core/channel.h"
#include "newswire/core/clock.h"
#include "newswire/core/hub.h"
#include "newswire/core/socket_monitor.h"
#include "newswire/core/time.h"
#include "newswire/core/utf8.h"
#include "newswire/subscriber/query_client.h"
#include "rebuilder.h"
#include "term_fence.h"

namespace newswire::subscriber {

RebuiltArticle::RebuiltArticle() : RebuiltArticle(std::string()) {}

RebuiltArticle::RebuiltArticle(std::string canonical)
    : canonical_(std::make_shared<const std::string>(std::move(canonical))) {}

RebuiltArticle::RebuiltArticle(v1::Article article, std::string canonical)
    : canonical_(std::make_shared<const std::string>(std::move(canonical))),
      article_(std::move(article)) {
  std::call_once(parsed_, [] {});
}

const v1::Article& RebuiltArticle::article() const {
  // Only bytes whose hash matched get here (or none); a daemon that hashed
  // something that is not an article would leave it empty.
  std::call_once(parsed_, [this] {
    if (!article_.ParseFromString(*canonical_)) article_.Clear();
  });
  return article_;
}

const std::shared_ptr<const RebuiltArticle>& Delivery::Nothing() {
  static const auto* const kEmpty = new std::shared_ptr<const RebuiltArticle>(
      std::make_shared<const RebuiltArticle>());  // Never destroyed: outlives every Delivery.
  return *kEmpty;
}

bool Delivery::correction() const {
  const auto& signals = article().signals();
  return std::find(signals.begin(), signals.end(), v1::SIGNAL_CORRECTION) != signals.end();
}

Result<std::vector<std::string>> ChannelTopics(const ChannelSelection& selection) {
  std::vector<std::string> topics;
  auto bad = [](const std::string& what, const std::string& name) {
    return Fail(v1::ERROR_CODE_MALFORMED, what + " '" + name + "' is not valid");
  };
  auto usable = [](const std::string& name) {
    return !name.empty() && name.find(core::kChannelTerminator) == std::string::npos;
  };
  for (const auto& feed : selection.feeds) {
    if (!usable(feed)) return bad("feed", feed);
    topics.push_back(core::FeedChannel(feed));
  }
  for (const auto& instrument : selection.instruments) {
    auto colon = instrument.find(':');
    if (!usable(instrument) || colon == std::string::npos || colon == 0 ||
        colon + 1 == instrument.size()) {
      return bad("instrument (expected MIC:SYMBOL, e.g. XTKS:9984)", instrument);
    }
    topics.push_back(
        core::InstrumentChannel(instrument.substr(0, colon), instrument.substr(colon + 1)));
  }
  for (const auto& topic : selection.topics) {
    // Articles' topics are one-line text; TopicChannel brings the name to
    // NFC as ingest does, so either normalisation form reaches the channel.
    if (!usable(topic) || core::CheckTextBytes(topic, false) != core::TextFault::kNone) {
      return bad("topic", topic);
    }
    topics.push_back(core::TopicChannel(topic));
  }
  if (topics.empty()) topics.push_back(core::WireChannel());
  return topics;
}

Result<std::vector<std::string>> ScopeTopics(const std::vector<std::string>& topics,
                                             const v1::AccessReply& access) {
  if (access.read().all()) return topics;
  if (access.read().feeds().empty()) {
    return Fail(v1::ERROR_CODE_UNAUTHORIZED,
                access.identity() + " may read no feed (it is not a subscriber)");
  }
  std::vector<std::string> scoped;
  auto add = [&](std::string topic) {
    if (std::find(scoped.begin(), scoped.end(), topic) == scoped.end()) {
      scoped.push_back(std::move(topic));
    }
  };
  for (const auto& topic : topics) {
    switch (core::KindOf(topic)) {
      case core::ChannelKind::kWire:
        for (const auto& feed : access.read().feeds()) add(core::FeedChannel(feed));
        break;
      case core::ChannelKind::kInstrument:
      case core::ChannelKind::kTopic:
        for (const auto& feed : access.read().feeds()) add(core::ScopedChannel(feed, topic));
        break;
      default: add(topic);
    }
  }
  return scoped;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

// The wire sequences delivered lately, for de-duplicating copies of one
// revision that arrive on several channels: one bit per sequence in a
// sliding window below the highest seen (no allocation per delivery).
class RecentWireSeqs {
 public:
  bool Contains(uint64_t seq) const {
    return seq <= high_ && high_ - seq < kWindow && bits_[seq % kWindow];
  }
  void Insert(uint64_t seq) {
    if (seq > high_) {
      if (seq - high_ >= kWindow) {
        bits_.reset();
      } else {
        for (uint64_t s = high_ + 1; s < seq; ++s) bits_[s % kWindow] = false;
      }
      high_ = seq;
    } else if (high_ - seq >= kWindow) {
      return;  // Older than the window: copies arrive close together.
    }
    bits_[seq % kWindow] = true;
  }

 private:
  static constexpr uint64_t kWindow = uint64_t{1} << 18;
  std::bitset<kWindow> bits_;
  uint64_t high_ = 0;
};

std::chrono::milliseconds Left(SteadyClock::time_point deadline) {
  return std::max(
      std::chrono::milliseconds(0),
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()));
}

// One live fan-out message.
struct Frames {
  std::string channel;
  uint64_t seq = 0;
  zmq::message_t payload;  // Empty: a heartbeat.
  std::size_t bytes = 0;
};

class ZmqSubscriber final : public Subscriber {
 public:
  ZmqSubscriber(const SubscriberOptions& options, const core::HubEndpoints& hub,
                std::vector<std::string> channels, std::unique_ptr<QueryClient> query)
      : options_(options),
        hub_(hub),
        channels_(std::move(channels)),
        query_(std::move(query)),
        rebuilder_(query_.get(), options.max_held_articles) {}

  Result<void> Start() {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
    if (options_.curve) security::ApplyCurveClient(socket_, *options_.curve);
    if (options_.receive_buffer_bytes > 0) {
      socket_.set(zmq::sockopt::rcvbuf, options_.receive_buffer_bytes);
    }
    const std::string monitor_address =
        "inproc://newswire-subscriber-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    if (zmq_socket_monitor(
            socket_.handle(), monitor_address.c_str(),
            ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | security::kHandshakeEvents) != 0) {
      return Fail(v1::ERROR_CODE_INTERNAL, "cannot monitor the subscriber socket");
    }
    monitor_.connect(monitor_address);
    socket_.connect(hub_.fanout);
    // First, so that a refusal of what follows can reach us: a secure
    // daemon applies "c|" as this key's own control channel.
    if (options_.curve) socket_.set(zmq::sockopt::subscribe, "c|");
    for (const auto& channel : channels_) socket_.set(zmq::sockopt::subscribe, channel);

    // The daemon answers each subscription with a heartbeat carrying the
    // channel's head: once every channel has one, the wire is joined and
    // the heads say where history ends and live begins.
    const auto deadline = SteadyClock::now() + options_.connect_timeout;
    while (last_seq_.size() < channels_.size()) {
      if (Left(deadline).count() == 0) {
        if (suspected_) return Fail(*suspected_);  // A handshake that broke off.
        return Fail(v1::ERROR_CODE_UNAVAILABLE,
                    "no heartbeat from " + hub_.fanout + " within " +
                        std::to_string(options_.connect_timeout.count()) +
                        " ms (is newswired running?)");
      }
      auto frames = ReceiveFrames(Left(deadline));
      if (!frames) return Fail(frames.error());
      if (failure_) return Fail(*failure_);
      if (!*frames) continue;
      if (IsNotice(**frames)) {
        HandleNotice(**frames);
        for (const auto& notice : pending_) {  // A subscription refused.
          if (auto* denied = std::get_if<AccessDenied>(&notice)) {
            return Fail(v1::ERROR_CODE_UNAUTHORIZED, denied->channel + ": " + denied->reason);
          }
        }
        continue;
      }
      // XPUB may apply a subscription before the daemon reads it, so a
      // revision can precede its channel's welcome heartbeat: it confirms
      // the channel too, and the baseline is just before it.
      const bool heartbeat = (*frames)->payload.size() == 0;
      if (!last_seq_.count((*frames)->channel)) {
        last_seq_[(*frames)->channel] = (*frames)->seq - (heartbeat ? 0 : 1);
      }
      if (!heartbeat) early_.push_back(std::move(**frames));
    }
    if (options_.since_wire_seq || options_.since_time) {
      std::vector<uint64_t> ends;
      for (const auto& channel : channels_)
        ends.push_back(std::max<uint64_t>(1, last_seq_[channel]));
      LogMerger::Start start{options_.since_wire_seq.value_or(0), options_.since_time};
      bool any_history = false;
      for (const auto& channel : channels_) any_history |= last_seq_[channel] > 0;
      if (any_history) merger_.emplace(*query_, channels_, start, ends);
    }
    return {};
  }

  Result<std::optional<Notice>> Next(std::chrono::milliseconds timeout) override {
    const auto deadline = SteadyClock::now() + timeout;
    while (true) {
      if (failure_) {
        auto failure = std::move(*failure_);
        failure_.reset();
        return Fail(std::move(failure));
      }
      if (!pending_.empty()) {
        Notice notice = std::move(pending_.front());
        pending_.pop_front();
        return std::optional(std::move(notice));
      }
      if (merger_) {
        if (auto ok = CatchUpOne(); !ok) return Fail(ok.error());
        continue;
      }
      if (!early_.empty()) {
        Frames frames = std::move(early_.front());
        early_.pop_front();
        Handle(std::move(frames));
        continue;
      }
      auto frames = ReceiveFrames(Left(deadline));
      if (!frames) return Fail(frames.error());
      if (*frames) {
        Handle(std::move(**frames));
      } else if (pending_.empty() && SteadyClock::now() >= deadline) {
        return std::optional<Notice>();
      }
    }
  }

  uint64_t last_delivered_wire_seq() const override { return last_delivered_; }

  Lag lag() const override {
    Lag lag;
    for (const auto& [channel, announced] : announced_) {
      auto seen = last_seq_.find(channel);
      uint64_t handled = seen == last_seq_.end() ? 0 : seen->second;
      if (announced > handled) lag.sequences_behind += announced - handled;
    }
    lag.last_delivery_lag = last_lag_;
    return lag;
  }

 private:
  // One fan-out message or connection event; nullopt on timeout or after a
  // connection event (queued as a notice). Malformed messages are skipped:
  // nothing a peer sends may stop the subscriber.
  Result<std::optional<Frames>> ReceiveFrames(std::chrono::milliseconds timeout) {
    try {
      // A busy stream is read without a poll (a system call) per message;
      // connection events are looked at when it pauses, and at least every
      // kMonitorEvery messages.
      if (++since_monitor_check_ >= kMonitorEvery) {
        since_monitor_check_ = 0;
        while (HandleMonitorEvent()) {
        }
      }
      zmq::message_t first;
      if (!socket_.recv(first, zmq::recv_flags::dontwait)) {
        zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                   {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
        if (zmq::poll(items, 2, timeout) == 0) return std::optional<Frames>();
        if (items[1].revents & ZMQ_POLLIN) HandleMonitorEvent();
        if (!(items[0].revents & ZMQ_POLLIN)) return std::optional<Frames>();
        if (!socket_.recv(first, zmq::recv_flags::dontwait)) return std::optional<Frames>();
      }
      // [channel][sequence][payload]; anything else is read to its end and dropped.
      zmq::message_t parts[3];
      std::size_t count = 0;
      for (zmq::message_t part = std::move(first);;) {
        const bool more = part.more();
        if (count < 3) parts[count] = std::move(part);
        ++count;
        if (!more || !socket_.recv(part, zmq::recv_flags::dontwait)) break;
      }
      if (count != 3) return std::optional<Frames>();
      auto seq = core::DecodeSequence(parts[1].to_string_view());
      if (!seq) return std::optional<Frames>();
      Frames frames;
      frames.channel = parts[0].to_string();
      frames.seq = *seq;
      frames.bytes = parts[0].size() + parts[1].size() + parts[2].size();
      frames.payload = std::move(parts[2]);
      return std::optional(std::move(frames));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return std::optional<Frames>();
      return Fail(v1::ERROR_CODE_UNAVAILABLE, std::string("receiving: ") + e.what());
    }
  }

  // Reads one connection event, if there is one; false when there was none.
  bool HandleMonitorEvent() {
    zmq::message_t event, address;
    if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return false;
    if (event.more()) (void)monitor_.recv(address, zmq::recv_flags::dontwait);
    const uint16_t id = core::MonitorEventId(event.to_string_view());
    if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      suspected_.reset();
      broken_off_ = 0;
    } else if (auto failure =
                   security::HandshakeFailure(id, core::MonitorEventValue(event.to_string_view()),
                                              hub_.fanout, options_.curve.has_value())) {
      // A handshake that broke off may be a daemon restarting; certain
      // once it keeps happening.
      broken_off_ = id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ? broken_off_ + 1 : 0;
      if (security::IsDefiniteFailure(id) || broken_off_ >= 3) {
        failure_ = std::move(failure);
      } else {
        suspected_ = std::move(failure);
      }
      return true;
    }
    if (id != ZMQ_EVENT_CONNECTED && id != ZMQ_EVENT_DISCONNECTED) return true;
    const bool connected = id == ZMQ_EVENT_CONNECTED;
    if (!ever_connected_) {  // The first connect is not news.
      ever_connected_ = connected_ = connected;
      return true;
    }
    if (connected == connected_) return true;
    connected_ = connected;
    pending_.push_back(ConnectionChange{connected, hub_.fanout});
    return true;
  }

  // A secure daemon's notice on this identity's control channel.
  static bool IsNotice(const Frames& frames) {
    return core::KindOf(frames.channel) == core::ChannelKind::kControl;
  }

  // A channel followed that the daemon refused or cut: it is reported once
  // and no longer followed (nor asked for again at a reconnect).
  void HandleNotice(const Frames& frames) {
    v1::AccessNotice notice;
    if (!notice.ParseFromArray(frames.payload.data(), static_cast<int>(frames.payload.size()))) {
      return;
    }
    auto followed = std::find(channels_.begin(), channels_.end(), notice.channel());
    if (followed == channels_.end()) return;
    channels_.erase(followed);
    last_seq_.erase(notice.channel());
    announced_.erase(notice.channel());
    socket_.set(zmq::sockopt::unsubscribe, notice.channel());
    pending_.push_back(AccessDenied{notice.channel(), notice.reason()});
  }

  // Sequencing per channel: first contact sets the baseline; older or
  // repeated sequences are dropped; a jump is filled from the store first.
  void Handle(Frames frames) {
    if (IsNotice(frames)) {
      HandleNotice(frames);
      return;
    }
    const bool heartbeat = frames.payload.size() == 0;
    uint64_t& announced = announced_[frames.channel];
    announced = std::max(announced, frames.seq);
    auto [it, first] = last_seq_.try_emplace(frames.channel, frames.seq - (heartbeat ? 0 : 1));
    const uint64_t last = it->second;
    if (heartbeat) {
      // A heartbeat ahead of us: the last message(s) were lost.
      if (frames.seq > last) Recover(frames.channel, last + 1, frames.seq);
      return;
    }
    if (frames.seq <= last) return;  // Already seen on this channel.
    if (frames.seq > last + 1) Recover(frames.channel, last + 1, frames.seq - 1);
    v1::RevisionEvent event;
    if (!event.ParseFromArray(frames.payload.data(), static_cast<int>(frames.payload.size()))) {
      // Damaged on the way: fetch that sequence from the store as if it
      // had been lost (a Gap if even that fails), never drop it silently.
      Recover(frames.channel, frames.seq, frames.seq);
      return;
    }
    last_seq_[frames.channel] = frames.seq;
    if (IsDelivered(event.wire_seq())) return;  // A copy from another channel.
    Delivery delivery = rebuilder_.Rebuild(std::move(event), nullptr);
    delivery.channel = std::move(frames.channel);
    delivery.channel_seq = frames.seq;
    delivery.event_bytes = frames.bytes;
    Deliver(std::move(delivery));
  }

  // Fills channel sequences first..last from the query service, in order;
  // what cannot be had is reported as a Gap.
  void Recover(const std::string& channel, uint64_t first, uint64_t last) {
    uint64_t next = first;
    std::string reason;
    while (next <= last) {
      v1::ReadLog request;
      if (channel != core::WireChannel()) request.set_channel(channel);
      request.set_from_seq(next);
      request.set_limit(static_cast<uint32_t>(std::min<uint64_t>(last - next + 1, 1000)));
      request.set_with_full(true);
      auto page = query_->ReadLog(request);
      if (!page) {
        reason = page.error().ToString();
        break;
      }
      if (page->records().empty() || page->records(0).seq() != next) {
        reason = "the store does not hold them";
        break;
      }
      for (auto& record : *page->mutable_records()) {
        if (record.seq() != next || next > last) break;
        ++next;
        if (IsDelivered(record.event().wire_seq())) continue;
        Delivery delivery = rebuilder_.Rebuild(record);
        delivery.channel = channel;
        delivery.channel_seq = record.seq();
        delivery.recovered = true;
        Deliver(std::move(delivery));
      }
    }
    if (next <= last) pending_.push_back(Gap{channel, next, last, reason});
    uint64_t& seen = last_seq_[channel];
    seen = std::max(seen, last);
  }

  Result<void> CatchUpOne() {
    auto record = merger_->Next();
    if (!record) return Fail(record.error());
    if (!*record) {
      merger_.reset();  // History done; live from here.
      return {};
    }
    if (IsDelivered((*record)->event().wire_seq())) return {};
    Delivery delivery = rebuilder_.Rebuild(**record);
    delivery.recovered = true;
    Deliver(std::move(delivery));
    return {};
  }

  bool IsDelivered(uint64_t wire_seq) const { return delivered_.Contains(wire_seq); }

  void Deliver(Delivery delivery) {
    const uint64_t wire_seq = delivery.event.wire_seq();
    if (!fence_.Admit(delivery.event.epoch(), wire_seq)) {
      pending_.push_back(Gap{delivery.channel, delivery.channel_seq, delivery.channel_seq,
                             "wire sequence " + std::to_string(wire_seq) + " came in epoch " +
                                 std::to_string(delivery.event.epoch()) + ", older than epoch " +
                                 std::to_string(fence_.epoch()) + ": a fenced primary's"});
      return;
    }
    delivery.lag = std::chrono::nanoseconds(core::SystemClock().NowNs() -
                                            core::ToClockNs(delivery.event.wire_time()));
    last_lag_ = delivery.lag;
    delivered_.Insert(wire_seq);
    last_delivered_ = std::max(last_delivered_, wire_seq);
    pending_.push_back(std::move(delivery));
  }

  SubscriberOptions options_;
  core::HubEndpoints hub_;
  std::vector<std::string> channels_;
  std::unique_ptr<QueryClient> query_;
  Rebuilder rebuilder_;
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::sub};
  zmq::socket_t monitor_{context_, zmq::socket_type::pair};
  bool connected_ = false;
  bool ever_connected_ = false;
  std::optional<Error> failure_;                         // A failed handshake not yet reported.
  std::optional<Error> suspected_;                       // One that broke off, maybe for a moment.
  int broken_off_ = 0;                                   // Handshakes that broke off in a row.
  std::unordered_map<std::string, uint64_t> last_seq_;   // Per channel: handled.
  std::unordered_map<std::string, uint64_t> announced_;  // Per channel: latest seen.
  std::chrono::nanoseconds last_lag_{0};
  RecentWireSeqs delivered_;
  TermFence fence_;
  uint64_t last_delivered_ = 0;
  std::optional<LogMerger> merger_;  // While catching up.
  std::deque<Frames> early_;         // Live messages that came during Connect.
  std::deque<Notice> pending_;
  static constexpr int kMonitorEvery = 1000;
  int since_monitor_check_ = 0;  // Messages read since the monitor was.
};

}  // namespace

Result<std::unique_ptr<Subscriber>> Subscriber::Connect(const SubscriberOptions& options) {
  if (options.hub.find(',') != std::string::npos) return ConnectToAnyHub(options);
  auto hub = core::ParseHub(options.hub);
  if (!hub) return Fail(hub.error());
  auto channels = ChannelTopics(options.channels);
  if (!channels) return Fail(channels.error());
  if (options.since_time) {
    if (auto ok = core::CheckTimestamp("since_time", *options.since_time); !ok)
      return Fail(ok.error());
  }
  auto query = QueryClient::Connect(options.hub, options.query_timeout, options.curve);
  if (!query) return Fail(query.error());
  if (options.curve) {
    // What this key may read decides which channels stand for the selection.
    auto access = (*query)->GetAccess();
    if (!access) return Fail(access.error());
    auto scoped = ScopeTopics(*channels, *access);
    if (!scoped) return Fail(scoped.error());
    channels = std::move(scoped);
  }
  auto subscriber =
      std::make_unique<ZmqSubscriber>(options, *hub, std::move(*channels), std::move(*query));
  if (auto ok = subscriber->Start(); !ok) return Fail(ok.error());
  return std::unique_ptr<Subscriber>(std::move(subscriber));
}

}  // namespace newswire::subscriber
