// The gateway's HTTP routes: REST on the query client, replay as NDJSON,
// the stream, the OpenAPI description and the page. Private to the gateway.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "http_server.h"
#include "live_wire.h"
#include "newswire/gateway/auth.h"
#include "newswire/gateway/gateway.h"

namespace newswire::gateway {

// The HTTP status for a wire error code: not_found 404, malformed 400,
// unauthorized 401, unavailable 503, ...
unsigned HttpStatus(ErrorCode code);

class Routes {
 public:
  Routes(const GatewayOptions& options, const Authenticator& auth, LiveWire& live);
  ~Routes();                                        // Waits for queries and replays in progress.
  void Handle(std::shared_ptr<Exchange> exchange);  // io thread; never blocks.

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace newswire::gateway
