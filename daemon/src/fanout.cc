#include "fanout.h"

#include <atomic>
#include <cstring>

#include "newswire/core/channel.h"
#include "newswire/core/sync_point.h"
#include "newswire/security/curve.h"
#include "security/subscription_gate.h"

namespace newswire::daemon {

Fanout::Fanout(zmq::context_t& context, const store::RevisionStore& store, Metrics& metrics,
               int hwm, std::size_t queue_bytes, std::function<void()> release_memory)
    : store_(store),
      metrics_(metrics),
      socket_(context, zmq::socket_type::xpub),
      max_hwm_(std::max(hwm, 1)),
      queue_bytes_(std::max<std::size_t>(queue_bytes, 1)),
      release_memory_(std::move(release_memory)) {
  socket_.set(zmq::sockopt::linger, 0);
  // Every subscribe reaches us, so each new subscriber gets its welcome
  // heartbeat.
  socket_.set(zmq::sockopt::xpub_verbose, 1);
  socket_.set(zmq::sockopt::maxmsgsize, kMaxSubscriptionBytes);
  FitQueue(static_cast<std::size_t>(event_bytes_));
}

// Sets the high-water mark so that a full queue holds about queue_bytes_ of
// events this size: at once for a larger event, and as the recent size
// drifts. ZeroMQ applies a new mark to the queues that exist too.
void Fanout::FitQueue(std::size_t event_bytes) {
  const double size = static_cast<double>(event_bytes);
  event_bytes_ = size > event_bytes_ ? size : event_bytes_ * 0.999 + size * 0.001;
  const double fit = static_cast<double>(queue_bytes_) / std::max(event_bytes_, 64.0);
  const int hwm = static_cast<int>(std::clamp(fit, 16.0, static_cast<double>(max_hwm_)));
  if (hwm_ != 0 && hwm * 5 > hwm_ * 4 && hwm * 4 < hwm_ * 5) return;  // Within 25%: leave it.
  socket_.set(zmq::sockopt::sndhwm, hwm);
  hwm_ = hwm;
  metrics_.fanout_hwm.store(hwm, std::memory_order_relaxed);
}

void Fanout::Send(const store::Committed& committed) {
  for (const auto& channel : committed.channels) {
    metrics_.fanout[static_cast<std::size_t>(core::KindOf(channel))].fetch_add(
        1, std::memory_order_relaxed);
  }
  // A test may damage what goes out, as a corrupted frame would arrive.
  static const std::string kDamaged(8, '\xff');
  const std::string& bytes = NEWSWIRE_SYNC_POINT("fanout.damage") ? kDamaged : committed.event;
  FitQueue(bytes.size() + 64);  // The event and its two small frames.
  zmq::message_t event(bytes.data(), bytes.size());
  for (std::size_t i = 0; i < committed.channels.size(); ++i) {
    zmq::message_t payload;
    payload.copy(event);  // A reference count, not a copy of the bytes.
    socket_.send(zmq::buffer(committed.channels[i]), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(core::EncodeSequence(committed.channel_seqs[i])),
                 zmq::send_flags::sndmore);
    socket_.send(payload, zmq::send_flags::none);
  }
}

void Fanout::SendCommit(uint64_t commit, const std::string& replicated_commit) {
  socket_.send(zmq::buffer(core::ReplicationChannel()), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(core::EncodeSequence(commit)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(replicated_commit), zmq::send_flags::none);
}

void Fanout::SendStats(const std::string& stats_event) {
  socket_.send(zmq::buffer(core::StatsChannel()), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(core::EncodeSequence(++stats_seq_)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(stats_event), zmq::send_flags::none);
}

void Fanout::Guard(SubscriptionGate* gate) {
  gate_ = gate;
  socket_.set(zmq::sockopt::xpub_manual, 1);
}

void Fanout::OnSubscriptions() {
  while (true) {
    zmq::message_t message;
    if (!socket_.recv(message, zmq::recv_flags::dontwait)) return;
    if (gate_) {
      gate_->OnMessage(*this, message);
      continue;
    }
    auto bytes = message.to_string_view();
    if (bytes.empty()) continue;
    std::string channel(bytes.substr(1));
    if (!core::IsChannelTopic(channel)) {
      // ZeroMQ applied it anyway (it filters, we cannot refuse): nothing
      // ever matches it, so it costs the peer's own queue only.
      metrics_.refused_subscriptions.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (bytes[0] == 1) {
      subscribed_.insert(channel);
      SendHeartbeat(channel);
    } else if (bytes[0] == 0) {
      subscribed_.erase(channel);  // Only the last unsubscribe reaches us.
    }
  }
}

void Fanout::SendHeartbeats() {
  for (const auto& channel : subscribed_) SendHeartbeat(channel);
}

// A heartbeat carries the channel's latest sequence, so a subscriber can
// tell a quiet channel from a lost last message. The stats channel counts
// its own events.
uint64_t Fanout::LastSeq(const std::string& channel) const {
  if (core::KindOf(channel) == core::ChannelKind::kStats) return stats_seq_;
  if (channel == core::ReplicationChannel()) return store_.LastCommit();
  return store_.LastChannelSeq(channel);
}

void Fanout::SendHeartbeat(const std::string& channel) {
  socket_.send(zmq::buffer(channel), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(core::EncodeSequence(LastSeq(channel))), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t(), zmq::send_flags::none);
  metrics_.heartbeats.fetch_add(1, std::memory_order_relaxed);
}

// A subscriber that leaves frees what its queue held; the allocator keeps
// freed pages for reuse unless told to give them back.
void Fanout::ReleaseMemory() {
  if (!release_memory_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - released_ < std::chrono::seconds(10)) return;
  released_ = now;
  release_memory_();
}

void Fanout::SubscribeLast(const std::string& topic) {
  socket_.set(zmq::sockopt::subscribe, topic);
}

void Fanout::UnsubscribeLast(const std::string& topic) {
  socket_.set(zmq::sockopt::unsubscribe, topic);
}

void Fanout::Follow(const std::string& channel, bool followed) {
  if (followed) {
    subscribed_.insert(channel);
  } else {
    subscribed_.erase(channel);
  }
}

void Fanout::SendOn(const std::string& channel, uint64_t seq, const std::string& payload) {
  socket_.send(zmq::buffer(channel), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(core::EncodeSequence(seq)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(payload), zmq::send_flags::none);
}

// Unbinding ends the listener and with it every connection it accepted;
// ZeroMQ clients reconnect by themselves and subscribe again. The listener
// closes on an I/O thread: bind again only once it has (an ipc listener
// closing late would remove the new socket file).
Result<void> Fanout::Cut(const std::function<void()>& await_closed) {
  const std::string endpoint = socket_.get(zmq::sockopt::last_endpoint);
  try {
    socket_.unbind(endpoint);
  } catch (const zmq::error_t& e) {
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "cannot unbind " + endpoint + ": " + e.what());
  }
  await_closed();
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "cannot bind " + endpoint + " again: " + e.what());
  }
  return {};
}

}  // namespace newswire::daemon
