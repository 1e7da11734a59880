// Where this node stands in a wire of primary and followers: its role, the
// primary it knows of, and how far behind its upstream and the primary it
// is. Written by the replication parts on the daemon's reactor thread, read
// by the query, HTTP and stats parts on theirs: every member is safe to
// call from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace newswire::replication {

enum class Role { kPrimary, kFollower };

// A consistent copy of the status, for one report.
struct StatusSnapshot {
  Role role = Role::kPrimary;
  std::string upstream;          // The hub a follower copies (empty on a primary).
  std::string primary_hub;       // Where publishes go (empty while unknown).
  uint64_t epoch = 0;            // The primary's term (0: no cluster).
  uint64_t applied_commit = 0;   // Newest commit held durably here.
  uint64_t upstream_commit = 0;  // Newest the upstream announced.
  uint64_t primary_commit = 0;   // Newest the primary announced (through the upstream).
  // Since when (wall clock, ns) this node has been behind its upstream; 0
  // when caught up.
  int64_t behind_since_ns = 0;
  bool connected = false;  // A follower's link to its upstream is up.
  std::string error;       // Why a follower stopped copying (empty: it did not).

  uint64_t commits_behind_upstream() const {
    return upstream_commit > applied_commit ? upstream_commit - applied_commit : 0;
  }
  uint64_t commits_behind_primary() const {
    const uint64_t primary = primary_commit > upstream_commit ? primary_commit : upstream_commit;
    return primary > applied_commit ? primary - applied_commit : 0;
  }
  double seconds_behind(int64_t now_ns) const {
    return behind_since_ns == 0 ? 0.0 : static_cast<double>(now_ns - behind_since_ns) / 1e9;
  }
  const char* role_name() const { return role == Role::kPrimary ? "primary" : "follower"; }
};

class ReplicationStatus {
 public:
  StatusSnapshot Snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  template <typename Change>
  void Update(Change change) {
    std::lock_guard lock(mutex_);
    change(state_);
  }

 private:
  mutable std::mutex mutex_;
  StatusSnapshot state_;
};

}  // namespace newswire::replication
