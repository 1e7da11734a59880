// The hub address: one address names all three daemon services.
//   tcp://HOST:PORT  ingest on PORT, fan-out on PORT+1, queries on PORT+2.
//   ipc://PATH       ingest on ipc://PATH.ingest, fan-out on PATH.fanout,
//                    queries on PATH.query (Unix sockets: one machine, no
//                    TCP stack, and a path nobody else can take).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "newswire/core/error.h"

namespace newswire::core {

struct HubEndpoints {
  std::string address;  // The hub as clients name it, e.g. "tcp://127.0.0.1:7700".
  std::string host;     // TCP only.
  uint16_t port = 0;    // TCP only.
  std::string ingest;   // tcp://HOST:PORT    ROUTER: publish requests.
  std::string fanout;   // tcp://HOST:PORT+1  XPUB: live revisions.
  std::string query;    // tcp://HOST:PORT+2  ROUTER: queries and replay.
};

inline constexpr std::string_view kDefaultHub = "tcp://127.0.0.1:7700";

// Parses "tcp://HOST:PORT" or "ipc://PATH". MALFORMED with a readable
// message otherwise. Port 0 is accepted (the daemon then picks free ports).
Result<HubEndpoints> ParseHub(std::string_view address);

// Endpoints for `host` with the services on port, port+1 and port+2.
HubEndpoints MakeHub(std::string_view host, uint16_t port);

}  // namespace newswire::core
