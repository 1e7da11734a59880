#include "newswire/daemon/wire_daemon.h"

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "connection_guard.h"
#include "fanout.h"
#include "http_endpoints.h"
#include "library_log.h"
#include "metrics.h"
#include "newswire/core/channel.h"
#include "newswire/core/hub.h"
#include "newswire/core/request_frame.h"
#include "newswire/core/time.h"
#include "newswire/replication/commit_feed.h"
#include "newswire/replication/coordinator.h"
#include "newswire/replication/follower.h"
#include "not_primary.h"
#include "publish_pipeline.h"
#include "query_broker.h"
#include "reactor.h"
#include "security/daemon_security.h"
#include "stats_channel.h"

namespace newswire::daemon {
namespace {

constexpr std::chrono::milliseconds kStatsInterval{1000};
constexpr std::chrono::hours kRetentionInterval{1};
constexpr std::chrono::milliseconds kStoreHealthInterval{500};
// How long the store may stay out, RocksDB's Resume failing, before the
// daemon starts again on it (not for a full disk, which waits for space).
constexpr std::chrono::seconds kResumeGiveUp{10};
// Descriptors kept back from client connections: RocksDB's open tables
// (StoreOptions::max_open_files), its WAL and manifest, the HTTP endpoint,
// the threads' wake-up descriptors, and room to spare.
constexpr std::size_t kReservedDescriptors = 256 + 128;

bool IsAddressInUse(const zmq::error_t& e) { return e.num() == EADDRINUSE; }

// The daemon: its sockets and the parts that serve them, wired to one
// reactor on the calling thread (ingest, fan-out, timers), a query thread
// and the HTTP thread.
class ZmqWireDaemon final : public WireDaemon {
 public:
  ZmqWireDaemon(const DaemonOptions& options, const core::Clock& clock,
                std::unique_ptr<store::RevisionStore> store)
      : options_(options),
        clock_(clock),
        store_(std::move(store)),
        stats_(*store_, metrics_, clock_, kStatsInterval),
        http_(*store_, metrics_, clock_) {}

  // Binds the three services of the hub address (and the HTTP endpoint),
  // then builds the publish pipeline on them.
  Result<void> Bind() {
    auto hub = core::ParseHub(options_.listen);
    if (!hub) return Fail(hub.error());
    // Before any socket: ZAP must answer from the first handshake on.
    auto security = DaemonSecurity::Create(options_, context_, metrics_);
    if (!security) return Fail(security.error());
    security_ = std::move(*security);
    const bool pick_ports = hub->port == 0 && !hub->host.empty();
    auto bound = pick_ports ? BindFree(hub->host) : BindAt(*hub);
    if (!bound) return bound;
    guard_ = std::make_unique<ConnectionGuard>(context_, metrics_, kReservedDescriptors,
                                               [this] { fanout_->ReleaseMemory(); });
    for (auto [service, socket] : {std::pair{ConnectionGuard::kIngest, ingest_.get()},
                                   std::pair{ConnectionGuard::kFanout, &fanout_->socket()},
                                   std::pair{ConnectionGuard::kQuery, query_.get()}}) {
      if (auto ok = guard_->Watch(service, *socket); !ok) return ok;
    }
    if (auto ok = security_->Start(); !ok) return ok;
    if (!options_.metrics_listen.empty()) {
      if (auto ok = http_.Bind(options_.metrics_listen); !ok) return ok;
      if (security_->secure()) {
        http_.RequireFigures(
            [this](std::string_view auth) { return security_->SeesAllFigures(auth); });
      }
      http_.set_max_replication_lag_s(options_.max_replication_lag_s);
    }
    auto pipeline = PublishPipeline::Create(options_, clock_, *store_, *ingest_, *fanout_, stats_,
                                            metrics_, *security_);
    if (!pipeline) return Fail(pipeline.error());
    pipeline_ = std::move(*pipeline);
    return StartReplication();
  }

  std::string hub() const override { return hub_.address; }
  std::string metrics_address() const override { return http_.address(); }
  bool restart_requested() const override { return restart_requested_; }

  void RequestAccessReload() override {
    if (security_) security_->RequestReload();
  }

  std::string failure() const override {
    if (!fenced_.empty()) return fenced_;
    return follower_ ? follower_->stopped() : "";
  }
  // Only a cluster node moves its store aside by itself: a plain follower
  // pointed at another wire's daemon just stops.
  bool diverged() const override { return coordinator_ && follower_ && follower_->diverged(); }

