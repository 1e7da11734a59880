#include "newswire/store/revision_store.h"

#include <atomic>
#include <unordered_map>

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include "keys.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/diff.h"

namespace newswire::store {
namespace {

constexpr const char* kRevisions = "revisions";
constexpr const char* kHeads = "heads";
constexpr const char* kLog = "log";
constexpr const char* kChannels = "channels";
constexpr const char* kIdempotency = "idempotency";
constexpr const char* kMeta = "meta";

tl::unexpected<Error> StoreFailure(const std::string& what, const rocksdb::Status& status) {
  return Fail(v1::ERROR_CODE_STORE_FAILURE, what + ": " + status.ToString());
}

google::protobuf::Timestamp ToTimestamp(int64_t ns) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(ns / 1'000'000'000);
  ts.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return ts;
}

template <typename Message>
Result<Message> Parse(const std::string& bytes, const char* what) {
  Message message;
  if (!message.ParseFromString(bytes)) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, std::string("corrupt ") + what + " record");
  }
  return message;
}

class RocksRevisionStore final : public RevisionStore {
 public:
  RocksRevisionStore(const StoreOptions& options, std::unique_ptr<rocksdb::DB> db,
                     std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : options_(options), db_(std::move(db)), handles_(std::move(handles)) {}

  ~RocksRevisionStore() override {
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
    db_->Close();
  }

  Result<void> LoadCounters() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kLogIndex)));
    it->SeekToLast();
    if (it->Valid()) last_wire_seq_ = keys::GetBigEndian(it->key().ToStringView());
    if (!it->status().ok()) return StoreFailure("reading the wire log", it->status());

    it.reset(db_->NewIterator({}, cf(kMetaIndex)));
    for (it->Seek(keys::kChannelHeadPrefix);
         it->Valid() && it->key().starts_with(keys::kChannelHeadPrefix); it->Next()) {
      std::string channel(it->key().ToStringView().substr(keys::kChannelHeadPrefix.size()));
      channel_heads_[channel] = keys::GetBigEndian(it->value().ToStringView());
    }
    if (!it->status().ok()) return StoreFailure("reading channel heads", it->status());
    return {};
  }

  std::vector<Result<Committed>> Publish(std::vector<PublishInput> inputs,
                                         int64_t wire_time_ns) override {
    Batch batch(*this, ToTimestamp(wire_time_ns));
    std::vector<Result<Committed>> results;
    results.reserve(inputs.size());
    for (auto& input : inputs) results.push_back(batch.Add(std::move(input)));
    if (batch.empty()) return results;

    rocksdb::WriteOptions write_options;
    write_options.sync = options_.durability == Durability::kSync;
    rocksdb::Status status = db_->Write(write_options, &batch.writes);
    if (!status.ok()) {
      for (std::size_t i : batch.written) results[i] = StoreFailure("commit failed", status);
      return results;
    }
    last_wire_seq_.store(batch.wire_seq, std::memory_order_release);
    for (auto& [channel, seq] : batch.channel_heads) channel_heads_[channel] = seq;
    return results;
  }

  Result<v1::Head> GetHead(std::string_view article_id) const override {
    std::string value;
    auto status = db_->Get({}, cf(kHeadsIndex), article_id, &value);
    if (status.IsNotFound()) {
      return Fail(v1::ERROR_CODE_NOT_FOUND, "no article " + std::string(article_id));
    }
    if (!status.ok()) return StoreFailure("reading head", status);
    return Parse<v1::Head>(value, "head");
  }

  Result<v1::StoredRevision> GetRevision(std::string_view article_id,
                                         uint32_t version) const override {
    if (version == 0) {
      auto head = GetHead(article_id);
      if (!head) return Fail(head.error());
      version = head->version();
    }
    std::string value;
    auto status = db_->Get({}, cf(kRevisionsIndex), keys::Revision(article_id, version), &value);
    if (status.IsNotFound()) {
      return Fail(v1::ERROR_CODE_NOT_FOUND, "no version " + std::to_string(version) +
                                                " of article " + std::string(article_id));
    }
    if (!status.ok()) return StoreFailure("reading revision", status);
    return Parse<v1::StoredRevision>(value, "revision");
  }

  Result<std::vector<v1::StoredRevision>> GetHistory(std::string_view article_id) const override {
    std::vector<v1::StoredRevision> history;
    std::string prefix = keys::RevisionPrefix(article_id);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kRevisionsIndex)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      auto revision = Parse<v1::StoredRevision>(it->value().ToString(), "revision");
      if (!revision) return Fail(revision.error());
      history.push_back(std::move(*revision));
    }
    if (!it->status().ok()) return StoreFailure("reading history", it->status());
    if (history.empty()) {
      return Fail(v1::ERROR_CODE_NOT_FOUND, "no article " + std::string(article_id));
    }
    return history;
  }

  uint64_t LastWireSeq() const override { return last_wire_seq_.load(std::memory_order_acquire); }

  uint64_t LastChannelSeq(std::string_view channel) const override {
    auto it = channel_heads_.find(std::string(channel));
    return it == channel_heads_.end() ? 0 : it->second;
  }

  static constexpr std::size_t kRevisionsIndex = 1;
  static constexpr std::size_t kHeadsIndex = 2;
  static constexpr std::size_t kLogIndex = 3;
  static constexpr std::size_t kChannelsIndex = 4;
  static constexpr std::size_t kIdempotencyIndex = 5;
  static constexpr std::size_t kMetaIndex = 6;

 private:
  // What one call to Publish writes, and what it has seen so far: later
  // inputs of a batch build on earlier ones that are not in RocksDB yet.
  struct Batch {
    Batch(RocksRevisionStore& s, google::protobuf::Timestamp time)
        : store(s), wire_time(std::move(time)), wire_seq(s.LastWireSeq()) {}

    bool empty() const { return written.empty(); }

    Result<Committed> Add(PublishInput input);

    RocksRevisionStore& store;
    google::protobuf::Timestamp wire_time;
    uint64_t wire_seq;
    rocksdb::WriteBatch writes;
    std::vector<std::size_t> written;  // Indexes of results this batch writes.
    std::size_t next_index = 0;
    std::unordered_map<std::string, v1::StoredRevision> heads;  // Article id -> newest.
    std::unordered_map<std::string, v1::PublishAck> acks;       // Idempotency key -> ack.
    std::unordered_map<std::string, uint64_t> channel_heads;
  };

  rocksdb::ColumnFamilyHandle* cf(std::size_t index) const { return handles_[index]; }

  uint64_t ChannelHead(const Batch& batch, const std::string& channel) const {
    if (auto it = batch.channel_heads.find(channel); it != batch.channel_heads.end()) {
      return it->second;
    }
    auto it = channel_heads_.find(channel);
    return it == channel_heads_.end() ? 0 : it->second;
  }

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<uint64_t> last_wire_seq_{0};
  std::unordered_map<std::string, uint64_t> channel_heads_;  // Writer thread only.
};

