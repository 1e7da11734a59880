// The RocksDB implementation of RevisionStore. Private to store/.
#pragma once

#include <atomic>
#include <list>
#include <mutex>
#include <unordered_map>

#include <google/protobuf/arena.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "newswire/store/revision_store.h"

namespace newswire::store {

tl::unexpected<Error> StoreFailure(const std::string& what, const rocksdb::Status& status);

template <typename Message>
Result<Message> ParseRecord(std::string_view bytes, const char* what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, std::string("corrupt ") + what + " record");
  }
  return message;
}

google::protobuf::Timestamp ToTimestamp(int64_t ns);
int64_t ToNanos(const google::protobuf::Timestamp& ts);

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
  kFamilyCount,
};

// What the writer needs of an article's newest revision to build the next.
struct HeadState {
  uint32_t version = 0;
  std::string feed;       // A version may not move its article to another feed.
  std::string canonical;  // Its canonical bytes: the next zstd delta's dictionary.
  std::string content_hash;
  std::string chain_hash;
  std::size_t bytes = 0;  // Rough heap footprint, for HeadCache's budget.
  uint64_t batch = 0;     // Number of the batch that prepared it.
};

// Newest revisions of recently published articles, so a revision does not
// read and parse its base (full article and diff) back from RocksDB.
// Bounded by bytes, least recently used out first, so the daemon's memory
// stays flat however large the store grows. Writer thread only. Holds the
// heads of prepared batches too, and never evicts those before their batch
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

class RocksRevisionStore final : public RevisionStore {
 public:
  RocksRevisionStore(const StoreOptions& options, std::unique_ptr<rocksdb::DB> db,
                     std::vector<rocksdb::ColumnFamilyHandle*> handles);
  ~RocksRevisionStore() override;

  // Loads the counters and chain heads kept in memory by the writer.
  Result<void> Load();

  std::unique_ptr<PreparedBatch> Prepare(std::vector<PublishInput> inputs,
                                         int64_t wire_time_ns) override;
  Result<void> Write(PreparedBatch& batch) override;
  std::vector<Result<Committed>> Settle(std::unique_ptr<PreparedBatch> batch,
                                        Result<void> written) override;
  std::vector<Result<Committed>> ReleaseDue(int64_t wire_time_ns) override;
  std::optional<int64_t> NextEmbargoNs() const override;
  Result<v1::Head> GetHead(std::string_view article_id) const override;
  Result<v1::StoredRevision> GetRevision(std::string_view article_id,
                                         uint32_t version) const override;
  Result<std::vector<v1::StoredRevision>> GetHistory(std::string_view article_id) const override;
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
  Result<void> Checkpoint(const std::string& path) const override;
  std::vector<std::pair<std::string, uint64_t>> Sizes() const override;  // health.cc
  Result<void> Probe() override;                                         // health.cc
  uint64_t LastWireSeq() const override;
  uint64_t LastChannelSeq(std::string_view channel) const override;
  Result<void> Verify() const override;
  Result<uint64_t> ApplyRetention(int64_t cutoff_ns) override;  // retention.cc

  rocksdb::ColumnFamilyHandle* cf(Family family) const { return handles_[family]; }
  rocksdb::DB& db() const { return *db_; }
  const StoreOptions& options() const { return options_; }

  HeadCache& head_cache() const { return head_cache_; }

