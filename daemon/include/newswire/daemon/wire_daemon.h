// newswired, the wire daemon, as a library: binds the three services of one
// hub address, runs ingest + fan-out on the calling thread and the query
// service on a thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "newswire/core/clock.h"
#include "newswire/core/error.h"
#include "newswire/store/revision_store.h"

namespace newswire::daemon {

struct DaemonOptions {
  // Ingest on PORT, fan-out on PORT+1, queries on PORT+2. Port 0 picks three
  // free consecutive ports (tests use this; read the result from hub()).
  std::string listen = "tcp://127.0.0.1:7700";
  std::string data_dir = "newswire-data";
  store::Durability durability = store::Durability::kSync;
  std::size_t block_cache_mb = 64;
  std::size_t max_article_bytes = 1u << 20;
  std::size_t max_batch = 256;  // Publishes group-committed in one write.
  std::chrono::milliseconds heartbeat_interval{1000};
  // Messages queued per subscriber before the fan-out drops for it (the
  // subscriber then recovers the gap from the query service).
  int fanout_hwm = 100000;
  // Bytes a subscriber's queue may hold before the fan-out drops for it:
  // lowers the message count above for large events.
  std::size_t fanout_queue_bytes = 64u << 20;
  // Called (at most every 10 s) after a subscriber leaves, to give the
  // memory its queue held back to the system; null: never.
  std::function<void()> release_memory;
  // HTTP /metrics (Prometheus) and /healthz as HOST:PORT; port 0 picks a
  // free one; empty turns it off.
  std::string metrics_listen = "127.0.0.1:7780";
  // Retention in days: revisions older than this are removed (hourly),
  // chains stay verifiable. 0, the default, keeps everything.
  int retention_days = 0;
  // Payload of events: the smallest of zstd delta, structured diff and full
  // article ("smallest", true), or never a delta ("diff", false).
  bool deltas = true;
  // Folder a client's backup request writes into (one new folder inside it,
  // owner-only); empty: backups through the daemon are off.
  std::string backup_dir;
  // Threads answering queries (at least 2: one is kept for short requests
  // while the others page the log for replays and catch-ups).
  std::size_t query_workers = 4;
  // Security (README "Security"): the daemon's CURVE secret key file and
  // the access file, both or neither. With them every service speaks CURVE,
  // ZAP checks each client key and the grants apply on every path. Without
  // them the daemon listens on loopback or ipc:// only, unless `insecure`.
  std::string curve_secret_key_file;
  std::string access_file;
  bool insecure = false;
  // Replication (README "Followers"). Non-empty: this daemon is a follower
  // of the daemon at this hub (a primary or another follower): it copies
  // that log, serves queries and fan-out, and refuses publishes.
  std::string follow;
  // CURVE to a secure upstream (the primary a follower or a cluster node
  // copies): this node's secret key file, a key with the replica role in
  // the upstream's access file, and the upstream's public key file (a
  // cluster's nodes share one server key pair). Both or neither.
  std::string follow_key_file;
  std::string follow_server_key_file;
  // The hub publishers should use to reach this daemon when it is the
  // primary, as followers pass it on in NOT_PRIMARY errors; empty: the hub
  // it listens on.
  std::string advertise;
  // /healthz fails (503) on a follower this many seconds behind its
  // upstream, or stopped.
  int max_replication_lag_s = 30;
  // Failover (README "Failover"): etcd's client URLs (http://HOST:PORT,
  // comma-separated). Set, this daemon is a node of `cluster`: primary while
  // it holds the cluster's leader key, else a follower of whoever does.
  std::string etcd;
  std::string cluster = "newswire";
  std::string node_name;  // Unique in the cluster; empty: the advertised hub.
  // When a publish is acked (and fanned out): once the primary holds it
  // (false, "primary"), or once a majority of `replicas` nodes, the primary
  // counted, holds it durably ("quorum"; followers report their positions).
  bool quorum_acks = false;
  int replicas = 3;
};

class WireDaemon {
 public:
  // Opens the store and binds every socket. STORE_FAILURE if the store is
  // locked or unreadable, UNAVAILABLE if an address is taken; MALFORMED or
  // NOT_FOUND for a bad key or access file, UNAUTHORIZED for a listen
  // address beyond loopback without security and without `insecure`.
  static Result<std::unique_ptr<WireDaemon>> Start(const DaemonOptions& options,
                                                   const core::Clock& clock = core::SystemClock());

  virtual ~WireDaemon() = default;

  // The hub address actually bound, e.g. "tcp://127.0.0.1:7700".
  virtual std::string hub() const = 0;

  // "http://127.0.0.1:7780" where /metrics and /healthz are served; empty
  // when turned off.
  virtual std::string metrics_address() const = 0;

  // Serves until `stop` becomes true (checked at least every 100 ms), then
  // finishes the batch in hand and returns. Call once, from one thread.
  virtual void Run(const std::atomic<bool>& stop) = 0;

  // True when Run returned because the store cannot recover in place from
  // a fatal error (RocksDB's Resume refuses it, the cause being gone): the
  // process should start again on the same store (newswired re-executes
  // itself, keeping its pid). Every acknowledged revision is in the WAL.
  virtual bool restart_requested() const = 0;

  // Re-reads the access file at the end of the current round (SIGHUP).
  // Only sets a flag: safe in a signal handler, and from any thread.
  virtual void RequestAccessReload() = 0;

  // Why Run returned by itself (a follower that cannot go on copying);
  // empty when it was stopped. newswired then exits with status 1.
  virtual std::string failure() const { return {}; }
  // The failure is a store whose log diverged from the new primary's (an
  // old primary's writes past what the others hold): newswired moves the
  // store aside, keeping those revisions, and exits for a fresh copy.
  virtual bool diverged() const { return false; }

 protected:
  WireDaemon() = default;
};

}  // namespace newswire::daemon
