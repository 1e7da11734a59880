// ZeroMQ socket-monitor messages (zmq_socket_monitor): the first frame is
// a 16-bit event id in host byte order, then a 32-bit value; the second
// frame is the endpoint. Used to count connections (daemon) and to tell
// the application a connection went down or came back (subscriber).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace newswire::core {

// The event id of a monitor message's first frame (ZMQ_EVENT_...); 0 when
// the frame is too short to hold one.
inline uint16_t MonitorEventId(std::string_view first_frame) {
  uint16_t id = 0;
  if (first_frame.size() >= sizeof id) std::memcpy(&id, first_frame.data(), sizeof id);
  return id;
}

// The event's 32-bit value (an errno, a ZMQ_PROTOCOL_ERROR_... code, a ZAP
// status code, ...); 0 when the frame is too short to hold one.
inline uint32_t MonitorEventValue(std::string_view first_frame) {
  uint32_t value = 0;
  if (first_frame.size() >= 6) std::memcpy(&value, first_frame.data() + 2, sizeof value);
  return value;
}

}  // namespace newswire::core