  // For a batch being prepared: the newest sequence on `channel` and the
  // ack a publisher key got, counting batches prepared and not yet settled.
  uint64_t LastPreparedChannelSeq(std::string_view channel) const;
  const v1::PublishAck* PendingAck(const std::string& idempotency_key) const;

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
  std::vector<rocksdb::PinnableSlice> MultiGet(Family family, const std::vector<std::string>& keys,
                                               std::vector<rocksdb::Status>& statuses) const;
  Result<std::vector<rocksdb::PinnableSlice>> FetchRecords(
      const std::vector<Position>& positions) const;
  std::unique_ptr<PreparedBatch> PrepareBatch(std::vector<PublishInput> inputs,
                                              int64_t wire_time_ns);
  // After a failed write: forget every unsettled batch, back to what is durable.
  void RollBack();

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<uint64_t> last_wire_seq_{0};
  // Writer thread only. `writer_`, the prepared channel heads, the pending
  // acks and the head cache run ahead of RocksDB by the unsettled batches;
  // `settled_` and `channel_heads_` are what is durable.
  WriterState writer_;
  WriterState settled_;
  std::unordered_map<std::string, uint64_t> channel_heads_;
  std::unordered_map<std::string, uint64_t> prepared_channel_heads_;
  struct Pending {
    v1::PublishAck ack;
    uint64_t batch = 0;
  };
  std::unordered_map<std::string, Pending> pending_acks_;  // Idempotency key -> ack.
  uint64_t prepared_batches_ = 0;                          // Batch numbers, from 1.
  uint64_t settled_batches_ = 0;
  // Batches numbered up to this one were prepared on a failed write: Write
  // refuses them. Set on the writer thread before the next Write is handed
  // out, read by Write.
  std::atomic<uint64_t> void_through_{0};
  mutable HeadCache head_cache_;
};

// One call to Publish: what it writes, and what it has seen so far, since
// later inputs of a batch build on earlier ones not yet in RocksDB.
class PublishBatch {
 public:
  PublishBatch(const RocksRevisionStore& store, const RocksRevisionStore::WriterState& state,
               int64_t wire_time_ns);

  Result<Committed> Add(PublishInput input);
  // Writes what is kept once per batch (channel heads); call before the write.
  void Finish();

  rocksdb::WriteBatch& writes() { return writes_; }
  const std::vector<std::size_t>& written() const { return written_; }
  RocksRevisionStore::WriterState& state() { return state_; }
  // Channel heads this batch moved (the rest are unchanged).
  const std::unordered_map<std::string, uint64_t>& channel_heads() const { return channel_heads_; }
  // Newest revision of each article this batch wrote, for the HeadCache.
  std::unordered_map<std::string, HeadState>& heads() { return heads_; }
  // Idempotency key -> ack, for the publishes this batch answers first.
  std::unordered_map<std::string, v1::PublishAck>& acks() { return acks_; }

 private:
  Result<std::optional<v1::PublishAck>> FindDuplicate(const std::string& key) const;
  Result<Committed> Hold(const PublishInput& input, const v1::Article& article,
                         const std::string& idempotency_key);
  Result<const HeadState*> FindBase(const std::string& article_id);
  void Put(Family family, std::string_view key, std::string_view value);
  void Delete(Family family, std::string_view key);

  const RocksRevisionStore& store_;
  // Articles that arrived encoded are parsed here: fewer allocations than
  // on the heap, all released together once the batch is built (Finish).
  google::protobuf::Arena arena_;
  RocksRevisionStore::WriterState state_;
  google::protobuf::Timestamp wire_time_;
  rocksdb::WriteBatch writes_;
  std::vector<std::size_t> written_;  // Inputs whose result rides on this write.
  std::size_t next_index_ = 0;
  std::unordered_map<std::string, HeadState> heads_;      // Article id -> newest.
  std::unordered_map<std::string, v1::PublishAck> acks_;  // Idempotency key -> ack.
  std::unordered_map<std::string, uint64_t> channel_heads_;
  struct ChannelRun {
    uint64_t first = 0;     // Channel sequence of the first revision.
    std::string wire_seqs;  // 8 bytes each, big-endian.
  };
  std::unordered_map<std::string, ChannelRun> channel_runs_;  // Index entries to write.
  HeadState stored_base_;  // A base read from RocksDB (not cached).
  int64_t wire_time_ns_;
};

struct RocksPreparedBatch final : PreparedBatch {
  RocksPreparedBatch(const RocksRevisionStore& store, const RocksRevisionStore::WriterState& state,
                     int64_t wire_time_ns)
      : publish(store, state, wire_time_ns) {}
  PublishBatch publish;
  uint64_t number = 0;
  std::vector<Result<Committed>> results;
};

}  // namespace newswire::store