  void Run(const std::atomic<bool>& stop) override {
    const QueryContext query{.store = *store_,
                             .backup_dir = options_.backup_dir,
                             .backups = &metrics_.backups,
                             .replication = &metrics_.replication};
    // The query service stops with the reactor, whatever stopped it.
    std::atomic<bool> stop_queries{false};
    std::thread query_thread([&] {
      ServeQueries(context_, *query_, query, metrics_, *security_, options_.query_workers,
                   stop_queries);
    });
    http_.Start();
    Reactor reactor;
    // Connections first (the subscriber count), then subscriptions (each
    // gets its welcome heartbeat), then the writer's outcome before new
    // publishes, so a finished write frees room for the next batch.
    for (auto [name, service] : {std::pair{"ingest connections", ConnectionGuard::kIngest},
                                 std::pair{"fan-out connections", ConnectionGuard::kFanout},
                                 std::pair{"query connections", ConnectionGuard::kQuery}}) {
      reactor.OnReadable(name, guard_->monitor(service),
                         [this, s = service] { guard_->OnEvents(s); });
    }
    reactor.OnReadable("subscriptions", fanout_->socket(), [&] { fanout_->OnSubscriptions(); });
    if (coordinator_) {
      RunAsClusterNode(reactor);
    } else if (follower_) {
      RunAsFollower(reactor);
    } else {
      RunAsPrimary(reactor);
    }
    reactor.AfterEachRound("access reload", [&] {
      security_->AfterRound(*fanout_, [&] { guard_->AwaitClosed(ConnectionGuard::kFanout); });
    });
    // Every commit, whoever wrote it, goes on to the followers that listen.
    reactor.AfterEachRound("commit feed", [&] {
      for (auto& message : feed_->Next(fanout_->Wants(core::ReplicationChannel()))) {
        fanout_->SendCommit(message.commit, message.bytes);
      }
    });
    reactor.Every("heartbeats", options_.heartbeat_interval, [&] { fanout_->SendHeartbeats(); });
    reactor.Every("stats channel", kStatsInterval, [&] {
      const std::string stats = stats_.Next();
      fanout_->SendStats(stats);
      security_->SendGroupStats(*fanout_, stats_, stats);
    });
    reactor.Every("store health", kStoreHealthInterval, [&] {
      WatchStore();
      if (restart_requested_) reactor.Stop();
    });
    // A follower that cannot go on copying, or a primary fenced, stops the
    // daemon (failure()).
    reactor.Every("replication", std::chrono::milliseconds(50), [&] {
      if (!failure().empty()) reactor.Stop();
    });
    reactor.Run(stop);
    stop_queries = true;
    pipeline_->Drain();
    query_thread.join();
    spdlog::info("stopped; last wire sequence {}", store_->LastWireSeq());
  }

 private:
  // Quorum acks: followers' reports wake the reactor; batches a majority
  // now holds go out.
  void WatchQuorum(Reactor& reactor) {
    if (!options_.quorum_acks) return;
    pipeline_->SetQuorum([this] {
      return metrics_.replication.QuorumCommit(store_->LastCommit(), options_.replicas);
    });
    reactor.OnReadable("replica positions", metrics_.replication.wake_fd(), [&] {
      metrics_.replication.Woken();
      if (primary_) pipeline_->OnQuorum();
    });
  }

  void RunAsPrimary(Reactor& reactor) {
    WatchQuorum(reactor);
    reactor.OnReadable("write done", pipeline_->write_done_fd(), [&] { pipeline_->OnWriteDone(); });
    reactor.OnReadable(
        "publishes", *ingest_, [&] { pipeline_->OnPublishes(); },
        [&] { return pipeline_->TakesPublishes(); });
    reactor.AfterEachRound("embargo release", [&] { pipeline_->ReleaseDueEmbargoes(); });
    if (options_.retention_days > 0) {
      ApplyRetention();
      reactor.Every("retention", kRetentionInterval, [&] { ApplyRetention(); });
    }
  }

  // A follower writes only what it copies: embargoes are released and
  // retention is applied by the primary, and reach it as commits.
  void RunAsFollower(Reactor& reactor) {
    reactor.OnReadable("upstream connection", follower_->monitor(),
                       [&] { follower_->OnMonitorEvents(); });
    reactor.OnReadable("replication", follower_->socket(), [&] { follower_->OnMessages(); });
    reactor.OnReadable("publishes (refused: follower)", *ingest_,
                       [&] { RefusePublishes(*ingest_, metrics_); });
    reactor.AfterEachRound("catch-up", [&] { follower_->CatchUp(); });
  }

