#include "stats_channel.h"

#include <algorithm>
#include <vector>

#include "newswire/core/channel.h"
#include "newswire/core/process_stats.h"
#include "newswire/core/time.h"

namespace newswire::daemon {
namespace {

constexpr std::size_t kRecent = 10;  // Latest revisions in each event.
constexpr std::size_t kBusiest = 5;  // Feeds and instruments listed.

void Busiest(std::unordered_map<std::string, uint64_t>& counts,
             google::protobuf::RepeatedPtrField<v1::StatsEvent::Count>* out) {
  std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second > b.second; });
  for (std::size_t i = 0; i < sorted.size() && i < kBusiest; ++i) {
    auto* count = out->Add();
    count->set_name(sorted[i].first);
    count->set_count(sorted[i].second);
  }
  counts.clear();
}

}  // namespace

StatsChannel::StatsChannel(const store::RevisionStore& store, const Metrics& metrics,
                           const core::Clock& clock, std::chrono::milliseconds interval)
    : store_(store),
      metrics_(metrics),
      clock_(clock),
      interval_s_(std::chrono::duration<double>(interval).count()) {}

void StatsChannel::Note(const store::Committed& committed) {
  for (const auto& channel : committed.channels) {
    auto kind = core::KindOf(channel);
    if (kind == core::ChannelKind::kFeed) ++feeds_[std::string(core::ChannelName(channel))];
    if (kind == core::ChannelKind::kInstrument) {
      ++instruments_[std::string(core::ChannelName(channel))];
    }
  }
  recent_.push_front(committed.ack);
  if (recent_.size() > kRecent) recent_.pop_back();
}

std::string StatsChannel::Next() {
  v1::StatsEvent stats;
  const int64_t now = clock_.NowNs();
  *stats.mutable_time() = core::FromClockNs(now);
  stats.set_wire_seq(store_.LastWireSeq());
  // A follower's revisions are the ones it copied.
  const uint64_t ingested =
      metrics_.revisions_ingested.load() + metrics_.replicated_revisions.load();
  uint64_t fanout = 0;
  for (const auto& kind : metrics_.fanout) fanout += kind.load();
  stats.set_revisions_per_s(static_cast<double>(ingested - ingested_) / interval_s_);
  stats.set_fanout_messages_per_s(static_cast<double>(fanout - fanout_) / interval_s_);
  ingested_ = ingested;
  fanout_ = fanout;
  stats.set_connected_subscribers(metrics_.connected_subscribers.load());
  const auto replication = metrics_.replication.Snapshot();
  stats.set_role(replication.role_name());
  stats.set_upstream(replication.upstream);
  stats.set_replication_lag_commits(replication.commits_behind_upstream());
  stats.set_replication_lag_commits_primary(replication.commits_behind_primary());
  stats.set_replication_lag_seconds(replication.seconds_behind(now));
  stats.set_replication_error(replication.error);
  stats.set_commit_p50_us(metrics_.commit_seconds.Quantile(0.5) * 1e6);
  stats.set_commit_p99_us(metrics_.commit_seconds.Quantile(0.99) * 1e6);
  uint64_t rejected = 0;
  for (const auto& code : metrics_.rejected) rejected += code.load();
  stats.set_rejected_total(rejected);
  Busiest(feeds_, stats.mutable_busiest_feeds());
  Busiest(instruments_, stats.mutable_busiest_instruments());
  for (const auto& ack : recent_) {
    auto* recent = stats.add_recent();
    recent->set_article_id(ack.article_id());
    recent->set_version(ack.version());
    *recent->mutable_wire_time() = ack.wire_time();
    // Ten reads a second: cheaper than carrying every article to here.
    if (auto revision = store_.GetRevision(ack.article_id(), ack.version())) {
      recent->set_urgency(revision->article().urgency());
      recent->set_headline(revision->article().headline());
      recent->set_pubstatus(revision->article().pubstatus());
    }
  }
  uint64_t store_bytes = 0;
  for (const auto& [name, bytes] : store_.Sizes()) store_bytes += bytes;
  stats.set_store_bytes(store_bytes);
  if (auto usage = core::ReadProcessStats()) {
    stats.set_process_cpu_seconds(usage->cpu_seconds);
    stats.set_resident_bytes(usage->resident_bytes);
  }
  return stats.SerializeAsString();
}

}  // namespace newswire::daemon
