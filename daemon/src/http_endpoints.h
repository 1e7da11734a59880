// The daemon's HTTP side: GET /metrics (Prometheus text format) and GET
// /healthz (JSON; 200 when the store takes writes, 503 otherwise), served
// on a thread of cpp-httplib's own. Private.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "metrics.h"
#include "newswire/core/clock.h"
#include "newswire/core/error.h"
#include "newswire/store/revision_store.h"

namespace httplib {
class Server;
}

namespace newswire::daemon {

class HttpEndpoints {
 public:
  HttpEndpoints(store::RevisionStore& store, const Metrics& metrics, const core::Clock& clock);
  ~HttpEndpoints();  // Stops serving.

  // Binds "HOST:PORT" (port 0 picks one). MALFORMED for a bad address,
  // UNAVAILABLE when it cannot be bound.
  Result<void> Bind(const std::string& listen);
  // "http://HOST:PORT" once bound.
  const std::string& address() const { return address_; }
  // Serves on a thread of its own until destroyed.
  void Start();
  // Security on: /metrics answers only requests whose Authorization header
  // `sees_all` accepts (401 otherwise), and /healthz tells anyone else its
  // status alone. Before Start.
  void RequireFigures(std::function<bool(std::string_view authorization)> sees_all) {
    sees_all_ = std::move(sees_all);
  }

  // /healthz fails on a follower this many seconds behind its upstream.
  void set_max_replication_lag_s(int seconds) { max_replication_lag_s_ = seconds; }

 private:
  store::RevisionStore& store_;
  const Metrics& metrics_;
  const core::Clock& clock_;
  int max_replication_lag_s_ = 30;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
  std::function<bool(std::string_view)> sees_all_;
};

}  // namespace newswire::daemon
