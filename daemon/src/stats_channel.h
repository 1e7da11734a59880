// The stats channel "s|": once a second a v1::StatsEvent, so that a
// monitoring tool (`newswire top`) needs nothing but the wire. Collects
// per-interval counts of feeds and instruments and the latest revisions as
// they are committed. A secure daemon also sends, to readers granted only
// some feeds, the same interval's event cut down to those feeds (Filtered).
// Ingest thread only. Private.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>

#include "metrics.h"
#include "newswire/core/clock.h"
#include "newswire/store/revision_store.h"

namespace newswire::daemon {

class StatsChannel {
 public:
  StatsChannel(const store::RevisionStore& store, const Metrics& metrics, const core::Clock& clock,
               std::chrono::milliseconds interval);

  // A revision went out.
  void Note(const store::Committed& committed);
  // The encoded event for the interval just ended; starts the next one.
  std::string Next();
  // The interval Next ended, for a reader of `feeds` only: their revision
  // figures, busiest instruments and latest headlines; the daemon's own
  // figures (commit latency, CPU, memory); nothing that counts other feeds
  // or other clients (wire-wide rates, subscribers, rejections, store size).
  std::string Filtered(const std::set<std::string, std::less<>>& feeds) const;

 private:
  // What an interval counted, per feed.
  struct FeedCounts {
    uint64_t revisions = 0;
    std::unordered_map<std::string, uint64_t> instruments;
  };
  void AddRecent(v1::StatsEvent& stats, const v1::PublishAck& ack) const;

  const store::RevisionStore& store_;
  const Metrics& metrics_;
  const core::Clock& clock_;
  const double interval_s_;
  uint64_t ingested_ = 0;  // At the start of the interval.
  uint64_t fanout_ = 0;
  std::unordered_map<std::string, uint64_t> feeds_;
  std::unordered_map<std::string, uint64_t> instruments_;
  std::deque<v1::PublishAck> recent_;  // Newest first.
  // Per feed: this interval's counts, the last one's, the latest revisions
  // (newest first) and the last wire sequence.
  std::unordered_map<std::string, FeedCounts> by_feed_, last_by_feed_;
  std::unordered_map<std::string, std::deque<v1::PublishAck>> recent_by_feed_;
  std::unordered_map<std::string, uint64_t> feed_wire_seq_;
  v1::StatsEvent last_;  // The last full event.
};

}  // namespace newswire::daemon
