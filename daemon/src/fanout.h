// The live fan-out: the XPUB socket and what the daemon knows of its
// subscribers. Sends each committed revision on every channel it belongs
// to, heartbeats on subscribed channels (a welcome one at each subscribe),
// and the stats channel. Ingest thread only. Private.
//
// Lossy by design at the high-water mark (never XPUB_NODROP): a slow
// subscriber loses messages, sees the sequence gap and repairs it from the
// query service, and cannot stall the wire for everyone else.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <zmq.hpp>

#include "metrics.h"
#include "newswire/store/revision_store.h"

namespace newswire::daemon {

class Fanout {
 public:
  Fanout(zmq::context_t& context, const store::RevisionStore& store, Metrics& metrics, int hwm);

  zmq::socket_t& socket() { return socket_; }
  zmq::socket_t& monitor() { return monitor_; }
  // Starts counting connections (after the socket is bound).
  Result<void> Monitor();

  // One encoded event, shared by every channel's message without copying.
  void Send(const store::Committed& committed);
  // The stats channel's next event (its own sequence).
  void SendStats(const std::string& stats_event);

  // Handlers: subscriptions arrived; connections came or went.
  void OnSubscriptions();
  void OnMonitorEvents();
  // A heartbeat on every subscribed channel.
  void SendHeartbeats();

 private:
  void SendHeartbeat(const std::string& channel);
  uint64_t LastSeq(const std::string& channel) const;

  const store::RevisionStore& store_;
  Metrics& metrics_;
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  std::set<std::string> subscribed_;
  uint64_t stats_seq_ = 0;
};

}  // namespace newswire::daemon
