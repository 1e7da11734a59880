// Answers query-service requests from the store. Private to the daemon.
#pragma once

#include <atomic>
#include <string>

#include <zmq.hpp>

#include "metrics.h"
#include "newswire/store/revision_store.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {

// Page sizes when a request names none, and the most a request may ask for.
inline constexpr uint32_t kDefaultPage = 500;
inline constexpr uint32_t kMaxPage = 5000;

// The encoded v1::QueryReply. Pure function of the store's state; safe on
// any thread.
std::string AnswerQuery(const store::RevisionStore& store, const v1::QueryRequest& request);

// Serves the query ROUTER socket on the calling thread until `stop`: each
// request is answered from the store; a frame that is not a QueryRequest
// gets MALFORMED. The socket is used by this thread only.
void ServeQueries(zmq::socket_t& socket, const store::RevisionStore& store, Metrics& metrics,
                  const std::atomic<bool>& stop);

}  // namespace newswire::daemon
