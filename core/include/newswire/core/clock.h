// The clock seam: the daemon stamps wire time and releases embargoes by
// this clock, so tests can move time without sleeping.
#pragma once

#include <cstdint>

namespace newswire::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch, UTC. Safe to call from any thread.
  virtual int64_t NowNs() const = 0;
  // Blocks until NowNs() >= `ns` (replay pacing). A test clock jumps.
  virtual void SleepUntilNs(int64_t ns) const = 0;
};

// The real wall clock (CLOCK_REALTIME).
const Clock& SystemClock();

}  // namespace newswire::core
