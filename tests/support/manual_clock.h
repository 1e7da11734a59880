// A clock that moves only when told (or when someone sleeps on it), for
// embargo and replay-pacing tests that must not sleep.
#pragma once

#include <atomic>

#include "newswire/core/clock.h"

namespace newswire::testing {

class ManualClock final : public core::Clock {
 public:
  explicit ManualClock(int64_t start_ns) : now_(start_ns) {}
  int64_t NowNs() const override { return now_.load(); }
  void SleepUntilNs(int64_t ns) const override {
    int64_t now = now_.load();
    while (now < ns && !now_.compare_exchange_weak(now, ns)) {
    }
  }
  void Advance(int64_t ns) { now_ += ns; }
  void Set(int64_t ns) { now_ = ns; }

 private:
  mutable std::atomic<int64_t> now_;
};

}  // namespace newswire::testing
