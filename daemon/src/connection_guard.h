// Watches the daemon's client connections against its file descriptors.
// Every connection a client opens costs a descriptor; when they run out,
// RocksDB cannot rotate its WAL or write a table. At start the guard raises
// the descriptor limit to the hard limit; then it counts connections on
// each service (ZeroMQ socket monitors), and warns and counts when they
// pass the cap (the limit less what the store and the daemon keep). ZeroMQ
// offers no way to stop accepting while keeping the connections it has
// (zmq_unbind drops them all), so the cap is a warning, not a wall: the
// store keeps spare descriptors of its own and recovers once connections
// close (RocksDB Resume). Idle connections that never finish a handshake
// are closed by ZeroMQ after kHandshakeTimeout. Ingest thread only.
// Private.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <zmq.hpp>

#include "metrics.h"
#include "newswire/core/error.h"

namespace newswire::daemon {

class ConnectionGuard {
 public:
  enum Service { kIngest, kFanout, kQuery, kServices };

  // `reserve`: descriptors kept back for everything but client connections.
  // `on_subscriber_left` runs after a fan-out connection closes.
  ConnectionGuard(zmq::context_t& context, Metrics& metrics, std::size_t reserve,
                  std::function<void()> on_subscriber_left);
  // Stops the monitors while the watched sockets still live: libzmq 4.3.4
  // leaks an event it cannot hand to a monitor that has gone.
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // A connection that has not finished its ZeroMQ handshake by then is
  // closed (set on the sockets before they bind).
  static constexpr std::chrono::seconds kHandshakeTimeout{10};

  // Watches `socket`. INTERNAL when the monitor cannot be set up.
  Result<void> Watch(Service service, zmq::socket_t& socket);

  // The monitors' sockets, for the reactor; OnEvents handles what came
  // (failed handshakes too: Metrics::CountHandshake).
  zmq::socket_t& monitor(Service service) { return monitors_[service]; }
  void OnEvents(Service service);
  // After an unbind: handles events until the service's listener says it
  // closed (at most 5 s).
  void AwaitClosed(Service service);

  std::size_t cap() const { return cap_; }

 private:
  void Adjust();
  // Handles one monitor event; true when it says a listener closed.
  bool Handle(Service service, const zmq::message_t& event);

  Metrics& metrics_;
  std::array<zmq::socket_t, kServices> monitors_;
  std::array<void*, kServices> watched_{};  // The sockets watched (owned by the daemon).
  std::array<std::size_t, kServices> connections_{};
  std::size_t cap_ = 0;
  bool over_cap_ = false;
  std::function<void()> on_subscriber_left_;
};

}  // namespace newswire::daemon
