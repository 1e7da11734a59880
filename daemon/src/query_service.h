// Answers query-service requests from the store. Private to the daemon.
#pragma once

#include <atomic>
#include <string>

#include "newswire/replication/status.h"
#include "newswire/store/revision_store.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {

// Page sizes when a request names none, and the most a request may ask for.
inline constexpr uint32_t kDefaultPage = 500;
inline constexpr uint32_t kMaxPage = 5000;

// The encoded v1::QueryReply. A pure function of the store's state (but a
// backup, which writes a copy); safe on any thread.
// What answering a query may use besides the request.
struct QueryContext {
  const store::RevisionStore& store;
  // Folder backups are taken into (a request names a new folder inside
  // it); empty: backups are off.
  std::string backup_dir;
  std::atomic<uint64_t>* backups = nullptr;  // Counts backups taken, when set.
  // Names the primary in commit pages and takes followers' positions
  // (replication); null: neither.
  replication::ReplicationStatus* replication = nullptr;
};

std::string AnswerQuery(const QueryContext& context, const v1::QueryRequest& request);

}  // namespace newswire::daemon
