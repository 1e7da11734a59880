// Replay: the wire as it happened, from the store. Every revision in a time
// range, in wire order, each as the event the live wire sent (diff or full),
// rebuilt and verified like a live delivery, at its original spacing scaled
// by `speed`. Point-in-time: it reads by wire time, so no text shows before
// it was published.
//
// Pages come from the query service on credit: one page is worked through
// while the next is on its way, and no more is asked for until that one is
// taken, so a large replay neither floods the client nor stalls the daemon,
// and client memory stays bounded (two pages, and with rebuild threads two
// pages more in flight through them).
//
// Articles are rebuilt on `rebuild_threads` threads, partitioned by article
// id so each article's versions are applied in order by one thread, and
// handed out strictly in wire order; repairs (a version fetched in full)
// are made on the thread calling Next, in order. Use a Replayer from one
// thread at a time; its own threads end (joined) when it is destroyed,
// mid-replay or not.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include <google/protobuf/timestamp.pb.h>

#include "newswire/core/clock.h"
#include "newswire/subscriber/snapshot.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::subscriber {

struct ReplayOptions {
  std::string hub = "tcp://127.0.0.1:7700";
  ChannelSelection channels;
  // The wire time range, both ends included (see core/time.h: a time after
  // 2262 is after everything, one before 1677 before everything). Open
  // refuses a Timestamp outside 0001..9999 with MALFORMED.
  google::protobuf::Timestamp from;               // First wire time included.
  std::optional<google::protobuf::Timestamp> to;  // Last included; unset: to the end.
  double speed = 0;  // 1 = real time, 10 = ten times faster, 0 = as fast as possible.
  std::chrono::milliseconds query_timeout{5000};
  uint32_t page_size = 500;
  // Latest verified versions kept to apply the next delta to, split evenly
  // between the rebuild threads (each keeps at least one).
  std::size_t max_held_articles = 100000;
  // Threads that rebuild and verify articles (zstd decode, SHA-256), besides
  // the caller's, which reads and merges pages: 1 rebuilds on the caller's
  // thread and starts none; 0 takes one fewer than the CPUs this process
  // may run on (its affinity), at least 1 and at most 4 (so 1 on two cores, where extra
  // threads measured slower). At most 2 × page_size records are in flight
  // through them.
  std::size_t rebuild_threads = 0;
  const core::Clock* clock = nullptr;  // Pacing clock; null: the system clock.
  // Start from the wire's state just before `from` (snapshot()): the
  // stories of the selected channels at their versions then, with their
  // articles, which the replay then applies what came after to, exactly as
  // a desk that held them live did (no repair, figure changes known).
  bool with_snapshot = false;
  // CURVE for a secure daemon; a reader of some feeds replays their feed
  // and scoped channels (ScopeTopics).
  std::optional<security::CurveClient> curve;
};

class Replayer {
 public:
  static Result<std::unique_ptr<Replayer>> Open(const ReplayOptions& options);
  virtual ~Replayer() = default;

  // The next revision, once its time (scaled) has come; nullopt at the end.
  virtual Result<std::optional<Delivery>> Next() = 0;

  // With ReplayOptions::with_snapshot, the state the replay starts from:
  // everything up to the wire sequence before the first revision Next
  // hands out. Empty otherwise.
  virtual const Snapshot& snapshot() const = 0;

 protected:
  Replayer() = default;
};

}  // namespace newswire::subscriber
