// The revision store: the wire's system of record, in RocksDB.
//
// It turns publish requests into revisions: validates each article, drops
// retries by idempotency key, checks the base version, assigns the version,
// the wire sequence and every channel sequence, computes the diff against the
// current head and commits all of a batch in one atomic, group-committed
// write. A revision's outcome is returned only once that write is durable in
// the configured mode, so the caller may ack it.
//
// Threads: `Publish` (or Stage and Settle) must be called from one thread
// at a time (the daemon's ingest loop); Write from any one thread at a time;
// every read from any thread concurrently. Reads see what is written.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  // Recent heads kept in memory so a revision does not read its base back.
  std::size_t head_cache_bytes = 32u << 20;
  std::size_t max_article_bytes = 1u << 20;  // Canonical size limit.
  // Table files RocksDB keeps open at most: bounds the store's file
  // descriptors however large it grows (the daemon keeps them back from
  // client connections).
  int max_open_files = 256;
  // Events carry the smallest of zstd delta, structured diff and full
  // article. false: never a delta (structured diffs, version 1 in full),
  // for subscribers that read the edit operations themselves.
  bool deltas = true;
  // zstd over the write-ahead log (RocksDB wal_compression): 3.5x fewer
  // WAL bytes on the workload corpus, but with Debian's RocksDB 7.8 a store
  // written so failed to reopen ("Corruption: bad WriteBatch Put") and one
  // whose WAL append hit a full disk never resumed: off, kept only so the
  // bench can measure it (bench/README.md, fifth round). Never in a store
  // that matters.
  bool compress_wal = false;
  // Open without taking the lock, for reading (verify, backup) while a
  // daemon runs on the folder; sees what was durable at open. Publish fails.
  bool read_only = false;
  // Where RocksDB's warnings and errors go (null: nowhere); called from
  // RocksDB's threads. No LOG file is written in the store folder.
  enum class LogLevel { kWarning, kError };
  using LogFunction = std::function<void(LogLevel, std::string_view)>;
  LogFunction log;
};

// One publish, as received from a publisher.
struct PublishInput {
  std::string publisher_id;
  std::string publisher_key;  // Empty: no idempotency record.
  uint32_t base_version = 0;  // 0: append after the head.
  v1::Article article;
  // The article still encoded, as received (`article` is then ignored): the
  // store parses it on the batch's arena. Bytes that are not an Article (or
  // hold invalid UTF-8) fail as MALFORMED and take no sequence; as for any
  // retry, a publisher key already acked returns that ack first.
  std::string article_bytes;
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

// A batch Stage has built in memory and Settle has not yet answered for.
// Owned by the caller from Stage to Settle, which takes it back; it refers
// to the store, which must outlive it. Opaque: only the store reads it.
class StagedBatch {
 public:
  virtual ~StagedBatch() = default;
};

// A revision read from a log, with its sequence in that log.
struct LogItem {
  uint64_t seq = 0;
  v1::StoredRevision revision;
};

// A log record encoded for the wire, with its sequence in that log.
struct EncodedLogItem {
  uint64_t seq = 0;
  std::string event;  // Encoded v1::RevisionEvent: what the live wire sent.
  std::string full;   // Encoded v1::Article; empty unless asked for.
};

// One story of a snapshot (ReadSnapshot): its version at the instant.
struct SnapshotItem {
  std::string article_id;
  std::string feed;  // Kept at hand: a reader's feed grants filter on it.
  uint32_t version = 0;
  uint64_t wire_seq = 0;
  int64_t wire_time_ns = 0;
  std::string content_hash;
  v1::PubStatus pubstatus = v1::PUB_STATUS_USABLE;
  std::string article;  // Encoded v1::Article; empty unless asked for.
};

struct SnapshotPage {
  std::vector<SnapshotItem> items;
  std::string next_page_token;  // Empty on the last page.
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
  std::vector<Result<Committed>> Publish(std::vector<PublishInput> inputs, int64_t wire_time_ns) {
    auto batch = Stage(std::move(inputs), wire_time_ns);
    auto written = Write(*batch);
    return Settle(std::move(batch), std::move(written));
  }

  // Publish in three steps, so that the next batch can be staged while one
  // is being written (pipelining; not RocksDB's two-phase commit: nothing
  // reaches RocksDB before Write). Stage validates, versions, diffs and
  // encodes a batch in memory, on top of every batch staged before it;
  // Write makes it durable in one atomic rocksdb::WriteBatch and may run on
  // another thread (one batch at a time, in staging order); Settle, back on
  // the staging thread and in the same order, gives the results, which may
  // then be acked. When a write fails, that batch and every batch staged
  // after it get STORE_FAILURE (nothing of them is stored) and the store
  // goes on from what is durable. At most two batches may be unsettled at
  // once: Settle one before staging a third.
  virtual std::unique_ptr<StagedBatch> Stage(std::vector<PublishInput> inputs,
                                             int64_t wire_time_ns) = 0;
  virtual Result<void> Write(StagedBatch& batch) = 0;
  virtual std::vector<Result<Committed>> Settle(std::unique_ptr<StagedBatch> batch,
                                                Result<void> written) = 0;

