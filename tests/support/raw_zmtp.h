// A ZeroMQ peer spoken by hand over a plain TCP socket (ZMTP 3.0, RFC 23,
// NULL mechanism), for tests that must send what no well-behaved libzmq
// socket would: a hostile client. libzmq itself keeps a sender's
// subscriptions in a recursive trie, so a test cannot send a 16 MB one
// through it without crashing itself.
#pragma once

#include <string>

namespace newswire::testing {

class RawZmtpPeer {
 public:
  // Connects to "tcp://HOST:PORT" and completes the handshake as a socket
  // of `socket_type` ("SUB", "DEALER", ...). Throws when it cannot.
  RawZmtpPeer(const std::string& endpoint, const std::string& socket_type);
  ~RawZmtpPeer();
  RawZmtpPeer(const RawZmtpPeer&) = delete;
  RawZmtpPeer& operator=(const RawZmtpPeer&) = delete;

  // Sends one single-frame message; false when the peer has hung up.
  bool Send(const std::string& body);

 private:
  bool WriteAll(const std::string& bytes);
  int fd_ = -1;
};

}  // namespace newswire::testing
