// A real newswired process on free loopback ports with a store in a folder
// the test owns. Paths of the binaries come from the build (CMake).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace newswire::testing {

std::string NewswiredPath();
std::string NewswirePath();
std::string ExamplesDir();
std::string SourceDir();  // The repository root.

class Daemon {
 public:
  // Starts newswired on `listen` (default: free ports) and waits until it
  // prints its ready line; throws if it does not within 15 s.
  Daemon(std::string data_dir, std::vector<std::string> extra_args = {},
         std::string listen = "tcp://127.0.0.1:0");
  ~Daemon();

  const std::string& hub() const { return hub_; }
  const std::string& data_dir() const { return data_dir_; }
  // "http://127.0.0.1:PORT" serving /metrics and /healthz.
  const std::string& metrics() const { return metrics_; }

  void Kill9();  // SIGKILL, as a crash or power cut would stop it.
  int Stop();    // SIGTERM; returns the exit code.
  std::string Stderr() { return process_->AllStderr(); }

 private:
  std::string data_dir_;
  std::string hub_;
  std::string metrics_;
  std::unique_ptr<Process> process_;
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
