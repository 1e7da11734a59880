// Who may do what on the wire: the access file.
//
// One TOML file names every client. The daemon knows a client by its CURVE
// public key (checked by ZeroMQ's ZAP handshake), the HTTP gateway and the
// daemon's /metrics by a bearer token (kept as its SHA-256 only); either way
// the client is an identity with roles and feed grants, like a Kafka
// principal with its ACLs or a NATS user with its subject permissions:
//
//   [[identity]]
//   name = "desk-tokyo"                      # 1-64 of A-Z a-z 0-9 . _ -
//   public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"   # its NAME.pub
//   token_sha256 = "9f86d0..."               # optional: printf %s TOKEN | sha256sum
//   roles = ["subscriber"]
//   read_feeds = ["equities-asia"]           # ["*"]: every feed
//
// Roles: `publisher` publishes to `publish_feeds`; `subscriber` reads
// `read_feeds` (live fan-out, catch-up, queries, replay) and their figures
// on the stats channel; `operator` runs operations (backup, reload) and
// sees every figure (stats channel, top, /metrics, /healthz); `replica`
// reads every feed, held embargoes included, to copy the store: the
// replication channel r|, ReadCommits and ReportPosition are for replicas
// only (followers, and cluster nodes following the primary).
// The wildcard "*" stands alone in a list and means every feed, present
// and future; nothing else is a pattern. Unknown keys are errors, so a typo
// never grants or loses anything silently.
//
// A policy is immutable once loaded: share it between threads.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "newswire/core/error.h"

namespace newswire::security {

enum class Role : uint8_t { kPublisher = 1, kSubscriber = 2, kOperator = 4, kReplica = 8 };

// "publisher", "subscriber", "operator", "replica".
std::string_view RoleName(Role role);

// Names of identities, keys and feeds: 1-64 characters of A-Z a-z 0-9 . _ -
// (the article validation's rule for feeds).
bool IsName(std::string_view name);

// Feeds named in a grant, or every feed.
struct FeedGrant {
  bool all = false;
  std::set<std::string, std::less<>> feeds;

  bool Covers(std::string_view feed) const { return all || feeds.count(feed) > 0; }
  // "*" or the feeds joined by ", " (for messages).
  std::string Describe() const;
};

struct Identity {
  std::string name;
  std::string public_key;                 // Z85; empty for a token-only identity.
  std::vector<std::string> token_hashes;  // SHA-256 of each bearer token, raw bytes.
  uint8_t roles = 0;                      // Role bits.
  FeedGrant publish;                      // publish_feeds (publishers).
  FeedGrant read;                         // read_feeds (subscribers); every feed for a replica.

  bool Has(Role role) const { return (roles & static_cast<uint8_t>(role)) != 0; }
  bool MayPublish(std::string_view feed) const {
    return Has(Role::kPublisher) && publish.Covers(feed);
  }
  bool MayRead(std::string_view feed) const {
    return Has(Role::kReplica) || (Has(Role::kSubscriber) && read.Covers(feed));
  }
  // Every feed: the mixed channels (the wire, instruments, topics) too.
  bool ReadsAll() const { return Has(Role::kReplica) || (Has(Role::kSubscriber) && read.all); }
  // Embargoed text before its release: replicas only (they copy the store).
  bool MayReadHeld() const { return Has(Role::kReplica); }
  // The store's commits as they are (r|, ReadCommits), and reporting what
  // this node holds (ReportPosition, which counts towards quorum acks).
  bool MayReplicate() const { return Has(Role::kReplica); }
  bool MayOperate() const { return Has(Role::kOperator); }
  // Every figure of the stats channel and the HTTP endpoint.
  bool SeesAllFigures() const { return MayOperate() || ReadsAll(); }
};

class AccessPolicy {
 public:
  // Reads and checks an access file. MALFORMED naming the file, the entry
  // and what is wrong (a syntax error with its line, an unknown key or
  // role, a bad key or token hash, a name or key used twice, "*" beside
  // feed names, grants without their role or a role without its grant).
  static Result<AccessPolicy> Load(const std::string& path);
  // The same from text; `source` names it in messages.
  static Result<AccessPolicy> Parse(std::string_view text, std::string_view source);

  const std::vector<Identity>& identities() const { return identities_; }
  // nullptr when unknown.
  const Identity* FindByName(std::string_view name) const;
  const Identity* FindByPublicKey(std::string_view z85) const;
  // The identity whose token hashes to one of its token_sha256 (compared in
  // constant time); nullptr for an unknown token.
  const Identity* FindByToken(std::string_view token) const;

 private:
  std::vector<Identity> identities_;
  std::unordered_map<std::string, std::size_t> by_name_;  // Index into identities_.
  std::unordered_map<std::string, std::size_t> by_key_;
};

}  // namespace newswire::security
