// The revision store: the wire's system of record, in RocksDB.
//
// It turns publish requests into revisions: validates each article, drops
// retries by idempotency key, checks the base version, assigns the version,
// the wire sequence and every channel sequence, computes the diff against the
// current head and commits all of a batch in one atomic, group-committed
// write. A revision's outcome is returned only once that write is durable in
// the configured mode, so the caller may ack it.
//
// Threads: `Publish` must be called from one thread at a time (the daemon's
// ingest loop); every read may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/core/error.h"
#include "newswire/v1/store.pb.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::store {

enum class Durability {
  kSync,   // fsync the WAL before acking: survives power loss.
  kAsync,  // WAL written, not fsynced: survives a process crash.
};

// "sync" / "async"; nullopt for anything else.
std::optional<Durability> ParseDurability(std::string_view name);

struct StoreOptions {
  std::string path;  // Folder of the RocksDB database; created if missing.
  Durability durability = Durability::kSync;
  std::size_t block_cache_bytes = 64u << 20;
  std::size_t max_article_bytes = 1u << 20;  // Canonical size limit.
};

// One publish, as received from a publisher.
struct PublishInput {
  std::string publisher_id;
  std::string publisher_key;  // Empty: no idempotency record.
  uint32_t base_version = 0;  // 0: append after the head.
  v1::Article article;
};

// A committed revision and what to fan out.
struct Committed {
  v1::PublishAck ack;
  // Encoded v1::RevisionEvent, shared by all channels. Empty for a
  // duplicate (a retry fans out nothing).
  std::string event;
  std::vector<std::string> channels;   // Channel topics, wire channel first.
  std::vector<uint64_t> channel_seqs;  // Sequence in each channel.
};

class RevisionStore {
 public:
  // Opens or creates the store. STORE_FAILURE when the folder is locked by
  // another process or cannot be opened.
  static Result<std::unique_ptr<RevisionStore>> Open(const StoreOptions& options);

  virtual ~RevisionStore() = default;

  // Validates, versions and commits `inputs` in one atomic write. Returns one
  // result per input, in order; a bad input gets its typed error and does not
  // affect the others. If the write itself fails every input that would have
  // been written gets STORE_FAILURE and nothing is stored.
  virtual std::vector<Result<Committed>> Publish(std::vector<PublishInput> inputs,
                                                 int64_t wire_time_ns) = 0;

  // The latest version of an article; NOT_FOUND if it was never published.
  virtual Result<v1::Head> GetHead(std::string_view article_id) const = 0;

  // One revision; version 0 means the latest. NOT_FOUND if absent.
  virtual Result<v1::StoredRevision> GetRevision(std::string_view article_id,
                                                 uint32_t version) const = 0;

  // Every revision of an article, oldest first. NOT_FOUND if none.
  virtual Result<std::vector<v1::StoredRevision>> GetHistory(std::string_view article_id) const = 0;

  // Highest wire sequence committed so far (0 when empty).
  virtual uint64_t LastWireSeq() const = 0;

  // Highest sequence committed on a channel (0 when none). Call from the
  // thread that calls Publish.
  virtual uint64_t LastChannelSeq(std::string_view channel) const = 0;

 protected:
  RevisionStore() = default;
};

}  // namespace newswire::store
