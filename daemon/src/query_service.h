// Answers query-service requests from the store. Private to the daemon.
#pragma once

#include <string>

#include "newswire/store/revision_store.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {

// Page sizes when a request names none, and the most a request may ask for.
inline constexpr uint32_t kDefaultPage = 500;
inline constexpr uint32_t kMaxPage = 5000;

// The encoded v1::QueryReply. Pure function of the store's state; safe on
// any thread.
std::string AnswerQuery(const store::RevisionStore& store, const v1::QueryRequest& request);

}  // namespace newswire::daemon
