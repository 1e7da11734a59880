// The query service's threads: a load-balancing broker (the zguide's
// "lbbroker", chapter 3) on the query ROUTER socket, in front of a pool of
// workers that answer from the store (AnswerQuery). Private.
//
// Requests wait in two lanes. Short ones (get, history, feed heads,
// backup) go first to any idle worker; log pages (read_log: replays,
// catch-ups, gap repairs) take turns per client, and never more than all
// workers but one at a time: one worker stays for the short lane, so a
// `get` is answered at once however many replays are being paged. Every
// request reads at most one page (query_service.h bounds them).
#pragma once

#include <atomic>
#include <cstddef>

#include <zmq.hpp>

#include "metrics.h"
#include "newswire/store/revision_store.h"
#include "query_service.h"
#include "security/daemon_security.h"

namespace newswire::daemon {

// Serves `frontend` (bound by the caller) on the calling thread with
// `workers` worker threads (at least 2) until `stop`, then joins them. A
// frame that is not a QueryRequest gets MALFORMED from the broker itself.
// Each request carries its connection's User-Id to its worker, which
// answers within that key's grants (security/query_guard.h).
void ServeQueries(zmq::context_t& context, zmq::socket_t& frontend, const QueryContext& query,
                  Metrics& metrics, DaemonSecurity& security, std::size_t workers,
                  const std::atomic<bool>& stop);

}  // namespace newswire::daemon
