#include "newswire/security/curve.h"

#include <atomic>

#include "newswire/core/socket_monitor.h"

namespace newswire::security {

Result<std::optional<CurveClient>> LoadCurveClient(const std::string& key_file,
                                                   const std::string& server_key_file) {
  if (key_file.empty() && server_key_file.empty()) return std::optional<CurveClient>();
  if (key_file.empty() || server_key_file.empty()) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "CURVE needs both --key (this client's secret key file) and --server-key (the "
                "daemon's public key file)");
  }
  auto own = ReadSecretKeyFile(key_file);
  if (!own) return Fail(own.error());
  auto server = ReadPublicKeyFile(server_key_file);
  if (!server) return Fail(server.error());
  return std::optional(CurveClient{std::move(*own), std::move(*server)});
}

void ApplyCurveClient(zmq::socket_t& socket, const CurveClient& curve) {
  socket.set(zmq::sockopt::curve_serverkey, curve.server_key);
  socket.set(zmq::sockopt::curve_publickey, curve.own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, curve.own.secret_key);
}

void ApplyCurveServer(zmq::socket_t& socket, const KeyPair& server) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, server.secret_key);
  socket.set(zmq::sockopt::zap_domain, std::string(kZapDomain));
}

std::optional<Error> HandshakeFailure(uint16_t event, uint32_t value, std::string_view endpoint,
                                      bool client_uses_curve) {
  const std::string where(endpoint);
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return Error{v1::ERROR_CODE_UNAUTHORIZED,
                   where + " refused this client's key (status " + std::to_string(value) +
                       "): its public key is not in the daemon's access file",
                   0};
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
        return Error{v1::ERROR_CODE_UNAUTHORIZED,
                     client_uses_curve
                         ? where +
                               " does not speak CURVE, and this client does (--key and "
                               "--server-key): drop them, or start the daemon with "
                               "--curve-secret-key"
                         : where +
                               " requires CURVE: give this client --key (its secret key "
                               "file) and --server-key (the daemon's public key file)",
                     0};
      }
      return Error{v1::ERROR_CODE_UNAUTHORIZED,
                   "the handshake with " + where + " failed (ZMTP protocol error " +
                       std::to_string(value) + ")",
                   0};
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      return Error{v1::ERROR_CODE_UNAUTHORIZED,
                   client_uses_curve
                       ? "the CURVE handshake with " + where +
                             " broke off: is --server-key the daemon's public key?"
                       : "the handshake with " + where +
                             " broke off: if the daemon requires CURVE, give this client --key "
                             "and --server-key",
                   0};
    default: return std::nullopt;
  }
}

HandshakeWatch::HandshakeWatch(zmq::context_t& context, std::string endpoint, bool curve)
    : monitor_(context, zmq::socket_type::pair), endpoint_(std::move(endpoint)), curve_(curve) {}

Result<std::unique_ptr<HandshakeWatch>> HandshakeWatch::Attach(zmq::context_t& context,
                                                               zmq::socket_t& socket,
                                                               std::string endpoint, bool curve) {
  static std::atomic<uint64_t> counter{0};
  const std::string address = "inproc://newswire-handshake-" + std::to_string(++counter);
  std::unique_ptr<HandshakeWatch> watch(new HandshakeWatch(context, std::move(endpoint), curve));
  if (zmq_socket_monitor(socket.handle(), address.c_str(), kHandshakeEvents) != 0) {
    return Fail(v1::ERROR_CODE_INTERNAL, "cannot monitor a socket's handshakes");
  }
  watch->monitor_.set(zmq::sockopt::linger, 0);
  watch->monitor_.connect(address);
  return watch;
}

bool IsDefiniteFailure(uint16_t event) {
  return event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
}

void HandshakeWatch::Read() {
  while (true) {
    zmq::message_t event, address;
    if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
    if (event.more()) (void)monitor_.recv(address, zmq::recv_flags::dontwait);
    const uint16_t id = core::MonitorEventId(event.to_string_view());
    if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      failure_.reset();
      definite_ = false;
      broken_off_ = 0;
    } else if (auto failure = HandshakeFailure(id, core::MonitorEventValue(event.to_string_view()),
                                               endpoint_, curve_)) {
      failure_ = std::move(failure);
      broken_off_ = id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ? broken_off_ + 1 : 0;
      definite_ = IsDefiniteFailure(id) || broken_off_ >= 3;
    }
  }
}

std::optional<Error> HandshakeWatch::Failure() {
  Read();
  return definite_ ? failure_ : std::nullopt;
}

std::optional<Error> HandshakeWatch::Suspected() {
  Read();
  return failure_;
}

}  // namespace newswire::security
