// Entitlements on the live fan-out of a secure daemon. The XPUB socket runs
// with ZMQ_XPUB_MANUAL, so ZeroMQ applies no subscription by itself: every
// subscribe comes here with the User-Id of its connection, and is applied
// to that connection only if its identity may read the channel
// (Viewer::MayReadChannel): a feed channel or a feed-scoped channel of a
// granted feed, or, for a reader of every feed, the mixed channels (the
// wire, instruments, topics). A subscription to the stats channel "s|" is
// applied as "s|*|" (every figure) for operators and readers of every
// feed, and as "s|FEED,FEED|" (that interval's figures for those feeds
// only) for the others: the client's own "s|" filter lets both through.
//
// The replication channel "r|" (every commit, held embargoes included) is
// applied for replicas only.
//
// A subscription to "c|" is applied as the connection's control channel
// "c|IDENTITY|", on which a refused subscription is answered with a
// v1::AccessNotice saying why. One that names no channel at all is
// refused too (and counted as the open daemon counts it). A reload that narrows what a connected
// identity may read closes every fan-out connection at once (Fanout::Cut,
// since ZeroMQ cannot remove a subscription from one chosen connection):
// clients reconnect, subscribe again and are answered under the new grants.
// Ingest thread only. Private.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include <zmq.hpp>

#include "../metrics.h"
#include "../stats_channel.h"
#include "access_control.h"

namespace newswire::daemon {

class Fanout;

class SubscriptionGate {
 public:
  SubscriptionGate(AccessControl& access, Metrics& metrics);

  // A message read from the XPUB socket: a subscribe or an unsubscribe
  // from a connection (with its User-Id), or an unsubscribe for a
  // connection that closed (without).
  void OnMessage(Fanout& fanout, const zmq::message_t& message);
  // After the stats event `full`: each group's own (StatsChannel::Filtered).
  void SendGroupStats(Fanout& fanout, const StatsChannel& stats, const std::string& full);
  // After each round: when a reload narrowed what a connected identity may
  // read, tell it and close every fan-out connection.
  void CheckReload(Fanout& fanout, const std::function<void()>& await_closed);

 private:
  void Subscribe(Fanout& fanout, const Viewer& viewer, const std::string& topic);
  // The topic a subscription to `topic` is applied as ("s|" becomes the
  // viewer's stats group); empty when it may not be applied.
  std::string Applied(const Viewer& viewer, const std::string& topic);
  void Refuse(Fanout& fanout, const Viewer& viewer, const std::string& topic);
  void Notify(Fanout& fanout, const std::string& identity, const std::string& channel,
              const std::string& reason);
  bool Narrowed(const security::Identity& before, const security::Identity* after) const;

  AccessControl& access_;
  Metrics& metrics_;
  // Subscriptions alive per topic as subscribed (connections that close
  // unsubscribe what they asked for), for the heartbeats.
  std::unordered_map<std::string, uint64_t> requested_;
  // Stats topic -> its feeds ("s|*|": every figure).
  std::map<std::string, std::set<std::string, std::less<>>> groups_;
  std::unordered_map<std::string, uint64_t> notices_;  // Identity -> last notice.
  std::set<std::string> revoked_;                      // Identities the last reload narrowed.
  std::shared_ptr<const security::AccessPolicy> policy_;
  uint64_t generation_ = 0;
};

}  // namespace newswire::daemon
