#include "metrics.h"

#include <algorithm>

#include <prometheus/text_serializer.h>

#include <zmq.h>

#include "library_log.h"
#include "newswire/core/error.h"
#include "newswire/core/process_stats.h"

namespace newswire::daemon {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<prometheus::ClientMetric::Label>;

// Starts the family `name`; its samples follow with Line.
void Header(std::vector<MetricFamily>& out, const std::string& name, MetricType type,
            const std::string& help) {
  out.push_back(MetricFamily{name, help, type, {}});
}

// A sample of the family last started.
void Line(std::vector<MetricFamily>& out, double value, Labels labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (out.back().type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  out.back().metric.push_back(std::move(metric));
}

void Single(std::vector<MetricFamily>& out, const std::string& name, MetricType type,
            const std::string& help, double value) {
  Header(out, name, type, help);
  Line(out, value);
}

constexpr MetricType kCounter = MetricType::Counter;
constexpr MetricType kGauge = MetricType::Gauge;

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(bounds), histogram_(bounds) {}

MetricFamily Histogram::Family(const std::string& name, const std::string& help) const {
  return MetricFamily{name, help, MetricType::Histogram, {histogram_.Collect()}};
}

double Histogram::Quantile(double q) const {
  const auto collected = histogram_.Collect().histogram;
  if (collected.sample_count == 0) return 0;
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(collected.sample_count));
  for (const auto& bucket : collected.bucket) {
    if (bucket.cumulative_count > rank) return std::min(bucket.upper_bound, bounds_.back());
  }
  return bounds_.empty() ? 0 : bounds_.back();
}

Metrics::Metrics()
    : commit_batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
      commit_seconds(
          {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 0.1, 0.25, 1}),
      query_seconds({50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 0.1, 1}) {}

void Metrics::RenderReplication(Families& out, const store::RevisionStore& store,
                                int64_t now_ns) const {
  const auto status = replication.Snapshot();
  Header(out, "newswire_replication_role", kGauge, "1 for this node's role.");
  Line(out, 1, {{"role", status.role_name()}});
  Single(out, "newswire_replication_commit", kGauge, "Newest commit held durably here.",
         static_cast<double>(store.LastCommit()));
  Single(out, "newswire_replication_upstream_commit", kGauge,
         "Newest commit the upstream announced (a follower's).",
         static_cast<double>(status.upstream_commit));
  Header(out, "newswire_replication_lag_commits", kGauge,
         "Commits announced and not yet held here, behind the upstream and the primary.");
  Line(out, static_cast<double>(status.commits_behind_upstream()), {{"behind", "upstream"}});
  Line(out, static_cast<double>(status.commits_behind_primary()), {{"behind", "primary"}});
  Single(out, "newswire_replication_lag_seconds", kGauge,
         "Seconds since this follower was last caught up with its upstream (0: caught up).",
         status.seconds_behind(now_ns));
  Single(out, "newswire_replication_connected", kGauge,
         "A follower's link to its upstream is up (1) or down (0).", status.connected ? 1 : 0);
  Single(out, "newswire_replication_stopped", kGauge,
         "1 when a follower stopped copying (see the log and /healthz).",
         status.error.empty() ? 0 : 1);
  Single(out, "newswire_replicated_revisions_total", kCounter,
         "Revisions a follower copied and fanned out.",
         static_cast<double>(replicated_revisions.load()));
}

std::string Metrics::RenderPrometheus(const store::RevisionStore& store, int64_t now_ns) const {
  Families out;
  Single(out, "newswire_revisions_ingested_total", kCounter,
         "Revisions committed (embargoed ones when released).",
         static_cast<double>(revisions_ingested.load()));
  Single(out, "newswire_publish_duplicates_total", kCounter,
         "Publishes answered from an idempotency record (retries).",
         static_cast<double>(duplicates.load()));
  Header(out, "newswire_publish_rejected_total", kCounter, "Publishes refused, by error code.");
  for (int code = 1; code < static_cast<int>(rejected.size()); ++code) {
    if (!v1::ErrorCode_IsValid(code)) continue;
    Line(out, static_cast<double>(rejected[static_cast<std::size_t>(code)].load()),
         {{"code", std::string(ErrorCodeName(static_cast<v1::ErrorCode>(code)))}});
  }
  Single(out, "newswire_embargoes_held_total", kCounter, "Publishes held for their embargo.",
         static_cast<double>(embargoes_held.load()));
  Single(out, "newswire_embargoes_released_total", kCounter, "Embargoed revisions released.",
         static_cast<double>(embargoes_released.load()));
  Single(out, "newswire_embargo_release_failures_total", kCounter,
         "Held publishes that could not be released (refused, or quarantined unreadable).",
         static_cast<double>(embargo_release_failures.load()));
  out.push_back(commit_batch_size.Family("newswire_commit_batch_size",
                                         "Publishes group-committed in one atomic write."));
  out.push_back(
      commit_seconds.Family("newswire_commit_seconds", "Time of one group commit (incl. fsync)."));
  Header(out, "newswire_fanout_events_total", kCounter, "Revision messages sent, by channel kind.");
  static constexpr const char* kKinds[] = {"wire", "feed", "instrument", "topic", "scoped"};
  for (std::size_t i = 0; i < std::size(kKinds); ++i) {
    Line(out, static_cast<double>(fanout[i].load()), {{"kind", kKinds[i]}});
  }
  Single(out, "newswire_heartbeats_total", kCounter, "Heartbeats sent on subscribed channels.",
         static_cast<double>(heartbeats.load()));
  Single(out, "newswire_channel_reads_total", kCounter,
         "Channel log reads: gap repairs after high-water-mark drops, and catch-ups.",
         static_cast<double>(channel_reads.load()));
  Single(out, "newswire_connected_subscribers", kGauge, "Live fan-out connections.",
         static_cast<double>(connected_subscribers.load()));
  Single(out, "newswire_backups_total", kCounter, "Backups taken into the backup folder.",
         static_cast<double>(backups.load()));
  Single(out, "newswire_connections", kGauge, "Client connections on all three services.",
         static_cast<double>(connections.load()));
  Single(out, "newswire_connection_cap", kGauge,
         "Client connections past which the store's file descriptors are at risk.",
         static_cast<double>(connection_cap.load()));
  Single(out, "newswire_connection_cap_reached_total", kCounter,
         "Times client connections passed the cap.",
         static_cast<double>(connection_cap_reached.load()));
  Single(out, "newswire_fanout_queue_limit_messages", kGauge,
         "Messages queued per subscriber before the fan-out drops for it (from the byte budget).",
         static_cast<double>(fanout_hwm.load()));
  Header(out, "newswire_refused_frames_total", kCounter,
         "Frames refused before parsing finished, by service and reason.");
  static constexpr const char* kServices[] = {"ingest", "query"};
  static constexpr const char* kReasons[] = {"envelope", "too_large", "not_a_request"};
  for (std::size_t service = 0; service < std::size(kServices); ++service) {
    for (std::size_t reason = 0; reason < std::size(kReasons); ++reason) {
      Line(out, static_cast<double>(refused_frames[service][reason].load()),
           {{"service", kServices[service]}, {"reason", kReasons[reason]}});
    }
  }
  Single(out, "newswire_library_log_lines_total", kCounter,
         "Lines the protobuf library logged (routed to the daemon's log, rate-limited).",
         static_cast<double>(LibraryLogLines()));
  Single(out, "newswire_refused_subscriptions_total", kCounter,
         "Subscriptions that named no channel of this wire.",
         static_cast<double>(refused_subscriptions.load()));
  Header(out, "newswire_query_requests_total", kCounter, "Query service requests, by kind.");
  static constexpr const char* kQueries[] = {"none",    "none",     "get",
                                             "history", "read_log", "feed_heads",
                                             "backup",  "snapshot", "read_commits"};
  for (std::size_t i = 2; i <= 7; ++i) {
    Line(out, static_cast<double>(queries[i].load()), {{"kind", kQueries[i]}});
  }
  out.push_back(query_seconds.Family("newswire_query_seconds", "Time to answer one query."));
  Single(out, "newswire_wire_seq", kGauge, "Last wire sequence committed.",
         static_cast<double>(store.LastWireSeq()));
  const int64_t last = last_commit_ns.load();
  Single(out, "newswire_last_commit_age_seconds", kGauge,
         "Seconds since the last commit (-1 before the first).",
         last == 0 ? -1.0 : static_cast<double>(now_ns - last) / 1e9);
  const auto health = store.Health();
  Single(out, "newswire_store_writable", kGauge,
         "1 when the store takes writes, 0 while it is out after a failure.",
         health.writable ? 1 : 0);
  Single(out, "newswire_store_write_failures_total", kCounter,
         "Writes that failed and put the store out of service (full disk, no descriptors...).",
         static_cast<double>(health.failures));
  Single(out, "newswire_store_recoveries_total", kCounter,
         "Times the store came back by itself (RocksDB Resume) after a failure.",
         static_cast<double>(health.recoveries));
  Single(out, "newswire_store_probe_writes_total", kCounter,
         "Probe writes health checks made (at most one every few seconds, whatever the rate).",
         static_cast<double>(health.probe_writes));
  RenderReplication(out, store, now_ns);
  Header(out, "newswire_store_bytes", kGauge, "RocksDB sizes, by part.");
  for (const auto& [name, value] : store.Sizes()) {
    Line(out, static_cast<double>(value), {{"part", name}});
  }
  Header(out, "newswire_handshake_failures_total", kCounter,
         "Connections refused at the handshake, by service and reason (security on).");
  static constexpr const char* kHandshakeServices[] = {"ingest", "fanout", "query"};
  static constexpr const char* kReasonNames[] = {"no_curve", "unknown_key", "bad_handshake"};
  for (std::size_t s = 0; s < std::size(kHandshakeServices); ++s) {
    for (std::size_t r = 0; r < std::size(kReasonNames); ++r) {
      Line(out, static_cast<double>(handshake_failures[s][r].load()),
           {{"service", kHandshakeServices[s]}, {"reason", kReasonNames[r]}});
    }
  }
  Single(out, "newswire_subscriptions_denied_total", kCounter,
         "Subscriptions to channels the key may not read (security on).",
         static_cast<double>(subscriptions_denied.load()));
  Single(out, "newswire_queries_denied_total", kCounter,
         "Queries refused, or answered not_found, by the grants (security on).",
         static_cast<double>(queries_denied.load()));
  Single(out, "newswire_access_reloads_total", kCounter, "Access file reloads put in force.",
         static_cast<double>(access_reloads.load()));
  Header(out, "newswire_store_written_bytes_total", kCounter,
         "Bytes RocksDB wrote since start, by kind (wal: records given to the write-ahead log, "
         "before its compression; flush; compaction; blob: the part of flush and compaction "
         "that went to blob files).");
  for (const auto& [name, value] : store.Written()) {
    Line(out, static_cast<double>(value), {{"kind", name}});
  }
  const auto usage = core::ReadProcessStats().value_or(core::ProcessStats{});
  Single(out, "process_cpu_seconds_total", kCounter, "CPU time of the daemon.", usage.cpu_seconds);
  Single(out, "process_resident_memory_bytes", kGauge, "Resident memory of the daemon.",
         usage.resident_bytes);
  return prometheus::TextSerializer().Serialize(out);
}

void Metrics::CountHandshake(std::size_t service, uint16_t event, uint32_t value) {
  if (service >= handshake_failures.size()) return;
  auto& reasons = handshake_failures[service];
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
    reasons[kUnknownKey].fetch_add(1, std::memory_order_relaxed);
  } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
             value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
    reasons[kNoCurve].fetch_add(1, std::memory_order_relaxed);
  } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
             event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
    reasons[kBadHandshake].fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace newswire::daemon
