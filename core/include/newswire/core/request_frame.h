// What the daemon and every client agree on about a request frame
// (PublishRequest on the ingest socket, QueryRequest on the query socket).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace newswire::core {

// The largest frame the daemon's ROUTER sockets take (ZMQ_MAXMSGSIZE).
// ZeroMQ drops the connection of a peer that sends a larger one, so such a
// request is never answered: clients refuse it with TOO_LARGE before sending.
inline constexpr std::size_t kMaxFrameBytes = 64u << 20;

// The request id (field 1, a varint) of an encoded PublishRequest or
// QueryRequest, read without parsing the rest, so that a refusal of a frame
// that is too large or does not parse still names the request it answers.
// Fields are read in order up to the first field 1; 0 when there is none
// before the bytes stop making sense. Clients write it first (protobuf
// serialises in field order), so it is read from the frame's first bytes.
uint64_t RequestIdOf(std::string_view frame);

}  // namespace newswire::core
