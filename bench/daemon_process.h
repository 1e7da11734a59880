// A newswired child process for the benchmarks: started with a temp store,
// ready when it prints its ready line, measured through /proc, stopped with
// SIGTERM (SIGKILL past a grace period).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace newswire::bench {

class DaemonProcess {
 public:
  // Runs `path args...` with stdout piped and stderr appended to
  // `log_path`, and waits up to `ready_timeout` for
  // "ready tcp://HOST:PORT [http://HOST:PORT]". Null, after a "# ..." line
  // on stderr quoting the daemon's log, when it does not get ready.
  static std::unique_ptr<DaemonProcess> Start(const std::string& path,
                                              const std::vector<std::string>& args,
                                              const std::string& log_path,
                                              std::chrono::seconds ready_timeout);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  const std::string& hub() const { return hub_; }
  const std::string& metrics() const { return metrics_; }  // Empty when off.
  pid_t pid() const { return pid_; }

  // utime + stime of the daemon so far, from /proc/PID/stat.
  double CpuSeconds() const;
  // A "VmRSS"/"VmHWM" line of /proc/PID/status, in MiB; -1 if missing.
  double StatusMiB(const std::string& key) const;
  // SIGTERM, then SIGKILL if it has not exited within `grace`.
  void Stop(std::chrono::seconds grace = std::chrono::seconds(20));

 private:
  DaemonProcess() = default;

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string hub_;
  std::string metrics_;
};

}  // namespace newswire::bench