  // Failover (README "Failover"): etcd says who is primary; this node
  // copies from it, or takes publishes when it is elected, or stops when
  // it may no longer act as primary (a new term began without it).
  void RunAsClusterNode(Reactor& reactor) {
    WatchQuorum(reactor);
    reactor.OnReadable("upstream connection", follower_->monitor(),
                       [&] { follower_->OnMonitorEvents(); });
    reactor.OnReadable("replication", follower_->socket(), [&] { follower_->OnMessages(); });
    reactor.OnReadable("write done", pipeline_->write_done_fd(), [&] { pipeline_->OnWriteDone(); });
    reactor.OnReadable(
        "publishes", *ingest_,
        [&] {
          if (primary_) {
            pipeline_->OnPublishes();
          } else {
            RefusePublishes(*ingest_, metrics_);
          }
        },
        [&] { return !primary_ || pipeline_->TakesPublishes(); });
    reactor.AfterEachRound("catch-up", [&] {
      if (!primary_) follower_->CatchUp();
    });
    reactor.AfterEachRound("embargo release", [&] {
      if (primary_) pipeline_->ReleaseDueEmbargoes();
    });
    reactor.Every("leadership", std::chrono::milliseconds(50), [&] { FollowLeadership(); });
    if (options_.retention_days > 0) {
      reactor.Every("retention", kRetentionInterval, [&] {
        if (primary_) ApplyRetention();
      });
    }
  }

  void FollowLeadership() {
    const auto leadership = coordinator_->Current();
    if (leadership.fenced) {
      if (fenced_.empty()) fenced_ = "fenced: " + leadership.why_fenced;
      return;
    }
    if (leadership.leader && !primary_) return Promote(leadership.epoch);
    if (!leadership.known && !primary_) {
      // An election is under way: name no primary until there is one.
      metrics_.replication.Update([](replication::StatusSnapshot& s) { s.primary_hub.clear(); });
    }
    if (!leadership.known || leadership.leader) return;
    if (!primary_ && leadership.leader_hub == own_hub_) {
      // The key names this node: it held it before a restart, and its lease
      // has not run out yet. Follow nobody (least of all itself) and name no
      // primary until the election that follows.
      if (!follower_->upstream().empty()) follower_->Retarget("");
      metrics_.replication.Update([](replication::StatusSnapshot& s) { s.primary_hub.clear(); });
      return;
    }
    if (primary_) {
      fenced_ = "fenced: " + leadership.leader_hub + " is primary in epoch " +
                std::to_string(leadership.epoch);
      return;
    }
    if (follower_->upstream() != leadership.leader_hub) {
      follower_->Retarget(leadership.leader_hub);
      metrics_.replication.Update([&](replication::StatusSnapshot& s) {
        s.primary_hub = leadership.leader_hub;
        s.epoch = leadership.epoch;
      });
    }
  }

  // Elected: stop copying, write the new term into every commit, take
  // publishes.
  void Promote(uint64_t epoch) {
    follower_->Retarget("");
    metrics_.replication.ForgetPositions();  // Reports to this node start now.
    store_->SetEpoch(epoch);
    primary_ = true;
    metrics_.replication.Update([&](replication::StatusSnapshot& s) {
      s.role = replication::Role::kPrimary;
      s.upstream.clear();
      s.primary_hub = own_hub_;
      s.epoch = epoch;
      s.upstream_commit = s.applied_commit = store_->LastCommit();
      s.behind_since_ns = 0;
    });
    spdlog::info("primary of cluster {} in epoch {}, from commit {} (wire sequence {})",
                 options_.cluster, epoch, store_->LastCommit(), store_->LastWireSeq());
  }

  Result<void> StartReplication() {
    feed_ = std::make_unique<replication::CommitFeed>(*store_, metrics_.replication);
    own_hub_ = options_.advertise.empty() ? hub_.address : options_.advertise;
    if (!options_.etcd.empty()) return StartClusterNode();
    if (options_.follow.empty()) {
      const std::string primary = options_.advertise.empty() ? hub_.address : options_.advertise;
      metrics_.replication.Update([&](replication::StatusSnapshot& s) {
        s.role = replication::Role::kPrimary;
        s.primary_hub = primary;
        s.applied_commit = store_->LastCommit();
      });
      return {};
    }
    auto follower = CreateFollower(options_.follow);
    if (!follower) return Fail(follower.error());
    follower_ = std::move(*follower);
    return {};
  }

