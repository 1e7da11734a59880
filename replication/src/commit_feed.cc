#include "newswire/replication/commit_feed.h"

#include <spdlog/spdlog.h>

namespace newswire::replication {

CommitFeed::CommitFeed(const store::RevisionStore& store, const ReplicationStatus& status)
    : store_(store), status_(status), last_sent_(store.LastCommit()) {}

std::vector<CommitFeed::Message> CommitFeed::Next(bool wanted, std::size_t max) {
  std::vector<Message> out;
  const uint64_t last = store_.LastCommit();
  if (last <= last_sent_) return out;
  if (!wanted) {
    last_sent_ = last;
    return out;
  }
  auto page = store_.ReadCommits(last_sent_ + 1, max);
  if (!page || page->commits().empty()) {
    spdlog::warn("replication: cannot read commits from {}: {}", last_sent_ + 1,
                 page ? "none held" : page.error().ToString());
    last_sent_ = last;
    return out;
  }
  const StatusSnapshot status = status_.Snapshot();
  // A primary is its own primary; a follower passes on what its upstream said.
  const uint64_t primary_commit =
      status.role == Role::kPrimary ? last : std::max(status.primary_commit, last);
  for (auto& commit : *page->mutable_commits()) {
    commit.set_primary_commit(primary_commit);
    commit.set_primary_hub(status.primary_hub);
    last_sent_ = commit.commit();
    out.push_back({commit.commit(), commit.SerializeAsString()});
  }
  return out;
}

}  // namespace newswire::replication
