// The daemon library run inside the test process, for tests that must
// control its clock (embargo, replay timing). Real sockets, real store.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "newswire/daemon/wire_daemon.h"

namespace newswire::testing {

class InProcessDaemon {
 public:
  // `configure` may change the options (security, say) before the start.
  InProcessDaemon(const std::string& data_dir, const core::Clock& clock,
                  const std::function<void(daemon::DaemonOptions&)>& configure = {}) {
    daemon::DaemonOptions options;
    options.metrics_listen = "127.0.0.1:0";
    options.listen = "tcp://127.0.0.1:0";
    options.data_dir = data_dir;
    options.durability = store::Durability::kAsync;
    options.heartbeat_interval = std::chrono::milliseconds(100);
    if (configure) configure(options);
    auto started = daemon::WireDaemon::Start(options, clock);
    if (!started) throw std::runtime_error(started.error().ToString());
    daemon_ = std::move(*started);
    thread_ = std::thread([this] { daemon_->Run(stop_); });
  }
  ~InProcessDaemon() {
    stop_ = true;
    thread_.join();
  }
  std::string hub() const { return daemon_->hub(); }
  std::string metrics() const { return daemon_->metrics_address(); }

 private:
  std::unique_ptr<daemon::WireDaemon> daemon_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace newswire::testing
