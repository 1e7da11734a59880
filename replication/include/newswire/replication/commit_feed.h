// The upstream side of replication: each commit this node's store holds,
// encoded once as a v1::ReplicatedCommit for the replication channel "r|"
// of the fan-out (its sequence frame is the commit index), whoever wrote it:
// the publish pipeline, an embargo release or retention on a primary, the
// follower's copy on a follower (so followers can follow followers). Read
// back from the store after each reactor round, only while a follower
// listens: with none, it costs nothing per revision. Reactor thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "newswire/replication/status.h"
#include "newswire/store/revision_store.h"

namespace newswire::replication {

class CommitFeed {
 public:
  // Starts after the store's newest commit: a follower that joins later
  // learns the head from its welcome heartbeat and reads the rest by query.
  CommitFeed(const store::RevisionStore& store, const ReplicationStatus& status);

  struct Message {
    uint64_t commit = 0;
    std::string bytes;  // Encoded v1::ReplicatedCommit.
  };
  // The commits written since the last call, oldest first, at most `max`
  // (the rest at the next call). None when `wanted` is false (no follower
  // listens): the feed then only moves on. A read error is logged and the
  // commits are skipped: followers read what they miss by query.
  std::vector<Message> Next(bool wanted, std::size_t max = 64);

 private:
  const store::RevisionStore& store_;
  const ReplicationStatus& status_;
  uint64_t last_sent_ = 0;
};

}  // namespace newswire::replication