  // Articles whose `embargoed` time is later than the wire time are not
  // published: Publish validates them, holds them durably and acks them with
  // `embargoed_until`. The latest publish of a story is the truth: a later
  // publish of it replaces what is held (README "Embargoes"). ReleaseDue
  // publishes every held article whose embargo is at or before
  // `wire_time_ns`, in embargo order, exactly as Publish would (and updates
  // the idempotency record to the final ack); a held record that does not
  // parse is moved aside (quarantined) and reported as STORE_FAILURE. Writer
  // thread only, like Publish, with no batch unsettled.
  virtual std::vector<Result<Committed>> ReleaseDue(int64_t wire_time_ns) = 0;

  // When the next held article is due (nullopt: none held), counting
  // batches staged and not yet settled. From memory. Writer thread.
  virtual std::optional<int64_t> NextEmbargoNs() const = 0;

  // The latest version of an article; NOT_FOUND if it was never published.
  virtual Result<v1::Head> GetHead(std::string_view article_id) const = 0;

  // One revision; version 0 means the latest. NOT_FOUND if absent.
  virtual Result<v1::StoredRevision> GetRevision(std::string_view article_id,
                                                 uint32_t version) const = 0;

  // Revisions of an article from `from_version` (0 or 1: the first kept)
  // on, oldest first, at most `limit`: reads only those. NOT_FOUND if the
  // article has no revision at all (an empty page past its head is not an
  // error).
  virtual Result<std::vector<v1::StoredRevision>> GetHistory(
      std::string_view article_id, uint32_t from_version = 0,
      std::size_t limit = SIZE_MAX) const = 0;

  // The newest revision whose wire time is <= `wire_time_ns` (what a
  // subscriber could have seen then). NOT_FOUND if none was out yet.
  virtual Result<v1::StoredRevision> GetRevisionAsOf(std::string_view article_id,
                                                     int64_t wire_time_ns) const = 0;

  // Revisions from wire sequence `from_seq` on, at most `limit`, in wire
  // order, each with its wire sequence. Empty past the end.
  virtual Result<std::vector<LogItem>> ReadLog(uint64_t from_seq, std::size_t limit) const = 0;

  // Revisions on `channel` (a channel topic) from channel sequence
  // `from_seq` on, at most `limit`, each with its channel sequence.
  virtual Result<std::vector<LogItem>> ReadChannel(std::string_view channel, uint64_t from_seq,
                                                   std::size_t limit) const = 0;

  // ReadLog (empty `channel`) or ReadChannel, encoded for a replay: each
  // record's event as the live wire sent it, as the log keeps it (or, for
  // entries written before the log kept events and when `with_full` asks
  // for the full articles too, built from the revision records without
  // parsing the stored article: see views.proto).
  virtual Result<std::vector<EncodedLogItem>> ReadEncoded(std::string_view channel,
                                                          uint64_t from_seq, std::size_t limit,
                                                          bool with_full) const = 0;

  // The first wire sequence whose wire time is >= `wire_time_ns`;
  // LastWireSeq() + 1 when there is none yet.
  virtual Result<uint64_t> FirstSeqAtOrAfter(int64_t wire_time_ns) const = 0;

  // The first sequence on `channel` whose revision has a wire sequence >=
  // `wire_seq`; one past the channel's last when there is none.
  virtual Result<uint64_t> ChannelSeqAtOrAfter(std::string_view channel,
                                               uint64_t wire_seq) const = 0;

  // Latest sequence stored on `channel` (0 when none). Any thread.
  virtual Result<uint64_t> LastStoredChannelSeq(std::string_view channel) const = 0;

  // A page of the wire as it stood once wire sequence `at_wire_seq` was
  // out: each story whose newest revision up to it went out on `channel`
  // (a feed, instrument or topic topic; empty or the wire channel: every
  // story), at that revision, killed ones included. Feeds and the whole
  // wire page through the stories' heads in id order; instruments and
  // topics through the channel's index in channel order. Reads about
  // `limit` heads or channel entries and their revision records (a story
  // revised after the instant costs a binary search over its versions),
  // never the whole log. MALFORMED for a bad channel or page token;
  // NOT_FOUND when retention removed revisions at or before `at_wire_seq`.
  virtual Result<SnapshotPage> ReadSnapshot(std::string_view channel, uint64_t at_wire_seq,
                                            std::string_view page_token, std::size_t limit,
                                            bool with_full) const = 0;

  // Heads of a feed's articles in id order, after `after_article_id`
  // (empty: from the start), at most `limit`.
  virtual Result<std::vector<v1::Head>> GetFeedHeads(std::string_view feed,
                                                     std::string_view after_article_id,
                                                     std::size_t limit) const = 0;

  // A consistent copy of the store in `path` (a new folder), taken while
  // publishing goes on (RocksDB checkpoint: hard links where possible).
  // A daemon started on that folder serves the copy.
  virtual Result<void> Checkpoint(const std::string& path) const = 0;

