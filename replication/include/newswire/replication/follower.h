// The follower side of replication: copies an upstream daemon's commits
// (a primary's, or another follower's) into this node's store, byte for
// byte, then hands what each commit made visible to the caller's fan-out.
//
// The zguide's Clone pattern on one channel: the follower subscribes to the
// upstream's replication channel "r|" (sequence = commit index), and the
// welcome heartbeat tells it the upstream's newest commit. Live commits
// that follow the last one held are written as they come (several at once
// when they queue up); anything missed (joining late, a restart, a drop at
// the high-water mark, a lost last message revealed by a heartbeat) is read
// in pages from the upstream's query service (ReadCommits, the next page
// asked for while one is written) and written before anything newer. A
// commit is fanned out only once it is durable here.
//
// On a secure wire the follower connects with CURVE (FollowerOptions::curve)
// as a client of the upstream whose key has the replica role there: the
// replication channel, ReadCommits and ReportPosition are for replicas
// only.
//
// The follower stops copying, with the reason in its status and the log,
// rather than hold a log with a hole: when the upstream no longer holds
// the commits it needs (retention), when a commit does not continue this
// store's log (another wire, or a diverged primary), or when the upstream
// refuses it (its key, or its role). Reactor thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "newswire/core/error.h"
#include "newswire/replication/status.h"
#include "newswire/security/curve.h"
#include "newswire/store/revision_store.h"

namespace newswire::replication {

struct FollowerOptions {
  std::string upstream;  // Hub of the daemon to copy, tcp://HOST:PORT.
  std::chrono::milliseconds query_timeout{5000};
  uint32_t page_commits = 256;  // Commits per catch-up page.
  int receive_hwm = 100000;     // Live commits queued before ZeroMQ drops.
  std::string name;             // Reported with this node's position upstream.
  // CURVE to a secure upstream (--follow-key, --follow-server-key): this
  // node's key (a replica in the upstream's access file) and the upstream's
  // public key. Unset: none.
  std::optional<security::CurveClient> curve;
};

class Follower {
 public:
  // Called with the revisions of the commits just made durable, in wire
  // order (Committed::event is the event exactly as the upstream sent it).
  using Deliver = std::function<void(std::vector<store::Committed>)>;

  // Connects (lazily, as ZeroMQ does) to the upstream's fan-out and query
  // service. MALFORMED for a bad upstream address.
  static Result<std::unique_ptr<Follower>> Create(zmq::context_t& context,
                                                  const FollowerOptions& options,
                                                  store::RevisionStore& store,
                                                  ReplicationStatus& status, Deliver deliver);
  virtual ~Follower() = default;

  // Reactor sources: live commits and heartbeats; connection events.
  virtual zmq::socket_t& socket() = 0;
  virtual zmq::socket_t& monitor() = 0;
  virtual void OnMessages() = 0;
  virtual void OnMonitorEvents() = 0;
  // After each reactor round: one catch-up page when behind.
  virtual void CatchUp() = 0;

  // Why the follower stopped copying; empty while it copies.
  virtual const std::string& stopped() const = 0;
  // It stopped because this store's log is not a prefix of the upstream's:
  // an old primary that wrote past what the new one holds.
  virtual bool diverged() const = 0;

  // Failover (README "Failover"): copies from `upstream` from now on (the
  // new primary), first checking that this store's newest commit is the
  // upstream's commit of the same index; "" pauses copying (this node is
  // the primary). The upstream given at Create may be "" too.
  virtual void Retarget(const std::string& upstream) = 0;
  virtual const std::string& upstream() const = 0;

 protected:
  Follower() = default;
};

}  // namespace newswire::replication
