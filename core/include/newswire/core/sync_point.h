// Named points on the commit path where a test makes a step fail or waits
// on it, so that faults and races are reproduced deterministically: the
// idea of RocksDB's SyncPoint (test_util/sync_point.h), in small.
//
// Compiled in only when NEWSWIRE_SYNC_POINTS is defined (CMake defines it
// when the tests are built); otherwise NEWSWIRE_SYNC_POINT is the constant
// `false` and nothing test-only ships (the release image builds without
// tests). Thread-safe; an unarmed point costs one relaxed atomic load.
//
// Points: "store.write" (a commit or health probe write; failing it fails
// the write as a full disk would, after every other step ran),
// "store.resume" (failing it keeps a failed store from recovering),
// "daemon.settled" (a batch is durable, before fan-out and acks),
// "fanout.damage" (failing it sends the event's bytes damaged),
// "query.read_log" (a worker is about to read a log page).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace newswire::core {

class SyncPoints {
 public:
  static SyncPoints& Instance();

  // Each pass through `name` calls `action` on the passing thread; the pass
  // fails when it returns true. Replaces what `name` had.
  void Arm(std::string name, std::function<bool()> action);
  void Disarm(const std::string& name);
  void DisarmAll();

  // What a pass through `name` should do: true means fail.
  bool Pass(std::string_view name);

 private:
  SyncPoints() = default;
};

}  // namespace newswire::core

#ifdef NEWSWIRE_SYNC_POINTS
#define NEWSWIRE_SYNC_POINT(name) ::newswire::core::SyncPoints::Instance().Pass(name)
#else
#define NEWSWIRE_SYNC_POINT(name) false
#endif
