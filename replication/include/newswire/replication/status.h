// Where this node stands in a wire of primary and followers: its role, the
// primary it knows of, and how far behind its upstream and the primary it
// is. Written by the replication parts on the daemon's reactor thread, read
// by the query, HTTP and stats parts on theirs: every member is safe to
// call from any thread.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

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
  ReplicationStatus() : wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~ReplicationStatus() {
    if (wake_fd_ >= 0) close(wake_fd_);
  }
  ReplicationStatus(const ReplicationStatus&) = delete;
  ReplicationStatus& operator=(const ReplicationStatus&) = delete;

  // Quorum acks: followers' durable positions, reported to this node (the
  // query threads call this). Readable on wake_fd() after each report.
  void ReportPosition(const std::string& node, uint64_t commit) {
    {
      std::lock_guard lock(mutex_);
      uint64_t& position = positions_[node];
      if (commit <= position) return;
      position = commit;
    }
    const uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
  }
  int wake_fd() const { return wake_fd_; }
  void Woken() const {
    uint64_t count = 0;
    if (wake_fd_ >= 0) (void)!read(wake_fd_, &count, sizeof count);
  }
  void ForgetPositions() {
    std::lock_guard lock(mutex_);
    positions_.clear();
  }
  // The newest commit a majority of `replicas` nodes holds, this one
  // (holding `own`) counted: Kafka's high watermark.
  uint64_t QuorumCommit(uint64_t own, int replicas) const {
    std::vector<uint64_t> held = {own};
    {
      std::lock_guard lock(mutex_);
      for (const auto& [node, commit] : positions_) held.push_back(std::min(commit, own));
    }
    const std::size_t majority = static_cast<std::size_t>(replicas / 2 + 1);
    if (held.size() < majority) return 0;
    std::sort(held.begin(), held.end(), std::greater<>());
    return held[majority - 1];
  }

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
  std::map<std::string, uint64_t> positions_;
  int wake_fd_ = -1;
};

}  // namespace newswire::replication
