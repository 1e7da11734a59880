// A process's CPU time and memory, from Linux /proc (proc(5)): the daemon's
// own /metrics, and tests and benchmarks watching a daemon they started.
#pragma once

#include <optional>

namespace newswire::core {

struct ProcessStats {
  double cpu_seconds = 0;          // User + system time so far.
  double resident_bytes = 0;       // VmRSS.
  double peak_resident_bytes = 0;  // VmHWM: the most it was resident.
};

// `pid` 0 is this process. nullopt when the process is gone or /proc cannot
// be read. Safe from any thread.
std::optional<ProcessStats> ReadProcessStats(int pid = 0);

}  // namespace newswire::core
