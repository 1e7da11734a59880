#include "metrics.h"

#include <cinttypes>
#include <cstdio>

#include <zmq.h>

#include "library_log.h"
#include "newswire/core/error.h"
#include "newswire/core/process_stats.h"

namespace newswire::daemon {
namespace {

void Line(std::string& out, const std::string& name, const std::string& labels, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " ";
  out += number;
  out += "\n";
}

void Header(std::string& out, const std::string& name, const char* type, const std::string& help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Single(std::string& out, const std::string& name, const char* type, const std::string& help,
            double value) {
  Header(out, name, type, help);
  Line(out, name, "", value);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void Histogram::Observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(value * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& help) const {
  Header(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    char le[64];
    if (i < bounds_.size()) {
      std::snprintf(le, sizeof le, "le=\"%g\"", bounds_[i]);
    } else {
      std::snprintf(le, sizeof le, "le=\"+Inf\"");
    }
    Line(out, name + "_bucket", le, static_cast<double>(cumulative));
  }
  Line(out, name + "_sum", "", static_cast<double>(sum_micros_.load()) / 1e6);
  Line(out, name + "_count", "", static_cast<double>(count_.load()));
}

double Histogram::Quantile(double q) const {
  const uint64_t total = count_.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(total));
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    if (cumulative > rank) return bounds_[i];
  }
  return bounds_.empty() ? 0 : bounds_.back();
}

Metrics::Metrics()
    : commit_batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
      commit_seconds(
          {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 0.1, 0.25, 1}),
      query_seconds({50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 0.1, 1}) {}

void Metrics::RenderReplication(std::string& out, const store::RevisionStore& store,
                                int64_t now_ns) const {
  const auto status = replication.Snapshot();
  Header(out, "newswire_replication_role", "gauge", "1 for this node's role.");
  Line(out, "newswire_replication_role", std::string("role=\"") + status.role_name() + "\"", 1);
  Single(out, "newswire_replication_commit", "gauge", "Newest commit held durably here.",
         static_cast<double>(store.LastCommit()));
  Single(out, "newswire_replication_upstream_commit", "gauge",
         "Newest commit the upstream announced (a follower's).",
         static_cast<double>(status.upstream_commit));
  Header(out, "newswire_replication_lag_commits", "gauge",
         "Commits announced and not yet held here, behind the upstream and the primary.");
  Line(out, "newswire_replication_lag_commits", "behind=\"upstream\"",
       static_cast<double>(status.commits_behind_upstream()));
  Line(out, "newswire_replication_lag_commits", "behind=\"primary\"",
       static_cast<double>(status.commits_behind_primary()));
  Single(out, "newswire_replication_lag_seconds", "gauge",
         "Seconds since this follower was last caught up with its upstream (0: caught up).",
         status.seconds_behind(now_ns));
  Single(out, "newswire_replication_connected", "gauge",
         "A follower's link to its upstream is up (1) or down (0).", status.connected ? 1 : 0);
  Single(out, "newswire_replication_stopped", "gauge",
         "1 when a follower stopped copying (see the log and /healthz).",
         status.error.empty() ? 0 : 1);
  Single(out, "newswire_replicated_revisions_total", "counter",
         "Revisions a follower copied and fanned out.",
         static_cast<double>(replicated_revisions.load()));
}

std::string Metrics::RenderPrometheus(const store::RevisionStore& store, int64_t now_ns) const {
  std::string out;
  Single(out, "newswire_revisions_ingested_total", "counter",
         "Revisions committed (embargoed ones when released).",
         static_cast<double>(revisions_ingested.load()));
  Single(out, "newswire_publish_duplicates_total", "counter",
         "Publishes answered from an idempotency record (retries).",
         static_cast<double>(duplicates.load()));
  Header(out, "newswire_publish_rejected_total", "counter", "Publishes refused, by error code.");
  for (int code = 1; code < static_cast<int>(rejected.size()); ++code) {
    if (!v1::ErrorCode_IsValid(code)) continue;
    Line(out, "newswire_publish_rejected_total",
         "code=\"" + std::string(ErrorCodeName(static_cast<v1::ErrorCode>(code))) + "\"",
         static_cast<double>(rejected[static_cast<std::size_t>(code)].load()));
  }
  Single(out, "newswire_embargoes_held_total", "counter", "Publishes held for their embargo.",
         static_cast<double>(embargoes_held.load()));
  Single(out, "newswire_embargoes_released_total", "counter", "Embargoed revisions released.",
         static_cast<double>(embargoes_released.load()));
  Single(out, "newswire_embargo_release_failures_total", "counter",
         "Held publishes that could not be released (refused, or quarantined unreadable).",
         static_cast<double>(embargo_release_failures.load()));
  commit_batch_size.Render(out, "newswire_commit_batch_size",
                           "Publishes group-committed in one atomic write.");
  commit_seconds.Render(out, "newswire_commit_seconds", "Time of one group commit (incl. fsync).");
  Header(out, "newswire_fanout_events_total", "counter",
         "Revision messages sent, by channel kind.");
  static constexpr const char* kKinds[] = {"wire", "feed", "instrument", "topic", "scoped"};
  for (std::size_t i = 0; i < std::size(kKinds); ++i) {
    Line(out, "newswire_fanout_events_total", std::string("kind=\"") + kKinds[i] + "\"",
         static_cast<double>(fanout[i].load()));
  }
  Single(out, "newswire_heartbeats_total", "counter", "Heartbeats sent on subscribed channels.",
         static_cast<double>(heartbeats.load()));
  Single(out, "newswire_channel_reads_total", "counter",
         "Channel log reads: gap repairs after high-water-mark drops, and catch-ups.",
         static_cast<double>(channel_reads.load()));
  Single(out, "newswire_connected_subscribers", "gauge", "Live fan-out connections.",
         static_cast<double>(connected_subscribers.load()));
  Single(out, "newswire_backups_total", "counter", "Backups taken into the backup folder.",
         static_cast<double>(backups.load()));
  Single(out, "newswire_connections", "gauge", "Client connections on all three services.",
         static_cast<double>(connections.load()));
  Single(out, "newswire_connection_cap", "gauge",
         "Client connections past which the store's file descriptors are at risk.",
         static_cast<double>(connection_cap.load()));
  Single(out, "newswire_connection_cap_reached_total", "counter",
         "Times client connections passed the cap.",
         static_cast<double>(connection_cap_reached.load()));
  Single(out, "newswire_fanout_queue_limit_messages", "gauge",
         "Messages queued per subscriber before the fan-out drops for it (from the byte budget).",
         static_cast<double>(fanout_hwm.load()));
  Header(out, "newswire_refused_frames_total", "counter",
         "Frames refused before parsing finished, by service and reason.");
  static constexpr const char* kServices[] = {"ingest", "query"};
  static constexpr const char* kReasons[] = {"envelope", "too_large", "not_a_request"};
  for (std::size_t service = 0; service < std::size(kServices); ++service) {
    for (std::size_t reason = 0; reason < std::size(kReasons); ++reason) {
      Line(
          out, "newswire_refused_frames_total",
          std::string("service=\"") + kServices[service] + "\",reason=\"" + kReasons[reason] + "\"",
          static_cast<double>(refused_frames[service][reason].load()));
    }
  }
  Single(out, "newswire_library_log_lines_total", "counter",
         "Lines the protobuf library logged (routed to the daemon's log, rate-limited).",
         static_cast<double>(LibraryLogLines()));
  Single(out, "newswire_refused_subscriptions_total", "counter",
         "Subscriptions that named no channel of this wire.",
         static_cast<double>(refused_subscriptions.load()));
  Header(out, "newswire_query_requests_total", "counter", "Query service requests, by kind.");
  static constexpr const char* kQueries[] = {"none",    "none",     "get",
                                             "history", "read_log", "feed_heads",
                                             "backup",  "snapshot", "read_commits"};
  for (std::size_t i = 2; i <= 7; ++i) {
    Line(out, "newswire_query_requests_total", std::string("kind=\"") + kQueries[i] + "\"",
         static_cast<double>(queries[i].load()));
  }
  query_seconds.Render(out, "newswire_query_seconds", "Time to answer one query.");
  Single(out, "newswire_wire_seq", "gauge", "Last wire sequence committed.",
         static_cast<double>(store.LastWireSeq()));
  const int64_t last = last_commit_ns.load();
  Single(out, "newswire_last_commit_age_seconds", "gauge",
         "Seconds since the last commit (-1 before the first).",
         last == 0 ? -1.0 : static_cast<double>(now_ns - last) / 1e9);
  const auto health = store.Health();
  Single(out, "newswire_store_writable", "gauge",
         "1 when the store takes writes, 0 while it is out after a failure.",
         health.writable ? 1 : 0);
  Single(out, "newswire_store_write_failures_total", "counter",
         "Writes that failed and put the store out of service (full disk, no descriptors...).",
         static_cast<double>(health.failures));
  Single(out, "newswire_store_recoveries_total", "counter",
         "Times the store came back by itself (RocksDB Resume) after a failure.",
         static_cast<double>(health.recoveries));
  Single(out, "newswire_store_probe_writes_total", "counter",
         "Probe writes health checks made (at most one every few seconds, whatever the rate).",
         static_cast<double>(health.probe_writes));
  RenderReplication(out, store, now_ns);
  Header(out, "newswire_store_bytes", "gauge", "RocksDB sizes, by part.");
  for (const auto& [name, value] : store.Sizes()) {
    Line(out, "newswire_store_bytes", "part=\"" + name + "\"", static_cast<double>(value));
  }
  Header(out, "newswire_handshake_failures_total", "counter",
         "Connections refused at the handshake, by service and reason (security on).");
  static constexpr const char* kHandshakeServices[] = {"ingest", "fanout", "query"};
  static constexpr const char* kReasonNames[] = {"no_curve", "unknown_key", "bad_handshake"};
  for (std::size_t s = 0; s < std::size(kHandshakeServices); ++s) {
    for (std::size_t r = 0; r < std::size(kReasonNames); ++r) {
      Line(out, "newswire_handshake_failures_total",
           std::string("service=\"") + kHandshakeServices[s] + "\",reason=\"" + kReasonNames[r] +
               "\"",
           static_cast<double>(handshake_failures[s][r].load()));
    }
  }
  Single(out, "newswire_subscriptions_denied_total", "counter",
         "Subscriptions to channels the key may not read (security on).",
         static_cast<double>(subscriptions_denied.load()));
  Single(out, "newswire_queries_denied_total", "counter",
         "Queries refused, or answered not_found, by the grants (security on).",
         static_cast<double>(queries_denied.load()));
  Single(out, "newswire_access_reloads_total", "counter", "Access file reloads put in force.",
         static_cast<double>(access_reloads.load()));
  const auto usage = core::ReadProcessStats().value_or(core::ProcessStats{});
  Single(out, "process_cpu_seconds_total", "counter", "CPU time of the daemon.", usage.cpu_seconds);
  Single(out, "process_resident_memory_bytes", "gauge", "Resident memory of the daemon.",
         usage.resident_bytes);
  return out;
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
