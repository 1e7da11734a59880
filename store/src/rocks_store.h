// The RocksDB implementation of RevisionStore. Private to store/.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include <google/protobuf/arena.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "acked_mark.h"
#include "newswire/core/bytes.h"
#include "newswire/store/revision_store.h"

namespace newswire::store {

tl::unexpected<Error> StoreFailure(const std::string& what, const rocksdb::Status& status);
// The refusal to serve a log that ends before what was acknowledged.
Error LostAcknowledged(uint64_t acked, uint64_t last);

template <typename Message>
Result<Message> ParseRecord(std::string_view bytes, const char* what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, std::string("corrupt ") + what + " record");
  }
  return message;
}

// One entry of the channels family (see keys.h): the wire sequences of
// channel sequences first, first + 1, ...
struct ChannelRun {
  uint64_t first = 0;
  std::string_view wire_seqs;  // Valid while the iterator stays put.

  uint64_t last() const { return first + wire_seqs.size() / 8 - 1; }
  uint64_t WireSeq(uint64_t channel_seq) const {
    return core::GetBigEndian(wire_seqs.substr((channel_seq - first) * 8, 8));
  }
};

// The run the iterator is at, if it is one of `channel`'s.
inline std::optional<ChannelRun> RunAt(const rocksdb::Iterator& it, std::string_view channel) {
  if (!it.Valid()) return std::nullopt;
  auto key = it.key().ToStringView();
  auto value = it.value().ToStringView();
  if (key.size() != channel.size() + 8 || !key.starts_with(channel) || value.empty() ||
      value.size() % 8 != 0) {
    return std::nullopt;
  }
  return ChannelRun{core::GetBigEndian(key.substr(channel.size())), value};
}

// Column families, in the order they are opened.
enum Family : std::size_t {
  kDefaultFamily,
  kRevisions,
  kHeads,
  kLog,
  kChannels,
  kIdempotency,
  kMeta,
  kArticleTimes,  // The two time indexes are no longer written; opened so
                  // old stores open (Load empties them).
  kWireTimes,
  kFeedHeads,
  kEmbargoes,
  kCommits,  // Commit index -> CommitRecord: what replicas replay (replication.cc).
  kFamilyCount,
};

// What the writer needs of an article's newest revision to build the next.
struct HeadState {
  uint32_t version = 0;
  std::string feed;       // A version may not move its article to another feed.
  std::string canonical;  // Its canonical bytes: the next zstd delta's dictionary.
  std::string content_hash;
  std::string chain_hash;
  uint64_t wire_seq = 0;        // Answers a re-send of this very version.
  uint64_t first_wire_seq = 0;  // Of version 1, for snapshots (0: not known).
  int64_t wire_time_ns = 0;
  std::size_t bytes = 0;  // Rough heap footprint, for HeadCache's budget.
  uint64_t batch = 0;     // Number of the batch that staged it.
};

// What an idempotency key was answered with, and the digest of the request
// (see IdempotencyDigest in store.proto).
struct RememberedAck {
  v1::PublishAck ack;
  std::string digest;
};

// A story's held (embargoed) publish: its embargoes key, and its feed, which
// a later publish of the story may not change (no publisher can replace or
// withdraw another feed's held text).
struct HeldRef {
  std::string key;
  std::string feed;
};

// Newest revisions of recently published articles, so a revision does not
// read and parse its base (full article and diff) back from RocksDB.
// Bounded by bytes, least recently used out first, so the daemon's memory
// stays flat however large the store grows. Writer thread only. Holds the
// heads of staged batches too, and never evicts those before their batch
// is settled: the next batch builds on them and RocksDB does not have them.
class HeadCache {
 public:
  explicit HeadCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  const HeadState* Find(const std::string& article_id);
  void Put(const std::string& article_id, HeadState state, uint64_t settled_batches);
  void Clear();

 private:
  using Entry = std::pair<std::string, HeadState>;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::list<Entry> lru_;  // Most recently used last.
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
};

struct RocksStagedBatch;

// File descriptors held in reserve (on /dev/null) and let go just before
// the store recovers: when client connections took every other descriptor,
// RocksDB still gets the few it needs to open a new log and resume.
class SpareDescriptors {
 public:
  explicit SpareDescriptors(int count) : count_(count) { Acquire(); }
  ~SpareDescriptors() { Release(); }
  SpareDescriptors(const SpareDescriptors&) = delete;
  SpareDescriptors& operator=(const SpareDescriptors&) = delete;
  void Acquire();  // Tops the reserve up, as far as descriptors allow.
  void Release();

 private:
  int count_;
  std::vector<int> fds_;
};

class RocksRevisionStore final : public RevisionStore {
 public:
  RocksRevisionStore(const StoreOptions& options, std::unique_ptr<rocksdb::DB> db,
                     std::vector<rocksdb::ColumnFamilyHandle*> handles);
  ~RocksRevisionStore() override;

  // Loads the counters and chain heads kept in memory by the writer, and
  // checks the log against the acknowledged high-water mark.
  Result<void> Load();