Result<Committed> RocksRevisionStore::Batch::Add(PublishInput input) {
  const std::size_t index = next_index++;
  std::string idempotency_key;
  if (!input.publisher_key.empty()) {
    idempotency_key = keys::Idempotency(input.publisher_id, input.publisher_key);
    if (auto it = acks.find(idempotency_key); it != acks.end()) {
      written.push_back(index);  // Only as durable as this batch's write.
      Committed duplicate{it->second, {}, {}, {}};
      duplicate.ack.set_duplicate(true);
      return duplicate;
    }
    std::string value;
    auto status = store.db_->Get({}, store.cf(kIdempotencyIndex), idempotency_key, &value);
    if (status.ok()) {
      auto ack = Parse<v1::PublishAck>(value, "idempotency");
      if (!ack) return Fail(ack.error());
      ack->set_duplicate(true);
      return Committed{std::move(*ack), {}, {}, {}};
    }
    if (!status.IsNotFound()) return StoreFailure("reading idempotency record", status);
  }

  v1::Article& article = input.article;
  if (auto ok = core::NormalizeAndValidate(article); !ok) return Fail(ok.error());

  // The base: newest revision of this article, in this batch or stored.
  const v1::StoredRevision* base = nullptr;
  v1::StoredRevision stored_base;
  if (auto it = heads.find(article.id()); it != heads.end()) {
    base = &it->second;
  } else {
    auto head = store.GetRevision(article.id(), 0);
    if (head) {
      stored_base = std::move(*head);
      base = &stored_base;
    } else if (head.error().code != v1::ERROR_CODE_NOT_FOUND) {
      return Fail(head.error());
    }
  }
  const uint32_t head_version = base ? base->article().version() : 0;
  if (input.base_version != 0 && input.base_version != head_version) {
    return Fail(v1::ERROR_CODE_VERSION_CONFLICT,
                "edited from version " + std::to_string(input.base_version) + " but " +
                    article.id() + " is at version " + std::to_string(head_version),
                head_version);
  }
  if (base && base->article().feed() != article.feed()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                "feed cannot change between versions (was " + base->article().feed() + ")");
  }

  article.set_version(head_version + 1);
  const std::string canonical = core::CanonicalBytes(article);
  if (canonical.size() > store.options_.max_article_bytes) {
    return Fail(v1::ERROR_CODE_TOO_LARGE, "article is " + std::to_string(canonical.size()) +
                                              " bytes, limit is " +
                                              std::to_string(store.options_.max_article_bytes));
  }
  const std::string content_hash = core::Sha256(canonical);
  const uint64_t seq = ++wire_seq;

  v1::RevisionEvent event;
  event.set_article_id(article.id());
  event.set_version(article.version());
  event.set_wire_seq(seq);
  *event.mutable_wire_time() = wire_time;
  event.set_content_hash(content_hash);
  event.set_full_bytes(static_cast<uint32_t>(canonical.size()));
  v1::StoredRevision revision;
  if (base) {
    event.set_base_hash(base->content_hash());
    *revision.mutable_diff() = core::DiffArticles(base->article(), article);
  }
  // Send the diff only when it is smaller than the article itself.
  revision.set_diff_is_full(!base || revision.diff().ByteSizeLong() >= canonical.size());
  if (revision.diff_is_full()) {
    *event.mutable_full() = article;
  } else {
    *event.mutable_diff() = revision.diff();
  }

  Committed committed;
  committed.event = event.SerializeAsString();
  committed.channels = core::ChannelsOf(article);
  for (const auto& channel : committed.channels) {
    const uint64_t channel_seq = store.ChannelHead(*this, channel) + 1;
    channel_heads[channel] = channel_seq;
    committed.channel_seqs.push_back(channel_seq);
    std::string seq_bytes;
    keys::PutBigEndian(seq_bytes, seq, 8);
    writes.Put(store.cf(kChannelsIndex), keys::Channel(channel, channel_seq), seq_bytes);
    std::string head_bytes;
    keys::PutBigEndian(head_bytes, channel_seq, 8);
    writes.Put(store.cf(kMetaIndex), std::string(keys::kChannelHeadPrefix) + channel, head_bytes);
  }

  auto& ack = committed.ack;
  ack.set_article_id(article.id());
  ack.set_version(article.version());
  ack.set_wire_seq(seq);
  ack.set_content_hash(content_hash);
  *ack.mutable_wire_time() = wire_time;

  *revision.mutable_article() = std::move(article);
  revision.set_wire_seq(seq);
  *revision.mutable_wire_time() = wire_time;
  revision.set_publisher_id(input.publisher_id);
  revision.set_publisher_key(input.publisher_key);
  revision.set_content_hash(content_hash);
  revision.set_full_bytes(static_cast<uint32_t>(canonical.size()));
  revision.set_diff_bytes(static_cast<uint32_t>(committed.event.size()));
  for (std::size_t i = 0; i < committed.channels.size(); ++i) {
    revision.add_channels(committed.channels[i]);
    revision.add_channel_seqs(committed.channel_seqs[i]);
  }

  const std::string& id = revision.article().id();
  const uint32_t version = revision.article().version();
  v1::Head head;
  head.set_version(version);
  head.set_content_hash(content_hash);
  head.set_wire_seq(seq);
  v1::LogEntry log;
  log.set_article_id(id);
  log.set_version(version);
  writes.Put(store.cf(kRevisionsIndex), keys::Revision(id, version), revision.SerializeAsString());
  writes.Put(store.cf(kHeadsIndex), id, head.SerializeAsString());
  writes.Put(store.cf(kLogIndex), keys::Log(seq), log.SerializeAsString());
  if (!idempotency_key.empty()) {
    writes.Put(store.cf(kIdempotencyIndex), idempotency_key, ack.SerializeAsString());
    acks[idempotency_key] = ack;
  }
  heads[id] = std::move(revision);
  written.push_back(index);
  return committed;
}

}  // namespace

std::optional<Durability> ParseDurability(std::string_view name) {
  if (name == "sync") return Durability::kSync;
  if (name == "async") return Durability::kAsync;
  return std::nullopt;
}

Result<std::unique_ptr<RevisionStore>> RevisionStore::Open(const StoreOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_total_wal_size = 256u << 20;
  db_options.IncreaseParallelism(2);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kLZ4Compression;
  cf_options.bottommost_compression = rocksdb::kZSTD;

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {kRevisions, cf_options},
      {kHeads, cf_options},
      {kLog, cf_options},
      {kChannels, cf_options},
      {kIdempotency, cf_options},
      {kMeta, cf_options},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  if (!status.ok()) {
    if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE,
                  "store " + options.path +
                      " is in use by another process (is another newswired running?)");
    }
    return StoreFailure("cannot open store " + options.path, status);
  }
  auto store = std::make_unique<RocksRevisionStore>(options, std::unique_ptr<rocksdb::DB>(raw),
                                                    std::move(handles));
  if (auto ok = store->LoadCounters(); !ok) return Fail(ok.error());
  return std::unique_ptr<RevisionStore>(std::move(store));
}

}  // namespace newswire::store
