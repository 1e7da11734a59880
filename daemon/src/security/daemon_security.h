// The daemon's security, in one place the rest of the daemon calls: off
// (no --access: every client may do everything; only loopback or ipc://
// unless --insecure), or on (--curve-secret-key and --access): CURVE on
// the ingest, fan-out and query services, ZAP checking every client key
// against the access file, and the grants enforced on every path:
//
//   ingest   AuthorizePublish: publishers only, to granted feeds; the
//            revision records the authenticated identity as its publisher
//   fan-out  SubscriptionGate (ZMQ_XPUB_MANUAL)
//   query    GuardQuery (query_guard.h)
//   stats    a stats group per set of feeds (SubscriptionGate)
//   HTTP     SeesAllFigures: /metrics and /healthz's figures for operators
//   upstream a follower's own CURVE key for the daemon it copies
//
// Reloads (SIGHUP through RequestReload, or `newswire admin reload`) put
// a new access file in force for every request from then on; the ingest
// thread applies them to the fan-out after each round. Threads as each
// method says. Private.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "../fanout.h"
#include "../metrics.h"
#include "../stats_channel.h"
#include "access_control.h"
#include "newswire/daemon/wire_daemon.h"
#include "newswire/security/curve.h"
#include "newswire/security/keys.h"
#include "newswire/store/revision_store.h"
#include "subscription_gate.h"
#include "zap_handler.h"

namespace newswire::daemon {

class DaemonSecurity {
 public:
  // Reads the key and the access file and binds the ZAP handler (before
  // any socket binds). MALFORMED for --curve-secret-key without --access or
  // the reverse, --follow-key without --follow-server-key or the reverse
  // (or without anything to follow), a secure cluster node without them,
  // the errors of the key and access files; UNAUTHORIZED for a non-loopback
  // `listen`, or `follow`, without CURVE and without --insecure.
  static Result<std::unique_ptr<DaemonSecurity>> Create(const DaemonOptions& options,
                                                        zmq::context_t& context, Metrics& metrics);

  bool secure() const { return access_->secure(); }
  AccessControl& access() { return *access_; }
  // How a follower or cluster node reaches its upstream (--follow-key,
  // --follow-server-key); unset: without CURVE.
  const std::optional<security::CurveClient>& upstream_curve() const { return upstream_curve_; }

  // Before binding: a CURVE server socket (ingest, query), or the fan-out
  // with its gate. No-ops when security is off.
  void ConfigureServer(zmq::socket_t& socket);
  void ConfigureFanout(Fanout& fanout);
  // After binding: starts answering ZAP requests.
  Result<void> Start();

  // Ingest thread: nullopt when `input` (read from `payload`) may be
  // published, with its publisher set to the authenticated identity; else
  // the UNAUTHORIZED error to answer (counted and logged, without text).
  std::optional<Error> AuthorizePublish(const zmq::message_t& payload, store::PublishInput& input);

  // Query workers: the answer when access decides it (query_guard.h), for
  // a request from the connection with this User-Id (empty: none).
  std::optional<std::string> GuardQuery(const std::string& user_id, const v1::QueryRequest& request,
                                        const store::RevisionStore& store);

  // Ingest thread, after each round: a reload SIGHUP asked for, and the
  // effect of any reload on the fan-out (`await_closed` as Fanout::Cut).
  void AfterRound(Fanout& fanout, const std::function<void()>& await_closed);
  // Ingest thread, after the stats event `full`: the stats groups' own.
  void SendGroupStats(Fanout& fanout, const StatsChannel& stats, const std::string& full);
  // Safe in a signal handler: asks for a reload at the end of this round.
  void RequestReload() { reload_requested_.store(true); }

  // HTTP thread: whether an Authorization header's bearer token is an
  // operator's or a reader of every feed (always, with security off).
  bool SeesAllFigures(std::string_view authorization) const;

 private:
  explicit DaemonSecurity(std::unique_ptr<AccessControl> access) : access_(std::move(access)) {}

  std::unique_ptr<AccessControl> access_;
  std::optional<security::KeyPair> server_key_;
  std::optional<security::CurveClient> upstream_curve_;
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<SubscriptionGate> gate_;
  Metrics* metrics_ = nullptr;
  std::atomic<bool> reload_requested_{false};
  std::chrono::steady_clock::time_point last_refusal_log_{};
};

}  // namespace newswire::daemon
