// The stats channel "s|": once a second a v1::StatsEvent, so that a
// monitoring tool (`newswire top`) needs nothing but the wire. Collects
// per-interval counts of feeds and instruments and the latest revisions as
// they are committed. Ingest thread only. Private.
#pragma once

#include <cstdint>
#include <deque>
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

 private:
  const store::RevisionStore& store_;
  const Metrics& metrics_;
  const core::Clock& clock_;
  const double interval_s_;
  uint64_t ingested_ = 0;  // At the start of the interval.
  uint64_t fanout_ = 0;
  std::unordered_map<std::string, uint64_t> feeds_;
  std::unordered_map<std::string, uint64_t> instruments_;
  std::deque<v1::PublishAck> recent_;  // Newest first.
};

}  // namespace newswire::daemon