  Result<std::unique_ptr<replication::Follower>> CreateFollower(const std::string& upstream) {
    replication::FollowerOptions follow;
    follow.upstream = upstream;
    follow.name = options_.node_name.empty() ? own_hub_ : options_.node_name;
    follow.curve = security_->upstream_curve();
    return replication::Follower::Create(
        context_, follow, *store_, metrics_.replication,
        [this](std::vector<store::Committed> revisions) {
          // Durable here: now the desks may see them.
          for (const auto& committed : revisions) {
            fanout_->Send(committed);
            stats_.Note(committed);
          }
          metrics_.replicated_revisions.fetch_add(revisions.size(), std::memory_order_relaxed);
          metrics_.last_commit_ns.store(clock_.NowNs(), std::memory_order_relaxed);
        });
  }

  Result<void> StartClusterNode() {
    if (!options_.follow.empty()) {
      return Fail(v1::ERROR_CODE_MALFORMED, "follow and etcd exclude each other: etcd says whom");
    }
    primary_ = false;
    auto follower = CreateFollower("");
    if (!follower) return Fail(follower.error());
    follower_ = std::move(*follower);
    metrics_.replication.Update([&](replication::StatusSnapshot& s) {
      s.role = replication::Role::kFollower;
      s.applied_commit = store_->LastCommit();
    });
    replication::CoordinatorOptions cluster;
    cluster.etcd = options_.etcd;
    cluster.cluster = options_.cluster;
    cluster.name = options_.node_name.empty() ? own_hub_ : options_.node_name;
    cluster.hub = own_hub_;
    auto coordinator = replication::Coordinator::Start(
        cluster, [store = store_.get()] { return store->LastCommit(); });
    if (!coordinator) return Fail(coordinator.error());
    coordinator_ = std::move(*coordinator);
    return {};
  }

  void CreateSockets() {
    ingest_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    query_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    fanout_ = std::make_unique<Fanout>(context_, *store_, metrics_, options_.fanout_hwm,
                                       options_.fanout_queue_bytes, options_.release_memory);
    for (auto* socket : {ingest_.get(), query_.get()}) {
      socket->set(zmq::sockopt::linger, 0);
      // ZeroMQ drops a peer that sends more; below it, an oversize request
      // gets a typed TOO_LARGE answer (publish_pipeline.cc).
      socket->set(zmq::sockopt::maxmsgsize, int64_t{core::kMaxFrameBytes});
      security_->ConfigureServer(*socket);
    }
    for (auto* socket : {ingest_.get(), query_.get(), &fanout_->socket()}) {
      socket->set(
          zmq::sockopt::handshake_ivl,
          static_cast<int>(std::chrono::milliseconds(ConnectionGuard::kHandshakeTimeout).count()));
    }
    security_->ConfigureFanout(*fanout_);
  }

  Result<void> BindAt(const core::HubEndpoints& hub) {
    CreateSockets();
    for (auto [socket, endpoint] :
         {std::pair{ingest_.get(), hub.ingest}, std::pair{&fanout_->socket(), hub.fanout},
          std::pair{query_.get(), hub.query}}) {
      try {
        socket->bind(endpoint);
      } catch (const zmq::error_t& e) {
        return Fail(v1::ERROR_CODE_UNAVAILABLE,
                    "cannot listen on " + endpoint + ": " + e.what() +
                        (IsAddressInUse(e) ? " (is another newswired running?)" : ""));
      }
    }
    hub_ = hub;
    return {};
  }

