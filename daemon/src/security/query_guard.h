// Entitlements on the query service: what the grants allow of each query,
// decided before the store answers it (AnswerQuery never sees a refused
// one), and the queries about access itself.
//
//   GetArticle, GetHistory  an article of a feed not granted is NOT_FOUND,
//                           in the very words a missing one gets: nobody
//                           learns that it exists
//   ReadLog                 a feed or feed-scoped channel of a granted
//                           feed; the wire log, instrument and topic
//                           channels (they mix feeds) for readers of every
//                           feed; else UNAUTHORIZED (which says nothing
//                           about any article)
//   GetSnapshot             as ReadLog, by its channel
//   GetFeedHeads            a granted feed, else UNAUTHORIZED
//   Backup, ReloadAccess    operators
//   ReadCommits,            replicas (followers): the store's commits hold
//   ReportPosition          held embargoes, and a reported position counts
//                           towards quorum acks
//   GetAccess               anyone: who the daemon takes this key for
//
// Any thread (the query service's). Private.
#pragma once

#include <optional>
#include <string>

#include "../metrics.h"
#include "access_control.h"
#include "newswire/store/revision_store.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {

// The encoded v1::QueryReply when access decides the answer (a refusal, or
// a query about access); nullopt when the store answers as usual.
std::optional<std::string> GuardQuery(const Viewer& viewer, const v1::QueryRequest& request,
                                      const store::RevisionStore& store, AccessControl& access,
                                      Metrics& metrics);

}  // namespace newswire::daemon