  std::unique_ptr<StagedBatch> Stage(std::vector<PublishInput> inputs,
                                     int64_t wire_time_ns) override;
  Result<void> Write(StagedBatch& batch) override;
  std::vector<Result<Committed>> Settle(std::unique_ptr<StagedBatch> batch,
                                        Result<void> written) override;
  std::vector<Result<Committed>> ReleaseDue(int64_t wire_time_ns) override;
  std::optional<int64_t> NextEmbargoNs() const override;
  Result<v1::Head> GetHead(std::string_view article_id) const override;
  Result<v1::StoredRevision> GetRevision(std::string_view article_id,
                                         uint32_t version) const override;
  Result<std::vector<v1::StoredRevision>> GetHistory(std::string_view article_id,
                                                     uint32_t from_version,
                                                     std::size_t limit) const override;
  Result<v1::StoredRevision> GetRevisionAsOf(std::string_view article_id,
                                             int64_t wire_time_ns) const override;
  Result<std::vector<LogItem>> ReadLog(uint64_t from_seq, std::size_t limit) const override;
  Result<std::vector<EncodedLogItem>> ReadEncoded(std::string_view channel, uint64_t from_seq,
                                                  std::size_t limit, bool with_full) const override;
  Result<std::vector<LogItem>> ReadChannel(std::string_view channel, uint64_t from_seq,
                                           std::size_t limit) const override;
  Result<uint64_t> FirstSeqAtOrAfter(int64_t wire_time_ns) const override;
  Result<uint64_t> ChannelSeqAtOrAfter(std::string_view channel, uint64_t wire_seq) const override;
  Result<uint64_t> LastStoredChannelSeq(std::string_view channel) const override;
  Result<std::vector<v1::Head>> GetFeedHeads(std::string_view feed,
                                             std::string_view after_article_id,
                                             std::size_t limit) const override;
  Result<SnapshotPage> ReadSnapshot(std::string_view channel, uint64_t at_wire_seq,
                                    std::string_view page_token, std::size_t limit,
                                    bool with_full) const override;  // snapshot.cc
  Result<void> Checkpoint(const std::string& path) const override;
  std::vector<std::pair<std::string, uint64_t>> Sizes() const override;    // health.cc
  std::vector<std::pair<std::string, uint64_t>> Written() const override;  // health.cc
  Result<void> Probe() override;                                           // health.cc
  WriteHealth Health() const override;                                     // health.cc
  uint64_t LastWireSeq() const override;
  uint64_t LastChannelSeq(std::string_view channel) const override;
  Result<void> Verify() const override;
  Result<uint64_t> ApplyRetention(int64_t cutoff_ns) override;  // retention.cc
  // Replication (replication.cc).
  uint64_t LastCommit() const override;
  Result<v1::CommitsReply> ReadCommits(uint64_t from_commit, std::size_t limit) const override;
  Result<std::vector<Committed>> ApplyCommits(
      const google::protobuf::RepeatedPtrField<v1::ReplicatedCommit>& commits) override;
  void SetEpoch(uint64_t epoch) override { epoch_.store(epoch, std::memory_order_release); }
  uint64_t Epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Writes `batch` as the next commit: its CommitRecord goes in with it.
  rocksdb::Status WriteCommit(rocksdb::WriteBatch& batch);

  rocksdb::ColumnFamilyHandle* cf(Family family) const { return handles_[family]; }
  rocksdb::DB& db() const { return *db_; }
  const StoreOptions& options() const { return options_; }

  HeadCache& head_cache() const { return head_cache_; }

  // For a batch being staged: the newest sequence on `channel`, the answer
  // a publisher key got and the story's held embargo key, counting batches
  // staged and not yet settled.
  uint64_t LastStagedChannelSeq(std::string_view channel) const;
  const RememberedAck* PendingAck(const std::string& idempotency_key) const;
  std::optional<HeldRef> StagedHeld(const std::string& article_id) const;
  // The idempotency record of `key` in RocksDB (nullopt: none).
  Result<std::optional<RememberedAck>> ReadAck(const std::string& key) const;

  // State the writer keeps between batches; a batch works on a copy, which
  // the next batch builds on once it is prepared.
  struct WriterState {
    uint64_t wire_seq = 0;
    int64_t wire_time_ns = 0;     // Wire time never goes backwards.
    std::string wire_chain_hash;  // Of the last log entry.
    uint64_t held_counter = 0;    // Arrival order of held (embargoed) publishes.
  };

