// A client of the daemon's query service: articles and history from the
// store. Owns its ZeroMQ context and socket; use from one thread at a time.
//
// On a secure daemon every answer is within the grants of the client's key:
// an article of a feed it may not read is NOT_FOUND, a channel it may not
// read is UNAUTHORIZED. A failed CURVE handshake is UNAUTHORIZED, saying
// why (security::HandshakeFailure), instead of a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "newswire/core/error.h"
#include "newswire/security/curve.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::subscriber {

class QueryClient {
 public:
  // MALFORMED if `hub` is not tcp://HOST:PORT; connecting is lazy. `curve`
  // for a secure daemon.
  static Result<std::unique_ptr<QueryClient>> Connect(
      std::string_view hub, std::chrono::milliseconds timeout,
      const std::optional<security::CurveClient>& curve = std::nullopt);
  virtual ~QueryClient() = default;

  // The article at `version` (0: latest). NOT_FOUND for an unknown article
  // or version, UNAVAILABLE when the daemon does not answer in time.
  virtual Result<v1::ArticleReply> GetArticle(std::string_view article_id, uint32_t version) = 0;

  // The newest version whose wire time is <= `as_of`: what a subscriber
  // could have seen then. NOT_FOUND if none was out yet (so for any time
  // before 1677, see core/time.h); MALFORMED, unsent, for a Timestamp
  // outside 0001..9999 or with nanos outside [0, 1e9).
  virtual Result<v1::ArticleReply> GetArticleAsOf(std::string_view article_id,
                                                  const google::protobuf::Timestamp& as_of) = 0;

  // Every version of an article, oldest first (all pages).
  virtual Result<v1::HistoryReply> GetHistory(std::string_view article_id) = 0;

  // One page of the wire log or of a channel (see v1::ReadLog).
  virtual Result<v1::LogReply> ReadLog(const v1::ReadLog& request) = 0;

  // Asks for a page now, so the daemon reads it while the caller works
  // through the previous one; the ReadLog call for the same request then
  // takes that answer instead of asking again. A few may be in flight.
  virtual void PrefetchLog(const v1::ReadLog& request) = 0;

  // One page of the wire as of an instant (see v1::GetSnapshot): the first
  // page with `as_of` (or `at_wire_seq`), the next ones with the reply's
  // wire_seq as `at_wire_seq` and its next_page_token.
  virtual Result<v1::SnapshotReply> ReadSnapshot(const v1::GetSnapshot& request) = 0;

  // Replication: a page of the daemon's commits from `from_commit` on (see
  // v1::ReadCommits), for a follower's catch-up and `admin compare`.
  // NOT_FOUND when retention removed `from_commit`.
  virtual Result<v1::CommitsReply> ReadCommits(uint64_t from_commit, uint32_t limit) = 0;
  // As PrefetchLog, for the ReadCommits call with the same arguments.
  virtual void PrefetchCommits(uint64_t from_commit, uint32_t limit) = 0;
  // Tells the daemon the newest commit `node` holds durably; sent without
  // waiting (the answer is dropped).
  virtual void ReportPosition(const std::string& node, uint64_t commit) = 0;

  // Has the daemon write a consistent copy of its store to `path` on its
  // own machine. Operators only on a secure daemon.
  virtual Result<v1::BackupReply> Backup(const std::string& path) = 0;

  // Who the daemon takes this client for, and what it may do.
  virtual Result<v1::AccessReply> GetAccess() = 0;
  // Has the daemon re-read its access file (operators). MALFORMED naming
  // the file and line when it does not read; the grants in force stay.
  virtual Result<v1::ReloadReply> ReloadAccess() = 0;

 protected:
  QueryClient() = default;
};

}  // namespace newswire::subscriber
