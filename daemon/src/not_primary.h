// A follower's ingest socket: every publish is refused with NOT_PRIMARY,
// naming the primary where it is known, so that a publisher (the library
// follows the name) sends it there instead. Nothing is read but the
// request id. Reactor thread only. Private.
#pragma once

#include <zmq.hpp>

#include "metrics.h"

namespace newswire::daemon {

// Answers every publish waiting on `ingest`.
void RefusePublishes(zmq::socket_t& ingest, Metrics& metrics);

}  // namespace newswire::daemon
