// CURVE on ZeroMQ sockets (CurveZMQ, ZeroMQ RFC 26), both ends, and what a
// failed handshake means to the person running the client.
//
// The daemon's sockets are CURVE servers with the ZAP domain "newswire":
// ZeroMQ asks the daemon's ZAP handler (RFC 27) about every client key
// during the handshake. A client sets its own key pair and the daemon's
// public key on each socket before connecting; nothing else changes (the
// frames are the same, encrypted).
//
// A handshake that fails is not an error ZeroMQ returns from a call: it
// shows up on a socket monitor. HandshakeWatch turns those events into
// typed errors that say what to fix. Functions are stateless; a
// HandshakeWatch belongs to the thread that uses its socket.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "newswire/core/error.h"
#include "newswire/security/keys.h"

namespace newswire::security {

// The ZAP domain of the daemon's sockets (non-empty: libzmq then asks the
// ZAP handler for every mechanism, NULL included).
inline constexpr std::string_view kZapDomain = "newswire";

// A client's CURVE settings: its own key pair and the daemon's public key.
struct CurveClient {
  KeyPair own;             // --key: the client's secret key file.
  std::string server_key;  // --server-key: the daemon's public key, Z85.
};

// Reads --key FILE and --server-key FILE: both, or neither (nullopt: no
// CURVE). MALFORMED when only one is given; the errors of
// ReadSecretKeyFile and ReadPublicKeyFile.
Result<std::optional<CurveClient>> LoadCurveClient(const std::string& key_file,
                                                   const std::string& server_key_file);

// Before connect: this socket speaks CURVE to the daemon.
void ApplyCurveClient(zmq::socket_t& socket, const CurveClient& curve);
// Before bind: this socket is a CURVE server whose clients ZAP checks.
void ApplyCurveServer(zmq::socket_t& socket, const KeyPair& server);

// Monitor events that report handshakes (ask for these).
inline constexpr int kHandshakeEvents =
    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

// What a client-side monitor event means, as an error naming the cause and
// the fix: UNAUTHORIZED for a key the daemon refused, for a daemon that
// needs CURVE when the client has no key (or the reverse), and for a
// handshake that broke off (with CURVE, most often a --server-key that is
// not the daemon's public key; without, most often a daemon that needs
// CURVE and hung up first). nullopt for events that are not failures.
std::optional<Error> HandshakeFailure(uint16_t event, uint32_t value, std::string_view endpoint,
                                      bool client_uses_curve);
// True for the failures that are certain at once (a refused key, a
// mechanism mismatch); a handshake that broke off may be a daemon
// restarting, and is certain only once it happens again and again.
bool IsDefiniteFailure(uint16_t event);

// Watches one client socket's handshakes.
class HandshakeWatch {
 public:
  // Call before the socket connects. INTERNAL if it cannot be monitored.
  static Result<std::unique_ptr<HandshakeWatch>> Attach(zmq::context_t& context,
                                                        zmq::socket_t& socket, std::string endpoint,
                                                        bool curve);

  // Reads the events so far; the failure since the last successful
  // handshake, if it is certain: a refused key or a mechanism mismatch, or
  // a handshake that broke off three times in a row.
  std::optional<Error> Failure();
  // Any failure since the last successful handshake, certain or not: what
  // to report when the daemon did not answer in time.
  std::optional<Error> Suspected();
  // Readable when events wait (to poll beside the socket).
  zmq::socket_t& monitor() { return monitor_; }

 private:
  HandshakeWatch(zmq::context_t& context, std::string endpoint, bool curve);

  zmq::socket_t monitor_;
  void Read();

  std::string endpoint_;
  bool curve_;
  std::optional<Error> failure_;
  bool definite_ = false;
  int broken_off_ = 0;  // Handshakes that broke off in a row.
};

}  // namespace newswire::security
