#include "zmq_frames.h"

namespace newswire::daemon {

std::vector<zmq::message_t> ReceiveMultipart(zmq::socket_t& socket) {
  std::vector<zmq::message_t> parts;
  while (true) {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) break;
    const bool more = part.more();
    parts.push_back(std::move(part));
    if (!more) break;
  }
  return parts;
}

std::optional<zmq::message_t> SplitRequest(std::vector<zmq::message_t>& parts, Envelope& envelope) {
  if (parts.empty()) return std::nullopt;
  envelope.identity = std::move(parts[0]);
  if (parts.size() == 2) return std::move(parts[1]);
  if (parts.size() == 3 && parts[1].size() == 0) {
    envelope.delimiter = true;
    return std::move(parts[2]);
  }
  return std::nullopt;
}

void SendReply(zmq::socket_t& socket, const Envelope& envelope, const std::string& reply) {
  zmq::message_t identity(envelope.identity.data(), envelope.identity.size());
  socket.send(identity, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  if (envelope.delimiter) {
    socket.send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  }
  socket.send(zmq::buffer(reply), zmq::send_flags::dontwait);
}

}  // namespace newswire::daemon