  // Sizes for monitoring: "sst", "memtables", "wal", "block_cache", in
  // bytes. Any thread.
  virtual std::vector<std::pair<std::string, uint64_t>> Sizes() const = 0;

  // Bytes RocksDB has written to files since the store was opened, by
  // kind (its statistics tickers): "wal" (records given to the write-ahead
  // log, counted before its compression), "flush" (memtables to table and
  // blob files), "compaction" (table and blob files rewritten), "blob" (of
  // flush and compaction, what went to blob files). Any thread.
  virtual std::vector<std::pair<std::string, uint64_t>> Written() const = 0;

  // Ok when the store takes writes. Cheap and the same whatever the rate
  // of calls: the outcome of the last commit when it is recent, else one
  // small probe write (fsynced in sync mode) every few seconds, shared by
  // every caller. After a failed write it tries to recover first. Any
  // thread.
  virtual Result<void> Probe() = 0;

  // What happened to writes: failures (a commit or probe that failed and
  // put the store out of service) and recoveries (RocksDB's DB::Resume
  // bringing it back, without a restart). Any thread.
  struct WriteHealth {
    bool writable = true;
    uint64_t failures = 0;
    uint64_t recoveries = 0;
    uint64_t probe_writes = 0;  // Writes Probe made itself (health checks).
    std::string last_error;     // Of the latest failure.
  };
  virtual WriteHealth Health() const = 0;

  // Highest wire sequence committed so far (0 when empty).
  virtual uint64_t LastWireSeq() const = 0;

  // Highest sequence committed on a channel (0 when none). Call from the
  // thread that calls Publish.
  virtual uint64_t LastChannelSeq(std::string_view channel) const = 0;

  // Retention: removes every revision whose wire time is before
  // `cutoff_ns` (a prefix of the wire log), with its indexes, and records
  // the cut so the hash chains still verify from there. Articles whose every
  // version is older disappear. Writes in chunks, each atomic; a crash
  // leaves a smaller, consistent cut. Returns the number of revisions
  // removed. Writer thread only, like Publish, with no batch unsettled.
  virtual Result<uint64_t> ApplyRetention(int64_t cutoff_ns) = 0;

  // Walks the whole store and checks every article's hash chain, every
  // stored diff against the full texts, version and wire sequence
  // contiguity and the wire log's chain. Ok when clean; otherwise
  // STORE_FAILURE naming the first broken link (article and version, or
  // wire sequence).
  virtual Result<void> Verify() const = 0;

  // Replication (README "Followers"). Every write that changes what the
  // wire holds is a commit: a numbered batch (1, 2, ... with no gap) whose
  // CommitRecord (store.proto) is written inside the batch itself. A
  // replica that applies the same commits in order holds the same records
  // byte for byte: revisions, log entries with their events, channel
  // indexes, held embargoes, idempotency records.

  // Highest commit index written (0 when none). Any thread.
  virtual uint64_t LastCommit() const = 0;

  // Commits from `from_commit` on, at most `limit` (and about 4 MiB), each
  // with the revision and log records it names, as stored. NOT_FOUND when
  // `from_commit` was removed by retention (first_commit says what is
  // held). Any thread.
  virtual Result<v1::CommitsReply> ReadCommits(uint64_t from_commit, std::size_t limit) const = 0;

  // Writes commits read from another store, in order (the first must be
  // LastCommit() + 1), in one atomic write durable as configured, after
  // checking that they continue this store's wire log (sequences and wire
  // chain hash). Returns what to fan out for each revision they hold, in
  // wire order (ack names the revision). DIFF_MISMATCH when they do not
  // continue this log, STORE_FAILURE when the write fails; either way
  // nothing is written. Writer thread only, with no batch unsettled; a
  // store that applies commits takes no publishes meanwhile.
  virtual Result<std::vector<Committed>> ApplyCommits(
      const google::protobuf::RepeatedPtrField<v1::ReplicatedCommit>& commits) = 0;
  Result<std::vector<Committed>> ApplyCommit(const v1::ReplicatedCommit& commit) {
    google::protobuf::RepeatedPtrField<v1::ReplicatedCommit> one;
    *one.Add() = commit;
    return ApplyCommits(one);
  }

  // The term written into the commits from now on (0: no cluster).
  virtual void SetEpoch(uint64_t epoch) = 0;

 protected:
  RevisionStore() = default;
};

// The event fanned out for a stored revision: its full article, structured
// diff or zstd delta, whichever the live wire sent. Replays send exactly
// what the live wire sent.
v1::RevisionEvent EventOf(v1::StoredRevision revision);

// The chain hashes (see store.proto).
std::string ArticleChainHash(std::string_view previous, std::string_view content_hash);
std::string WireChainHash(std::string_view previous, uint64_t wire_seq, std::string_view article_id,
                          uint32_t version, std::string_view content_hash);

}  // namespace newswire::store