  // Port 0: let the kernel pick the ingest port, then take the two after
  // it; try again elsewhere if either is taken.
  Result<void> BindFree(const std::string& host) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      CreateSockets();
      try {
        ingest_->bind("tcp://" + host + ":*");
      } catch (const zmq::error_t& e) {
        return Fail(v1::ERROR_CODE_UNAVAILABLE, "cannot listen on " + host + ": " + e.what());
      }
      auto bound = core::ParseHub(ingest_->get(zmq::sockopt::last_endpoint));
      if (!bound || bound->port > 65533) continue;
      core::HubEndpoints candidate = core::MakeHub(host, bound->port);
      try {
        fanout_->socket().bind(candidate.fanout);
        query_->bind(candidate.query);
      } catch (const zmq::error_t& e) {
        if (IsAddressInUse(e)) continue;
        return Fail(v1::ERROR_CODE_UNAVAILABLE, std::string("cannot listen: ") + e.what());
      }
      hub_ = candidate;
      return {};
    }
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "found no three free consecutive ports");
  }

  // Says when the store stops taking writes and when it recovers, and while
  // it is out drives its recovery even when nobody publishes.
  void WatchStore() {
    auto health = store_->Health();
    const auto now = std::chrono::steady_clock::now();
    if (health.writable) out_since_.reset();
    if (!health.writable) {
      if (!out_since_) out_since_ = now;
      auto probe = store_->Probe();  // Tries DB::Resume.
      if (!probe && now - last_out_logged_ > std::chrono::seconds(10)) {
        spdlog::warn("store: still out: {}", probe.error().message);
        last_out_logged_ = now;
      }
      // RocksDB cannot resume from some failures in place (a log it could
      // not create, as when descriptors ran out): only reopening the store
      // helps. A full disk resumes by itself once space is freed.
      if (!probe && now - *out_since_ > kResumeGiveUp &&
          health.last_error.find("No space left") == std::string::npos) {
        spdlog::error("store: cannot resume in place ({}); starting again on the same store",
                      health.last_error);
        restart_requested_ = true;
      }
    }
    health = store_->Health();
    if (health.failures > store_failures_) {
      spdlog::error(
          "store: writes are failing ({}); publishes get store_failure until it recovers "
          "(free disk space or file descriptors; see README Operations)",
          health.last_error);
    }
    if (health.recoveries > store_recoveries_) {
      spdlog::info("store: recovered; taking writes again (wire sequence {})",
                   store_->LastWireSeq());
    }
    store_failures_ = health.failures;
    store_recoveries_ = health.recoveries;
  }

  void ApplyRetention() {
    pipeline_->Drain();  // Retention writes with no batch unsettled.
    const int64_t cutoff =
        core::ClockPlusSeconds(clock_.NowNs(), -int64_t{options_.retention_days} * 86400);
    auto removed = store_->ApplyRetention(cutoff);
    if (!removed) {
      spdlog::error("retention: {}", removed.error().ToString());
    } else if (*removed > 0) {
      spdlog::info("retention removed {} revisions older than {} days", *removed,
                   options_.retention_days);
    }
  }

  DaemonOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<store::RevisionStore> store_;
  Metrics metrics_;
  StatsChannel stats_;
  HttpEndpoints http_;
  zmq::context_t context_{1};
  std::unique_ptr<DaemonSecurity> security_;  // Outlives the sockets: ZAP answers for them.
  std::unique_ptr<zmq::socket_t> ingest_;
  std::unique_ptr<zmq::socket_t> query_;
  std::unique_ptr<Fanout> fanout_;
  std::unique_ptr<PublishPipeline> pipeline_;
  std::unique_ptr<ConnectionGuard> guard_;
  std::unique_ptr<replication::CommitFeed> feed_;
  std::unique_ptr<replication::Follower> follower_;
  std::unique_ptr<replication::Coordinator> coordinator_;
  bool primary_ = true;  // Takes publishes (a cluster node: while elected).
  std::string own_hub_;
  std::string fenced_;  // Why this node may no longer act (cluster mode).
  core::HubEndpoints hub_;
  uint64_t store_failures_ = 0;  // As last logged.
  uint64_t store_recoveries_ = 0;
  std::chrono::steady_clock::time_point last_out_logged_{};
  std::optional<std::chrono::steady_clock::time_point> out_since_;
  bool restart_requested_ = false;
};

}  // namespace

Result<std::unique_ptr<WireDaemon>> WireDaemon::Start(const DaemonOptions& options,
                                                      const core::Clock& clock) {
  RouteLibraryLogs();
  store::StoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.durability = options.durability;
  store_options.block_cache_bytes = options.block_cache_mb << 20;
  store_options.max_article_bytes = options.max_article_bytes;
  store_options.deltas = options.deltas;
  store_options.log = [](store::StoreOptions::LogLevel level, std::string_view line) {
    spdlog::log(
        level == store::StoreOptions::LogLevel::kError ? spdlog::level::err : spdlog::level::warn,
        "rocksdb: {}", line);
  };
  auto store = store::RevisionStore::Open(store_options);
  if (!store) return Fail(store.error());
  auto daemon = std::make_unique<ZmqWireDaemon>(options, clock, std::move(*store));
  if (auto ok = daemon->Bind(); !ok) return Fail(ok.error());
  return std::unique_ptr<WireDaemon>(std::move(daemon));
}

}  // namespace newswire::daemon
