// Frames of the daemon's ROUTER services (ingest and query): a request is
// [peer identity][payload], or [identity][empty delimiter][payload] from a
// REQ socket; the reply goes back with the same envelope. Private.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "newswire/core/error.h"

namespace newswire::daemon {

// Every frame of the next message, without waiting; empty when none.
std::vector<zmq::message_t> ReceiveMultipart(zmq::socket_t& socket);

struct Envelope {
  zmq::message_t identity;
  bool delimiter = false;
};

// Splits a ROUTER message into envelope and payload; nullopt payload when
// the frames are not [identity][payload] or [identity][][payload].
std::optional<zmq::message_t> SplitRequest(std::vector<zmq::message_t>& parts, Envelope& envelope);

// Sends `reply` back along `envelope`. Never blocks: a peer that is gone
// or not reading loses its reply (ROUTER drops it), not the service.
void SendReply(zmq::socket_t& socket, const Envelope& envelope, const std::string& reply);

// An encoded reply (v1::PublishReply or v1::QueryReply) holding `error`.
template <typename Reply>
std::string ErrorReply(uint64_t request_id, const Error& error) {
  Reply reply;
  reply.set_request_id(request_id);
  *reply.mutable_error() = error.ToProto();
  return reply.SerializeAsString();
}

}  // namespace newswire::daemon