 private:
  // A page of a log: each record's sequence there, article and version.
  struct Position {
    uint64_t seq = 0;
    std::string article_id;
    uint32_t version = 0;
    std::string event;  // As sent, when the log entry keeps it.
  };
  Result<std::vector<Position>> Positions(std::string_view channel, uint64_t from_seq,
                                          std::size_t limit) const;
  Result<std::vector<Position>> LogPositions(uint64_t from_seq, std::size_t limit) const;
  Result<std::vector<Position>> ChannelPositions(std::string_view channel, uint64_t from_seq,
                                                 std::size_t limit) const;
  // Snapshots (snapshot.cc): a story's version at a wire sequence, the
  // stories of a page, and where retention cut the wire.
  struct Pick {
    SnapshotItem item;
    bool complete = false;  // The head said it all: no record to read.
  };
  Result<uint32_t> VersionAt(rocksdb::Iterator& it, std::string_view article_id,
                             const v1::Head& head, uint64_t at) const;
  Result<std::string> PickFromHeads(std::string_view feed, bool by_feed, uint64_t at,
                                    std::string_view token, std::size_t limit,
                                    std::vector<Pick>* picked) const;
  Result<std::string> PickFromChannel(std::string_view channel, uint64_t at, std::string_view token,
                                      std::size_t limit, std::vector<Pick>* picked) const;
  Result<uint64_t> RetainedFrom() const;
  std::vector<rocksdb::PinnableSlice> MultiGet(Family family, const std::vector<std::string>& keys,
                                               std::vector<rocksdb::Status>& statuses) const;
  Result<std::vector<rocksdb::PinnableSlice>> FetchRecords(
      const std::vector<Position>& positions) const;
  // The staged state every batch updates, after it is built.
  void Absorb(RocksStagedBatch& batch);
  // After a failed write: forget every unsettled batch, back to what is durable.
  void RollBack();
  // One RocksDB write under the write lock, noting a failure (health.cc):
  // after one, nothing is written until RecoverLocked brings it back.
  rocksdb::Status WriteLocked(const rocksdb::WriteOptions& options, rocksdb::WriteBatch& batch);
  rocksdb::Status WriteHoldingLock(const rocksdb::WriteOptions& options,
                                   rocksdb::WriteBatch& batch);
  Result<void> RecoverLocked();
  // Which story each held embargo is for, from RocksDB.
  Result<void> LoadHeld();
  Result<void> LoadChannelHeads();
  Result<void> LoadWireCut();
  void SetHeld(const std::string& article_id, const std::optional<HeldRef>& held);
  // The CommitRecord of a batch about to be written (replication.cc).
  std::string CaptureCommit(const rocksdb::WriteBatch& batch) const;
  // Deletes, into `batch`, the commit records made useless by a retention
  // cut at wire sequence `first_kept`.
  Result<void> CutCommits(rocksdb::WriteBatch& batch, uint64_t first_kept) const;
  // Deletes, into `batch`, each channel's runs up to the last sequence in
  // `removed`, and keeps that as the channel's head floor (retention.cc).
  // Per channel, the first and last sequence a retention chunk removes.
  using RemovedSeqs = std::map<std::string, std::pair<uint64_t, uint64_t>>;
  Result<void> CutChannels(rocksdb::WriteBatch& batch, const RemovedSeqs& removed);
  // The held counter as Load computes it, from the embargoes family.
  Result<void> LoadHeldCounter();
  // Moves a record that does not parse to the meta family's quarantine.
  void Quarantine(rocksdb::WriteBatch& batch, Family family, std::string_view name,
                  std::string_view key, std::string_view value) const;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<uint64_t> last_wire_seq_{0};
  std::atomic<uint64_t> last_commit_{0};  // Written by the one thread that writes.
  std::atomic<uint64_t> epoch_{0};
  // The term of the newest commit record (what a copy may not go below).
  // Writer thread only.
  uint64_t log_epoch_ = 0;
  // Writer thread only. `writer_`, the staged channel heads, the pending
  // acks, `held_` and the head cache run ahead of RocksDB by the unsettled
  // batches; `settled_` and `channel_heads_` are what is durable.
  WriterState writer_;
  WriterState settled_;
  std::unordered_map<std::string, uint64_t> channel_heads_;
  std::unordered_map<std::string, uint64_t> staged_channel_heads_;
  struct Pending {
    RememberedAck answer;
    uint64_t batch = 0;
  };
  std::unordered_map<std::string, Pending> pending_acks_;  // Idempotency key -> answer.
  // Article id -> embargoes key of its held publish (at most one: a later
  // publish replaces it). Held publishes are few; all are kept.
  std::unordered_map<std::string, HeldRef> held_;
  std::set<std::string> held_keys_;  // The same keys, in embargo order.
  uint64_t staged_batches_ = 0;      // Batch numbers, from 1.
  uint64_t settled_batches_ = 0;
  // Batches numbered up to this one were staged on a failed write: Write
  // refuses them. Set on the writer thread before the next Write is handed
  // out, read by Write.
  std::atomic<uint64_t> void_through_{0};
  mutable HeadCache head_cache_;
  std::unique_ptr<AckedMark> acked_;  // Null when read-only.

  // Write health (health.cc). Writes and probes hold write_mutex_ around
  // the RocksDB call: once a write has failed, RocksDB must not be written
  // again (its failed WAL file asserts in Debian's build) before Resume.
  mutable std::mutex write_mutex_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> recoveries_{0};
  std::atomic<uint64_t> probe_writes_{0};
  std::string last_error_;  // Under write_mutex_.
  std::chrono::steady_clock::time_point last_resume_{};
  std::atomic<int64_t> last_good_write_ns_{0};  // Steady clock.
  std::chrono::steady_clock::time_point last_probe_{};
  Result<void> last_probe_result_;
  SpareDescriptors spares_{16};
};

}  // namespace newswire::store
