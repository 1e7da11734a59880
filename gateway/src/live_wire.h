// The live wire for Server-Sent Events clients.
//
// One subscriber follows the whole wire from the daemon's head at start-up
// (since_wire_seq = head + 1, so nothing falls between "head" and "live");
// its thread rebuilds and verifies each revision once and hands the
// prepared event to the io thread, which keeps the last `recent_events` in
// order and offers each to every live client whose selection and grants
// match.
//
// A client that resumes with Last-Event-ID = N gets N+1... from the recent
// events when they still hold N+1; otherwise a catch-up thread follows the
// wire from N+1 with its own subscriber (since_wire_seq: history from the
// store, then live), paced by the client's socket, until the recent events
// cover where it is; then it joins the live clients. Wire sequences only
// go forward per client, so nothing is sent twice.
//
// A live client whose unsent bytes pass `client_buffer_bytes` is sent a
// final `cutoff` event naming the last id it was sent and is disconnected:
// the gateway's memory stays bounded by the recent events plus one buffer's
// worth of events per client, shared between clients. Private to the gateway.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "http_server.h"
#include "newswire/gateway/gateway.h"
#include "wire_event.h"

namespace newswire::gateway {

class LiveWire {
 public:
  // Starts following the wire; UNAVAILABLE when the daemon does not answer.
  static Result<std::unique_ptr<LiveWire>> Start(boost::asio::io_context& io,
                                                 const GatewayOptions& options);
  virtual ~LiveWire() = default;

  // io thread: a new stream client. `last_event_id` is the Last-Event-ID
  // header (empty: live from now on).
  virtual void AddClient(std::shared_ptr<Stream> stream, Identity identity, Selection selection,
                         std::optional<uint64_t> last_event_id) = 0;
  virtual uint64_t last_wire_seq() const = 0;  // Latest revision seen (any thread).
  virtual std::size_t clients() const = 0;     // Any thread.
  virtual void Stop() = 0;                     // Joins the threads; any thread but io.

 protected:
  LiveWire() = default;
};

}  // namespace newswire::gateway
