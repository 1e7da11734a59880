// The live fan-out: the XPUB socket and what the daemon knows of its
// subscribers. Sends each committed revision on every channel it belongs
// to, heartbeats on subscribed channels (a welcome one at each subscribe),
// and the stats channel. Ingest thread only. Private.
//
// Lossy by design at the high-water mark (never XPUB_NODROP): a slow
// subscriber loses messages, sees the sequence gap and repairs it from the
// query service, and cannot stall the wire for everyone else.
//
// Bounded per subscriber by bytes as well as by messages: ZeroMQ counts a
// queue in messages, so the high-water mark is set from a byte budget and
// the size of recent events (at once when a larger event comes, slowly as
// they shrink), and a stuck subscriber holds at most about `queue_bytes`.
// A subscription message is at most kMaxSubscriptionBytes (ZeroMQ drops
// the connection of a peer that sends a larger one); one that names no
// channel of ours is ignored and counted.
//
// On a secure daemon a SubscriptionGate decides every subscription
// (ZMQ_XPUB_MANUAL: nothing reaches a connection unless the gate applies
// it), with the primitives below.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include <zmq.hpp>

#include "metrics.h"
#include "newswire/store/revision_store.h"

namespace newswire::daemon {

class SubscriptionGate;

class Fanout {
 public:
  static constexpr int64_t kMaxSubscriptionBytes = 512;

  // `hwm`: most messages queued per subscriber; `queue_bytes`: the byte
  // budget that lowers it for large events. `release_memory` (may be null)
  // is called, at most every 10 s, from ReleaseMemory.
  Fanout(zmq::context_t& context, const store::RevisionStore& store, Metrics& metrics, int hwm,
         std::size_t queue_bytes, std::function<void()> release_memory);

  zmq::socket_t& socket() { return socket_; }
  // Hands every subscription to `gate` (ZMQ_XPUB_MANUAL). Before binding.
  void Guard(SubscriptionGate* gate);

  // One encoded event, shared by every channel's message without copying.
  void Send(const store::Committed& committed);
  // A commit on the replication channel (sequence: its commit index).
  void SendCommit(uint64_t commit, const std::string& replicated_commit);
  // Whether some subscriber follows `channel` (the replication channel:
  // whether a follower listens).
  bool Wants(const std::string& channel) const { return subscribed_.count(channel) > 0; }
  // The stats channel's next event (its own sequence).
  void SendStats(const std::string& stats_event);

  // Handler: subscriptions arrived.
  void OnSubscriptions();
  // A subscriber left: what its queue held may go back to the system.
  void ReleaseMemory();
  // A heartbeat on every subscribed channel.
  void SendHeartbeats();

  // For the gate. The subscription message read last came from one
  // connection: apply `topic` to it (or remove it).
  void SubscribeLast(const std::string& topic);
  void UnsubscribeLast(const std::string& topic);
  // Periodic heartbeats on `channel`, or none.
  void Follow(const std::string& channel, bool followed);
  void SendHeartbeat(const std::string& channel);
  // One message [channel][seq][payload].
  void SendOn(const std::string& channel, uint64_t seq, const std::string& payload);
  uint64_t stats_seq() const { return stats_seq_; }
  // Closes every connection at once (they reconnect and subscribe again):
  // unbinds the endpoint, waits for its listener to close (`await_closed`
  // returns once the socket monitor said so), binds it again. UNAVAILABLE
  // if it cannot be bound again.
  Result<void> Cut(const std::function<void()>& await_closed);

 private:
  uint64_t LastSeq(const std::string& channel) const;
  void FitQueue(std::size_t event_bytes);

  const store::RevisionStore& store_;
  Metrics& metrics_;
  zmq::socket_t socket_;
  std::set<std::string> subscribed_;
  uint64_t stats_seq_ = 0;
  const int max_hwm_;
  const std::size_t queue_bytes_;
  double event_bytes_ = 512;  // Recent event size, the HWM's divisor.
  int hwm_ = 0;               // As set on the socket.
  std::function<void()> release_memory_;
  std::chrono::steady_clock::time_point released_{};
  SubscriptionGate* gate_ = nullptr;
};

}  // namespace newswire::daemon
