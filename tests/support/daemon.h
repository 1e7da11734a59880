// A real newswired process for a test, on free loopback ports (or a hub
// address the test holds, such as an ipc:// path in its own folder) with a
// store in a folder the test owns. Paths of the binaries come from the
// build (CMake).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon_process.h"

namespace newswire::testing {

std::string NewswiredPath();
std::string NewswirePath();
std::string ExamplesDir();
std::string SourceDir();  // The repository root.

class Daemon {
 public:
  // Starts newswired on `listen` (default: free TCP ports) and waits until
  // it prints its ready line; throws if it does not within 15 s. A test
  // that restarts a daemon on the same address uses an ipc:// hub in its
  // own temp folder: a TCP port it let go may be taken by another test.
  Daemon(std::string data_dir, std::vector<std::string> extra_args = {},
         std::string listen = "tcp://127.0.0.1:0");

  const std::string& hub() const { return process_->hub(); }
  const std::string& data_dir() const { return data_dir_; }
  // "http://127.0.0.1:PORT" serving /metrics and /healthz.
  const std::string& metrics() const { return process_->metrics(); }
  pid_t pid() const { return process_->pid(); }

  void Kill9() { process_->Kill9(); }  // SIGKILL, as a crash or power cut would stop it.
  int Stop() { return process_->Stop(std::chrono::seconds(15)); }  // SIGTERM; the exit code.
  std::string Stderr() { return process_->Stderr(); }
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) {
    return process_->WaitForLog(text, timeout);
  }

 private:
  std::string data_dir_;
  std::unique_ptr<DaemonProcess> process_;
};

// A loopback port that is held but never answers: a listening socket that
// accepts nobody. Clients see a hub that is down, and unlike the port of a
// killed daemon, no other test's daemon can bind it meanwhile.
class SilentHub {
 public:
  SilentHub();
  ~SilentHub();
  SilentHub(const SilentHub&) = delete;
  SilentHub& operator=(const SilentHub&) = delete;

  const std::string& hub() const { return hub_; }

 private:
  int fd_ = -1;
  std::string hub_;
};

}  // namespace newswire::testing
