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
  // The feed channel comes second (core::ChannelsOf).
  const std::string feed(committed.channels.size() > 1 ? core::FeedOf(committed.channels[1]) : "");
  FeedCounts& counts = by_feed_[feed];
  ++counts.revisions;
  for (const auto& channel : committed.channels) {
    auto kind = core::KindOf(channel);
    if (kind == core::ChannelKind::kFeed) ++feeds_[std::string(core::ChannelName(channel))];
    if (kind == core::ChannelKind::kInstrument) {
      ++instruments_[std::string(core::ChannelName(channel))];
      ++counts.instruments[std::string(core::ChannelName(channel))];
    }
  }
  recent_.push_front(committed.ack);
  if (recent_.size() > kRecent) recent_.pop_back();
  auto& recent = recent_by_feed_[feed];
  recent.push_front(committed.ack);
  if (recent.size() > kRecent) recent.pop_back();
  feed_wire_seq_[feed] = committed.ack.wire_seq();
}

// One of the latest revisions, with its headline (read back: ten reads a
// second are cheaper than carrying every article to here).
void StatsChannel::AddRecent(v1::StatsEvent& stats, const v1::PublishAck& ack) const {
  auto* recent = stats.add_recent();
  recent->set_article_id(ack.article_id());
  recent->set_version(ack.version());
  *recent->mutable_wire_time() = ack.wire_time();
  if (auto revision = store_.GetRevision(ack.article_id(), ack.version())) {
    recent->set_urgency(revision->article().urgency());
    recent->set_headline(revision->article().headline());
    recent->set_pubstatus(revision->article().pubstatus());
  }
}

std::string StatsChannel::Filtered(const std::set<std::string, std::less<>>& feeds) const {
  v1::StatsEvent stats;
  *stats.mutable_time() = last_.time();
  stats.set_commit_p50_us(last_.commit_p50_us());
  stats.set_commit_p99_us(last_.commit_p99_us());
  stats.set_process_cpu_seconds(last_.process_cpu_seconds());
  stats.set_resident_bytes(last_.resident_bytes());
  uint64_t revisions = 0;
  std::unordered_map<std::string, uint64_t> feed_counts, instruments;
  std::vector<v1::PublishAck> recent;
  for (const auto& feed : feeds) {
    if (auto seq = feed_wire_seq_.find(feed); seq != feed_wire_seq_.end()) {
      stats.set_wire_seq(std::max(stats.wire_seq(), seq->second));
    }
    if (auto it = recent_by_feed_.find(feed); it != recent_by_feed_.end()) {
      recent.insert(recent.end(), it->second.begin(), it->second.end());
    }
    auto it = last_by_feed_.find(feed);
    if (it == last_by_feed_.end()) continue;
    revisions += it->second.revisions;
    feed_counts[feed] = it->second.revisions;
    for (const auto& [name, count] : it->second.instruments) instruments[name] += count;
  }
  stats.set_revisions_per_s(static_cast<double>(revisions) / interval_s_);
  Busiest(feed_counts, stats.mutable_busiest_feeds());
  Busiest(instruments, stats.mutable_busiest_instruments());
  std::sort(recent.begin(), recent.end(),
            [](const auto& a, const auto& b) { return a.wire_seq() > b.wire_seq(); });
  for (std::size_t i = 0; i < recent.size() && i < kRecent; ++i) AddRecent(stats, recent[i]);
  return stats.SerializeAsString();
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
  for (const auto& ack : recent_) AddRecent(stats, ack);
  uint64_t store_bytes = 0;
  for (const auto& [name, bytes] : store_.Sizes()) store_bytes += bytes;
  stats.set_store_bytes(store_bytes);
  if (auto usage = core::ReadProcessStats()) {
    stats.set_process_cpu_seconds(usage->cpu_seconds);
    stats.set_resident_bytes(usage->resident_bytes);
  }
  last_by_feed_ = std::move(by_feed_);
  by_feed_.clear();
  last_ = stats;
  return stats.SerializeAsString();
}

}  // namespace newswire::daemon
