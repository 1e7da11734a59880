// The daemon's side of the access file: the policy in force, swapped whole
// on reload, and the Viewer of each request and subscription (who it is,
// from the User-Id the ZAP handler gave its connection, under the policy
// current when it arrived). Private to the daemon.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "newswire/core/error.h"
#include "newswire/security/access_policy.h"

namespace newswire::daemon {

// What one request or subscription may do. Cheap to copy; keeps the policy
// it was resolved under alive.
class Viewer {
 public:
  // A daemon without security: anonymous, and may do everything.
  static Viewer Open();

  const std::string& name() const { return name_; }
  bool secure() const { return !open_; }
  // The identity, or nullptr (open daemon, or a key no longer in the file).
  const security::Identity* identity() const { return identity_; }

  bool MayPublish(std::string_view feed) const {
    return open_ || (identity_ && identity_->MayPublish(feed));
  }
  bool MayRead(std::string_view feed) const {
    return open_ || (identity_ && identity_->MayRead(feed));
  }
  bool ReadsAll() const { return open_ || (identity_ && identity_->ReadsAll()); }
  bool MayOperate() const { return open_ || (identity_ && identity_->MayOperate()); }
  bool SeesAllFigures() const { return open_ || (identity_ && identity_->SeesAllFigures()); }
  // The replication channel, ReadCommits and ReportPosition (replicas).
  bool MayReplicate() const { return open_ || (identity_ && identity_->MayReplicate()); }
  // A revision channel: a feed or scoped channel of a readable feed, or
  // any channel for a reader of every feed (the wire, instruments and
  // topics mix feeds). False for the stats, control and replication
  // channels.
  bool MayReadChannel(std::string_view channel) const;
  // Why MayReadChannel is false, for the refusal.
  std::string WhyNot(std::string_view channel) const;
  // "roles publisher, subscriber" (or "no role"), for refusals.
  std::string Roles() const;

 private:
  friend class AccessControl;
  std::shared_ptr<const security::AccessPolicy> policy_;
  const security::Identity* identity_ = nullptr;
  bool open_ = false;
  std::string name_;
};

class AccessControl {
 public:
  // No access file: every viewer is Viewer::Open().
  static std::unique_ptr<AccessControl> Open();
  // Reads the access file. Its errors (NOT_FOUND, MALFORMED naming entry
  // and line).
  static Result<std::unique_ptr<AccessControl>> Load(const std::string& path);

  bool secure() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

  // The viewer of a message received from a client: its connection's
  // User-Id (the public key ZAP accepted) looked up in the policy now in
  // force. A key removed since the handshake is an identity that may do
  // nothing. Any thread.
  Viewer ViewerOf(const zmq::message_t& message) const;
  // The same from a User-Id; nullptr user id (a message with no metadata).
  Viewer ViewerOfKey(const char* user_id) const;
  // The viewer `identity` (of `policy`; nullptr: nobody) would be.
  static Viewer ViewerFor(std::shared_ptr<const security::AccessPolicy> policy,
                          const security::Identity* identity);
  // The viewer of an HTTP request's Authorization header ("Bearer TOKEN"):
  // the identity whose token_sha256 matches; nobody for none.
  Viewer ViewerOfBearer(std::string_view authorization) const;

  // The policy in force (the ZAP handler looks keys up in it). Any thread.
  std::shared_ptr<const security::AccessPolicy> policy() const;
  // Bumped by every successful reload.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Reads the file again and puts it in force for every request and
  // subscription from now on. On error the policy in force stays. Any thread.
  Result<uint64_t> Reload();

 private:
  AccessControl() = default;

  std::string path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const security::AccessPolicy> policy_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace newswire::daemon
