// The RocksDB implementation of RevisionStore. Private to store/.
#pragma once

#include <atomic>
#include <mutex>
#include <unordered_map>

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
  kArticleTimes,
  kWireTimes,
  kFeedHeads,
  kEmbargoes,
  kFamilyCount,
};

class RocksRevisionStore final : public RevisionStore {
 public:
  RocksRevisionStore(const StoreOptions& options, std::unique_ptr<rocksdb::DB> db,
                     std::vector<rocksdb::ColumnFamilyHandle*> handles);
  ~RocksRevisionStore() override;

  // Loads the counters and chain heads kept in memory by the writer.
  Result<void> Load();

  std::vector<Result<Committed>> Publish(std::vector<PublishInput> inputs,
                                         int64_t wire_time_ns) override;
  std::vector<Result<Committed>> ReleaseDue(int64_t wire_time_ns) override;
  std::optional<int64_t> NextEmbargoNs() const override;
  Result<v1::Head> GetHead(std::string_view article_id) const override;
  Result<v1::StoredRevision> GetRevision(std::string_view article_id,
                                         uint32_t version) const override;
  Result<std::vector<v1::StoredRevision>> GetHistory(std::string_view article_id) const override;
  Result<v1::StoredRevision> GetRevisionAsOf(std::string_view article_id,
                                             int64_t wire_time_ns) const override;
  Result<std::vector<LogItem>> ReadLog(uint64_t from_seq, std::size_t limit) const override;
  Result<std::vector<LogItem>> ReadChannel(std::string_view channel, uint64_t from_seq,
                                           std::size_t limit) const override;
  Result<uint64_t> FirstSeqAtOrAfter(int64_t wire_time_ns) const override;
  Result<uint64_t> ChannelSeqAtOrAfter(std::string_view channel, uint64_t wire_seq) const override;
  Result<uint64_t> LastStoredChannelSeq(std::string_view channel) const override;
  Result<std::vector<v1::Head>> GetFeedHeads(std::string_view feed,
                                             std::string_view after_article_id,
                                             std::size_t limit) const override;
  Result<void> Checkpoint(const std::string& path) const override;
  uint64_t LastWireSeq() const override;
  uint64_t LastChannelSeq(std::string_view channel) const override;
  Result<void> Verify() const override;

  rocksdb::ColumnFamilyHandle* cf(Family family) const { return handles_[family]; }
  rocksdb::DB& db() const { return *db_; }
  const StoreOptions& options() const { return options_; }

  // State the writer keeps between batches; a batch works on a copy and
  // installs it only after its write succeeded.
  struct WriterState {
    uint64_t wire_seq = 0;
    int64_t wire_time_ns = 0;     // Wire time never goes backwards.
    std::string wire_chain_hash;  // Of the last log entry.
    uint64_t held_counter = 0;    // Arrival order of held (embargoed) publishes.
  };

 private:
  Result<v1::StoredRevision> GetByLogSeq(uint64_t seq) const;
  std::vector<Result<Committed>> Commit(std::vector<PublishInput> inputs, int64_t wire_time_ns);

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<uint64_t> last_wire_seq_{0};
  // Writer thread only.
  WriterState writer_;
  std::unordered_map<std::string, uint64_t> channel_heads_;
};

// One call to Publish: what it writes, and what it has seen so far, since
// later inputs of a batch build on earlier ones not yet in RocksDB.
class PublishBatch {
 public:
  PublishBatch(const RocksRevisionStore& store, const RocksRevisionStore::WriterState& state,
               int64_t wire_time_ns);

  Result<Committed> Add(PublishInput input);

  rocksdb::WriteBatch& writes() { return writes_; }
  const std::vector<std::size_t>& written() const { return written_; }
  RocksRevisionStore::WriterState& state() { return state_; }
  // Channel heads this batch moved (the rest are unchanged).
  const std::unordered_map<std::string, uint64_t>& channel_heads() const { return channel_heads_; }

 private:
  Result<std::optional<v1::PublishAck>> FindDuplicate(const std::string& key) const;
  Result<Committed> Hold(PublishInput input, const std::string& idempotency_key);
  Result<const v1::StoredRevision*> FindBase(const std::string& article_id);

  const RocksRevisionStore& store_;
  RocksRevisionStore::WriterState state_;
  google::protobuf::Timestamp wire_time_;
  rocksdb::WriteBatch writes_;
  std::vector<std::size_t> written_;  // Inputs whose result rides on this write.
  std::size_t next_index_ = 0;
  std::unordered_map<std::string, v1::StoredRevision> heads_;  // Article id -> newest.
  std::unordered_map<std::string, v1::PublishAck> acks_;       // Idempotency key -> ack.
  std::unordered_map<std::string, uint64_t> channel_heads_;
  v1::StoredRevision stored_base_;
  int64_t wire_time_ns_;
};

}  // namespace newswire::store
