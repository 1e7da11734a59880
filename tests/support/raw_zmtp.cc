#include "raw_zmtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>

#include "newswire/core/bytes.h"

namespace newswire::testing {
namespace {

// Frame flags (RFC 23): a command, and a long (8-byte) size.
constexpr char kCommand = 0x04;
constexpr char kLong = 0x02;

std::string Frame(char flags, const std::string& body) {
  std::string out;
  if (body.size() > 255) {
    out.push_back(static_cast<char>(flags | kLong));
    core::PutBigEndian(out, body.size(), 8);
  } else {
    out.push_back(flags);
    out.push_back(static_cast<char>(body.size()));
  }
  return out + body;
}

}  // namespace

RawZmtpPeer::RawZmtpPeer(const std::string& endpoint, const std::string& socket_type) {
  const auto colon = endpoint.rfind(':');
  const auto host_start = endpoint.find("//") + 2;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1))));
  inet_pton(AF_INET, endpoint.substr(host_start, colon - host_start).c_str(), &address.sin_addr);
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  // A daemon that stopped accepting must not hang the test: connect and
  // writes give up after a second (SO_SNDTIMEO bounds connect on Linux).
  timeval limit{1, 0};
  if (fd_ >= 0) setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot connect to " + endpoint);
  }
  // Greeting: signature, version 3.0, mechanism NULL, as-server 0, filler.
  std::string greeting("\xff\0\0\0\0\0\0\0\x01\x7f", 10);
  greeting += std::string("\x03\x00", 2);
  greeting += std::string("NULL") + std::string(16, '\0');
  greeting += std::string(32, '\0');
  std::string ready = "\x05READY";
  ready += std::string("\x0bSocket-Type", 12);
  core::PutBigEndian(ready, socket_type.size(), 4);
  ready += socket_type;
  if (!WriteAll(greeting) || !WriteAll(Frame(kCommand, ready))) {
    close(fd_);
    fd_ = -1;
    throw std::runtime_error("handshake with " + endpoint + " failed");
  }
}

RawZmtpPeer::~RawZmtpPeer() {
  if (fd_ >= 0) close(fd_);
}

bool RawZmtpPeer::Send(const std::string& body) { return WriteAll(Frame(0, body)); }

bool RawZmtpPeer::WriteAll(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace newswire::testing
