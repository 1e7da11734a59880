// The daemon's counters and histograms, rendered in the Prometheus text
// format by prometheus-cpp, and the once-a-second stats event built from
// them. Counters are plain relaxed atomics on the hot paths; the page is
// built from them when scraped. Updated from
// the ingest and query threads with relaxed atomics; read by the HTTP
// thread. Private to the daemon.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>

#include "newswire/core/channel.h"
#include "newswire/replication/status.h"
#include "newswire/store/revision_store.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {

// A histogram of the Prometheus kind (prometheus-cpp's, thread-safe), and
// the quantiles the stats event reports from it.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value) { histogram_.Observe(value); }
  // The family `name` holding it, for the /metrics page.
  prometheus::MetricFamily Family(const std::string& name, const std::string& help) const;
  // Upper bound of the bucket holding quantile q (0..1); 0 when empty.
  double Quantile(double q) const;

 private:
  std::vector<double> bounds_;
  prometheus::Histogram histogram_;
};

// Why a frame was refused before it reached the store or the query code.
enum class RefusedFrame {
  kEnvelope,     // Not [identity][payload] (or [identity][][payload]).
  kTooLarge,     // Over the request size limit.
  kNotARequest,  // Does not parse as the service's request (or invalid UTF-8).
  kCount,
};
enum class Service { kIngest, kQuery, kCount };

struct Metrics {
  Metrics();

  std::atomic<uint64_t> revisions_ingested{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> embargoes_held{0};
  std::atomic<uint64_t> embargoes_released{0};
  // Held publishes that could not be released (refused on release, or a
  // record that did not parse and was quarantined).
  std::atomic<uint64_t> embargo_release_failures{0};
  std::array<std::atomic<uint64_t>, 16> rejected{};  // By v1::ErrorCode.
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(core::ChannelKind::kCount)> fanout{};
  std::atomic<uint64_t> heartbeats{0};
  std::atomic<uint64_t> channel_reads{0};          // ReadLog on a channel: mostly gap repairs.
  std::array<std::atomic<uint64_t>, 8> queries{};  // By QueryRequest::query_case().
  std::atomic<int64_t> connected_subscribers{0};
  std::atomic<int64_t> connections{0};  // On all three services.
  std::atomic<uint64_t> backups{0};     // Backups taken for clients.
  std::atomic<int64_t> connection_cap{0};
  std::atomic<uint64_t> connection_cap_reached{0};  // Times connections passed the cap.
  std::atomic<int64_t> fanout_hwm{0};               // Messages per subscriber queue now.
  std::atomic<uint64_t> refused_subscriptions{0};   // Naming no channel of ours.
  std::array<std::array<std::atomic<uint64_t>, static_cast<std::size_t>(RefusedFrame::kCount)>,
             static_cast<std::size_t>(Service::kCount)>
      refused_frames{};

  void Refused(Service service, RefusedFrame why) {
    refused_frames[static_cast<std::size_t>(service)][static_cast<std::size_t>(why)].fetch_add(
        1, std::memory_order_relaxed);
  }
  std::atomic<int64_t> last_commit_ns{0};
  Histogram commit_batch_size;
  Histogram commit_seconds;
  Histogram query_seconds;
  // Security (a daemon with an access file): handshakes refused, by
  // service (ingest, fan-out, query) and reason (HandshakeReason), and
  // requests and subscriptions refused by the grants. Unauthorized
  // publishes are counted in `rejected`.
  enum HandshakeReason { kNoCurve, kUnknownKey, kBadHandshake, kHandshakeReasons };
  std::array<std::array<std::atomic<uint64_t>, kHandshakeReasons>, 3> handshake_failures{};
  std::atomic<uint64_t> subscriptions_denied{0};
  std::atomic<uint64_t> queries_denied{0};
  std::atomic<uint64_t> access_reloads{0};
  // Counts a server-side handshake monitor event for `service` (0 ingest,
  // 1 fan-out, 2 query); other events are ignored.
  void CountHandshake(std::size_t service, uint16_t event, uint32_t value);
  // Role, primary and replication lag: set by the replication parts.
  replication::ReplicationStatus replication;
  std::atomic<uint64_t> replicated_revisions{0};  // Fanned out by a follower.

  // The /metrics page (the Prometheus text format, by prometheus-cpp).
  std::string RenderPrometheus(const store::RevisionStore& store, int64_t now_ns) const;

 private:
  using Families = std::vector<prometheus::MetricFamily>;
  void RenderReplication(Families& out, const store::RevisionStore& store, int64_t now_ns) const;
};

}  // namespace newswire::daemon
