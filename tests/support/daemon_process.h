// A newswired child process, for tests and benchmarks alike: started with
// the given flags, ready once it prints "ready HUB [METRICS]" on stdout
// (the store is open and every socket bound), watched through /proc, and
// stopped with SIGTERM (SIGKILL past a grace period) or killed outright.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "newswire/core/error.h"
#include "newswire/core/process_stats.h"
#include "process.h"

namespace newswire::testing {

class DaemonProcess {
 public:
  // Runs `path args...`; stderr is captured (Stderr()) or, when
  // `stderr_path` is named, appended to that file. UNAVAILABLE, quoting what
  // the daemon said, when it does not get ready within `ready_timeout`.
  static Result<std::unique_ptr<DaemonProcess>> Start(const std::string& path,
                                                      std::vector<std::string> args,
                                                      std::chrono::milliseconds ready_timeout,
                                                      const std::string& stderr_path = "");
  ~DaemonProcess();  // SIGKILLs it if it still runs.
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  const std::string& hub() const { return hub_; }          // "tcp://HOST:PORT" or "ipc://PATH".
  const std::string& metrics() const { return metrics_; }  // "http://HOST:PORT"; empty when off.
  pid_t pid() const { return process_->pid(); }
  // CPU and memory so far (zeros once it is gone).
  core::ProcessStats Usage() const;

  // SIGTERM, then SIGKILL if it has not exited within `grace`; the exit code.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(20));
  void Kill9();  // As a crash or power cut would stop it.
  std::string Stderr() { return process_->AllStderr(); }
  // Waits until a line the daemon logs contains `text` (captured stderr).
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) {
    return process_->WaitForStderr(text, timeout);
  }

 private:
  explicit DaemonProcess(std::unique_ptr<Process> process) : process_(std::move(process)) {}

  std::unique_ptr<Process> process_;
  std::string hub_;
  std::string metrics_;
};

}  // namespace newswire::testing
