// ZeroMQ's ZAP (RFC 27) for the daemon's CURVE sockets: a REP socket on
// inproc://zeromq.zap.01 in the daemon's ZeroMQ context, answered on a
// thread of its own. libzmq asks it about every client key during the
// CURVE handshake; a key the access file names is accepted with the key
// itself as the connection's User-Id (looked up again on every request and
// subscription, so a key removed by a reload can do nothing more), any
// other is refused (status 400) and the connection is closed. (Failed
// handshakes are counted from the sockets' monitors: ConnectionGuard.)
// Private.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "../metrics.h"
#include "access_control.h"

namespace newswire::daemon {

class ZapHandler {
 public:
  // Binds the ZAP endpoint. Call before any CURVE socket binds: without a
  // handler, libzmq's CURVE accepts every client key. INTERNAL if bound
  // already (one handler per context).
  static Result<std::unique_ptr<ZapHandler>> Bind(zmq::context_t& context,
                                                  const AccessControl& access, Metrics& metrics);
  ~ZapHandler();  // Stops the thread.

  // Answers on a thread of its own until destroyed (requests queue until then).
  void Start();

 private:
  ZapHandler(zmq::context_t& context, const AccessControl& access, Metrics& metrics);
  void Serve();
  void Answer();
  void LogRefusal(const std::string& key, const std::string& address);

  zmq::context_t& context_;
  const AccessControl& access_;
  Metrics& metrics_;
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::chrono::steady_clock::time_point last_log_{};
  uint64_t unlogged_ = 0;  // Refusals since the last log line.
};

}  // namespace newswire::daemon
