#include "connection_guard.h"

#include <sys/resource.h>

#include <atomic>

#include <spdlog/spdlog.h>

#include "newswire/core/socket_monitor.h"
#include "newswire/security/curve.h"

namespace newswire::daemon {
namespace {

// The soft descriptor limit, raised to the hard one first (a daemon may).
std::size_t DescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? (1u << 20) : static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace

ConnectionGuard::ConnectionGuard(zmq::context_t& context, Metrics& metrics, std::size_t reserve,
                                 std::function<void()> on_subscriber_left)
    : metrics_(metrics),
      monitors_{zmq::socket_t(context, zmq::socket_type::pair),
                zmq::socket_t(context, zmq::socket_type::pair),
                zmq::socket_t(context, zmq::socket_type::pair)},
      on_subscriber_left_(std::move(on_subscriber_left)) {
  const std::size_t limit = DescriptorLimit();
  cap_ = limit > reserve + 16 ? limit - reserve : 16;
  metrics_.connection_cap.store(static_cast<int64_t>(cap_), std::memory_order_relaxed);
  spdlog::info("file descriptors: limit {}, {} kept for the store, up to {} client connections",
               limit, limit - cap_, cap_);
}

ConnectionGuard::~ConnectionGuard() {
  for (void* socket : watched_) {
    if (socket != nullptr) (void)zmq_socket_monitor(socket, nullptr, 0);
  }
}

Result<void> ConnectionGuard::Watch(Service service, zmq::socket_t& socket) {
  static std::atomic<int> counter{0};
  const std::string address = "inproc://newswired-monitor-" + std::to_string(++counter);
  if (zmq_socket_monitor(socket.handle(), address.c_str(),
                         ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED |
                             security::kHandshakeEvents) != 0) {
    return Fail(v1::ERROR_CODE_INTERNAL, "cannot monitor the daemon's connections");
  }
  monitors_[service].connect(address);
  watched_[service] = socket.handle();
  return {};
}

void ConnectionGuard::OnEvents(Service service) {
  while (true) {
    zmq::message_t event, address;
    if (!monitors_[service].recv(event, zmq::recv_flags::dontwait)) break;
    if (event.more()) (void)monitors_[service].recv(address, zmq::recv_flags::dontwait);
    Handle(service, event);
  }
  metrics_.connected_subscribers.store(static_cast<int64_t>(connections_[kFanout]),
                                       std::memory_order_relaxed);
  Adjust();
}

bool ConnectionGuard::Handle(Service service, const zmq::message_t& event) {
  const uint16_t id = core::MonitorEventId(event.to_string_view());
  if (id == ZMQ_EVENT_ACCEPTED) ++connections_[service];
  if (id == ZMQ_EVENT_DISCONNECTED && connections_[service] > 0) {
    --connections_[service];
    if (service == kFanout && on_subscriber_left_) on_subscriber_left_();
  }
  metrics_.CountHandshake(service, id, core::MonitorEventValue(event.to_string_view()));
  return id == ZMQ_EVENT_CLOSED;
}

void ConnectionGuard::AwaitClosed(Service service) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (bool closed = false; !closed && std::chrono::steady_clock::now() < deadline;) {
    zmq::pollitem_t item{monitors_[service].handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
    zmq::message_t event, address;
    if (!monitors_[service].recv(event, zmq::recv_flags::dontwait)) continue;
    if (event.more()) (void)monitors_[service].recv(address, zmq::recv_flags::dontwait);
    closed = Handle(service, event);
  }
  OnEvents(service);
}

void ConnectionGuard::Adjust() {
  std::size_t total = 0;
  for (std::size_t n : connections_) total += n;
  metrics_.connections.store(static_cast<int64_t>(total), std::memory_order_relaxed);
  if (!over_cap_ && total >= cap_) {
    over_cap_ = true;
    metrics_.connection_cap_reached.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "{} client connections reached the cap of {}: the store's file descriptors are at risk "
        "(raise the limit: LimitNOFILE in the systemd unit, ulimit -n)",
        total, cap_);
  } else if (over_cap_ && total < cap_ * 9 / 10) {
    over_cap_ = false;
    spdlog::info("{} client connections, back below the cap of {}", total, cap_);
  }
}

}  // namespace newswire::daemon
