#include "zap_handler.h"

#include <spdlog/spdlog.h>

#include "newswire/core/socket_monitor.h"
#include "newswire/security/curve.h"
#include "newswire/security/keys.h"

namespace newswire::daemon {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::chrono::seconds kLogEvery{1};

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, const AccessControl& access, Metrics& metrics)
    : context_(context),
      access_(access),
      metrics_(metrics),
      socket_(context, zmq::socket_type::rep) {
  socket_.set(zmq::sockopt::linger, 0);
}

Result<std::unique_ptr<ZapHandler>> ZapHandler::Bind(zmq::context_t& context,
                                                     const AccessControl& access,
                                                     Metrics& metrics) {
  std::unique_ptr<ZapHandler> handler(new ZapHandler(context, access, metrics));
  try {
    handler->socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return Fail(v1::ERROR_CODE_INTERNAL, std::string("cannot bind the ZAP handler: ") + e.what());
  }
  return handler;
}

ZapHandler::~ZapHandler() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::Start() {
  thread_ = std::thread([this] { Serve(); });
}

void ZapHandler::Serve() {
  while (!stop_.load()) {
    try {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      Answer();
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      if (e.num() != EINTR) spdlog::error("ZAP handler: {}", e.what());
    }
  }
}

// [version][request id][domain][address][routing id][mechanism][credentials...]
// -> [version][request id][status code][status text][user id][metadata]
void ZapHandler::Answer() {
  std::vector<zmq::message_t> request;
  do {
    request.emplace_back();
    if (!socket_.recv(request.back(), zmq::recv_flags::dontwait)) return;
  } while (request.back().more());
  if (request.size() < 6) {
    // Not from libzmq; answer anyway so the REP socket stays in step.
    const std::string_view reply[] = {"1.0", "", "500", "malformed ZAP request", "", ""};
    for (std::size_t i = 0; i < std::size(reply); ++i) {
      socket_.send(zmq::buffer(reply[i]),
                   i + 1 < std::size(reply) ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    return;
  }
  const std::string domain = request[2].to_string();
  const std::string address = request[3].to_string();
  const std::string mechanism = request[5].to_string();
  std::string key;
  if (mechanism == "CURVE" && request.size() >= 7 && request[6].size() == 32) {
    key = security::EncodeKey(request[6].to_string_view());
  }
  const auto policy = access_.policy();
  const bool known = domain == security::kZapDomain && !key.empty() && policy &&
                     policy->FindByPublicKey(key) != nullptr;
  if (!known) LogRefusal(key.empty() ? "(" + mechanism + ")" : key, address);
  socket_.send(zmq::buffer(std::string_view("1.0")), zmq::send_flags::sndmore);
  socket_.send(request[1], zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(std::string_view(known ? "200" : "400")), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(std::string_view(known ? "OK" : "key not in the access file")),
               zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(known ? key : std::string()), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t(), zmq::send_flags::none);
}

// A refused key is logged, at most once a second (a client retrying in a
// loop must not flood the log); the count says how many were not.
void ZapHandler::LogRefusal(const std::string& key, const std::string& address) {
  ++unlogged_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_log_ < kLogEvery) return;
  spdlog::warn(
      "refused a connection from {}: CURVE key {} is not in the access file ({} refused "
      "since the last such line)",
      address, key, unlogged_);
  unlogged_ = 0;
  last_log_ = now;
}

}  // namespace newswire::daemon
