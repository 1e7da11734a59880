#include "rocks_store.h"

#include <filesystem>

#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "event_codec.h"
#include "keys.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/sync_point.h"
#include "newswire/core/time.h"
#include "newswire/v1/views.pb.h"
#include "publish_batch.h"
#include "rocks_logger.h"

namespace newswire::store {

tl::unexpected<Error> StoreFailure(const std::string& what, const rocksdb::Status& status) {
  return Fail(v1::ERROR_CODE_STORE_FAILURE, what + ": " + status.ToString());
}

Error LostAcknowledged(uint64_t acked, uint64_t last) {
  return {v1::ERROR_CODE_STORE_FAILURE,
          "the wire log ends at sequence " + std::to_string(last) + " but sequence " +
              std::to_string(acked) +
              " was acknowledged (ACKED): acknowledged revisions were lost from the write-ahead "
              "log. Restore the store from a backup or a follower (README: Repair)"};
}

std::optional<Durability> ParseDurability(std::string_view name) {
  if (name == "sync") return Durability::kSync;
  if (name == "async") return Durability::kAsync;
  return std::nullopt;
}

RocksRevisionStore::RocksRevisionStore(const StoreOptions& options, std::unique_ptr<rocksdb::DB> db,
                                       std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(options),
      db_(std::move(db)),
      handles_(std::move(handles)),
      head_cache_(options.head_cache_bytes) {}

RocksRevisionStore::~RocksRevisionStore() {
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  // Close flushes nothing we need (every commit is in the WAL), but a
  // failure here means the WAL may not be synced: say so.
  if (auto status = db_->Close(); !status.ok()) {
    fprintf(stderr, "newswire store %s: close failed: %s\n", options_.path.c_str(),
            status.ToString().c_str());
  }
}

Result<void> RocksRevisionStore::Load() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kLog)));
  it->SeekToLast();
  if (it->Valid()) {
    auto entry = ParseRecord<v1::LogEntry>(it->value().ToStringView(), "log");
    if (!entry) return Fail(entry.error());
    writer_.wire_seq = keys::GetBigEndian(it->key().ToStringView());
    writer_.wire_time_ns = entry->wire_time_ns();
    writer_.wire_chain_hash = entry->chain_hash();
  }
  if (!it->status().ok()) return StoreFailure("reading the wire log", it->status());
  if (auto ok = LoadWireCut(); !ok) return ok;
  if (auto ok = LoadHeldCounter(); !ok) return ok;
  it.reset(db_->NewIterator({}, cf(kCommits)));
  it->SeekToLast();
  if (it->Valid()) {
    last_commit_ = keys::GetBigEndian(it->key().ToStringView());
    auto record = ParseRecord<v1::CommitRecord>(it->value().ToStringView(), "commit");
    if (!record) return Fail(record.error());
    log_epoch_ = record->epoch();
  }
  if (!it->status().ok()) return StoreFailure("reading the commits", it->status());
  last_wire_seq_ = writer_.wire_seq;
  settled_ = writer_;
  if (auto ok = LoadHeld(); !ok) return ok;
  if (!options_.read_only) {
    // A log that ends before what was acknowledged lost revisions: refuse to
    // serve it (and to hand its sequences out again). Verify says the same
    // of a read-only store.
    auto mark = ReadAckedMark(options_.path);
    if (!mark) return Fail(mark.error());
    if (*mark > writer_.wire_seq) return Fail(LostAcknowledged(*mark, writer_.wire_seq));
    acked_ = std::make_unique<AckedMark>(options_.path, writer_.wire_seq);
  }

  if (auto ok = LoadChannelHeads(); !ok) return ok;

  // Stores written before the time indexes were dropped still hold them:
  // nothing reads them now, so remove them once.
  if (!options_.read_only) {
    for (Family family : {kArticleTimes, kWireTimes}) {
      it.reset(db_->NewIterator({}, cf(family)));
      it->SeekToFirst();
      if (!it->Valid()) continue;
      const std::string first = it->key().ToString();
      it->SeekToLast();
      const std::string last = it->key().ToString();
      rocksdb::WriteBatch batch;
      batch.DeleteRange(cf(family), first, last);
      batch.Delete(cf(family), last);
      auto status = db_->Write({}, &batch);
      if (!status.ok()) return StoreFailure("removing an old time index", status);
    }
  }
  return {};
}

namespace {

// Stands for the story of a held record that does not parse (ids never
// hold spaces), so that it still comes due and is quarantined.
std::string UnreadableHeld(std::string_view key) { return "unreadable held " + core::Hex(key); }

}  // namespace

Result<void> RocksRevisionStore::LoadHeld() {
  held_.clear();
  held_keys_.clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kEmbargoes)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::HeldPublish held;
    // One that does not parse still comes due, to be quarantined.
    std::string article_id;
    if (held.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      article_id = held.article().id();
    }
    if (article_id.empty()) article_id = UnreadableHeld(it->key().ToStringView());
    SetHeld(article_id, HeldRef{it->key().ToString(), held.article().feed()});
  }
  if (!it->status().ok()) return StoreFailure("reading the held embargoes", it->status());
  return {};
}

void RocksRevisionStore::SetHeld(const std::string& article_id,
                                 const std::optional<HeldRef>& held) {
  if (auto it = held_.find(article_id); it != held_.end()) {
    held_keys_.erase(it->second.key);
    held_.erase(it);
  }
  if (!held) return;
  held_[article_id] = *held;
  held_keys_.insert(held->key);
}

std::unique_ptr<StagedBatch> RocksRevisionStore::Stage(std::vector<PublishInput> inputs,
                                                       int64_t wire_time_ns) {
  auto batch = std::make_unique<RocksStagedBatch>(*this, writer_, wire_time_ns);
  batch->results.reserve(inputs.size());
  for (auto& input : inputs) {
    batch->results.push_back(options_.read_only
                                 ? Fail(v1::ERROR_CODE_STORE_FAILURE, "store is open read-only")
                                 : batch->publish.Add(std::move(input)));
  }
  Absorb(*batch);
  return batch;
}

std::vector<Result<Committed>> RocksRevisionStore::ReleaseDue(int64_t wire_time_ns) {
  auto batch = std::make_unique<RocksStagedBatch>(*this, writer_, wire_time_ns);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kEmbargoes)));
  for (it->SeekToFirst(); it->Valid() && batch->results.size() < 256; it->Next()) {
    auto key = it->key().ToStringView();
    if (keys::TimeFromKey(keys::GetBigEndian(key.substr(0, 8))) > wire_time_ns) break;
    v1::HeldPublish held;
    if (!held.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      // Kept aside, not destroyed: the operator may recover it by hand.
      Quarantine(batch->publish.writes(), kEmbargoes, "embargoes", key, it->value().ToStringView());
      SetHeld(UnreadableHeld(key), std::nullopt);
      batch->results.push_back(Fail(v1::ERROR_CODE_STORE_FAILURE,
                                    "a held publish did not parse; quarantined as meta key " +
                                        std::string(keys::kQuarantinePrefix) + "embargoes/" +
                                        core::Hex(key)));
      continue;
    }
    batch->results.push_back(batch->publish.Release(std::string(key), std::move(held)));
  }
  if (!it->status().ok()) {
    return {StoreFailure("reading the held embargoes", it->status())};
  }
  if (batch->results.empty()) return {};
  Absorb(*batch);
  auto written = Write(*batch);
  return Settle(std::move(batch), std::move(written));
}

void RocksRevisionStore::Quarantine(rocksdb::WriteBatch& batch, Family family,
                                    std::string_view name, std::string_view key,
                                    std::string_view value) const {
  std::string aside(keys::kQuarantinePrefix);
  aside.append(name).push_back('/');
  aside.append(key);
  batch.Put(cf(kMeta), aside, value);
  batch.Delete(cf(family), key);
}

std::optional<int64_t> RocksRevisionStore::NextEmbargoNs() const {
  if (held_keys_.empty()) return std::nullopt;
  return keys::TimeFromKey(keys::GetBigEndian(std::string_view(*held_keys_.begin()).substr(0, 8)));
}

void RocksRevisionStore::Absorb(RocksStagedBatch& batch) {
  batch.number = ++staged_batches_;
  PublishBatch& publish = batch.publish;
  publish.Finish();
  // The next batch builds on this one before it is written.
  writer_ = publish.state();
  for (const auto& [channel, seq] : publish.channel_heads()) staged_channel_heads_[channel] = seq;
  for (auto& [article_id, head] : publish.heads()) {
    head.batch = batch.number;
    head_cache_.Put(article_id, std::move(head), settled_batches_);
  }
  for (auto& [key, answer] : publish.acks()) pending_acks_[key] = {std::move(answer), batch.number};
  for (const auto& [article_id, key] : publish.held()) SetHeld(article_id, key);
}

Result<void> RocksRevisionStore::Write(StagedBatch& staged) {
  auto& batch = static_cast<RocksStagedBatch&>(staged);
  if (batch.number <= void_through_.load(std::memory_order_acquire)) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, "not written: an earlier commit failed");
  }
  // A held publish that fails on release is still dropped: nothing to write
  // at all is the only reason to skip the write.
  if (batch.publish.writes().Count() == 0) return {};
  rocksdb::Status status = WriteCommit(batch.publish.writes());
  if (!status.ok()) return StoreFailure("commit failed", status);
  return {};
}

std::vector<Result<Committed>> RocksRevisionStore::Settle(std::unique_ptr<StagedBatch> staged,
                                                          Result<void> written) {
  auto& batch = static_cast<RocksStagedBatch&>(*staged);
  PublishBatch& publish = batch.publish;
  if (!written) {
    for (std::size_t i : publish.written()) batch.results[i] = Fail(written.error());
    RollBack();
    return std::move(batch.results);
  }
  settled_ = std::move(publish.state());
  settled_batches_ = batch.number;
  for (const auto& [channel, seq] : publish.channel_heads()) channel_heads_[channel] = seq;
  std::erase_if(pending_acks_,
                [&](const auto& entry) { return entry.second.batch <= batch.number; });
  last_wire_seq_.store(settled_.wire_seq, std::memory_order_release);
  if (acked_) acked_->Advance(settled_.wire_seq);
  // Acks name the primary's term (0 outside a cluster), which fences them.
  if (const uint64_t epoch = epoch_.load(std::memory_order_relaxed); epoch != 0) {
    for (auto& result : batch.results) {
      if (result) result->ack.set_epoch(epoch);
    }
  }
  return std::move(batch.results);
}

void RocksRevisionStore::RollBack() {
  writer_ = settled_;
  staged_channel_heads_.clear();
  pending_acks_.clear();
  head_cache_.Clear();  // It may hold heads that were never written.
  // What is held is what RocksDB holds; if even that cannot be read, the
  // next publishes see no held embargo until it can (logged by the caller
  // through the failed write).
  (void)LoadHeld();
  settled_batches_ = staged_batches_;
  void_through_.store(staged_batches_, std::memory_order_release);
}

uint64_t RocksRevisionStore::LastStagedChannelSeq(std::string_view channel) const {
  if (auto it = staged_channel_heads_.find(std::string(channel));
      it != staged_channel_heads_.end()) {
    return it->second;
  }
  return LastChannelSeq(channel);
}

const RememberedAck* RocksRevisionStore::PendingAck(const std::string& idempotency_key) const {
  auto it = pending_acks_.find(idempotency_key);
  return it == pending_acks_.end() ? nullptr : &it->second.answer;
}

std::optional<HeldRef> RocksRevisionStore::StagedHeld(const std::string& article_id) const {
  auto it = held_.find(article_id);
  if (it == held_.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<RememberedAck>> RocksRevisionStore::ReadAck(const std::string& key) const {
  std::string value;
  auto status = db_->Get({}, cf(kIdempotency), key, &value);
  if (status.IsNotFound()) return std::optional<RememberedAck>();
  if (!status.ok()) return StoreFailure("reading idempotency record", status);
  RememberedAck remembered;
  v1::IdempotencyDigest digest;
  if (!remembered.ack.ParseFromString(value) || !digest.ParseFromString(value)) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt idempotency record");
  }
  remembered.ack.DiscardUnknownFields();  // The digest, which is not the client's.
  remembered.digest = std::move(*digest.mutable_request_digest());
  return std::optional(std::move(remembered));
}

const HeadState* HeadCache::Find(const std::string& article_id) {
  auto it = index_.find(article_id);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.end(), lru_, it->second);
  return &it->second->second;
}

void HeadCache::Put(const std::string& article_id, HeadState state, uint64_t settled_batches) {
  if (auto it = index_.find(article_id); it != index_.end()) {
    auto entry = it->second;
    bytes_ -= entry->second.bytes;
    index_.erase(it);  // Its key views the entry's own id: drop it first.
    lru_.erase(entry);
  }
  bytes_ += state.bytes;
  lru_.emplace_back(article_id, std::move(state));
  index_.emplace(lru_.back().first, std::prev(lru_.end()));
  while (bytes_ > max_bytes_ && lru_.size() > 1 && lru_.front().second.batch <= settled_batches) {
    bytes_ -= lru_.front().second.bytes;
    index_.erase(lru_.front().first);
    lru_.pop_front();
  }
}

void HeadCache::Clear() {
  index_.clear();
  lru_.clear();
  bytes_ = 0;
}

Result<v1::Head> RocksRevisionStore::GetHead(std::string_view article_id) const {
  std::string value;
  auto status = db_->Get({}, cf(kHeads), article_id, &value);
  if (status.IsNotFound()) return Fail(NoArticle(article_id));
  if (!status.ok()) return StoreFailure("reading head", status);
  return ParseRecord<v1::Head>(value, "head");
}

Result<v1::StoredRevision> RocksRevisionStore::GetRevision(std::string_view article_id,
                                                           uint32_t version) const {
  if (version == 0) {
    auto head = GetHead(article_id);
    if (!head) return Fail(head.error());
    version = head->version();
  }
  std::string value;
  auto status = db_->Get({}, cf(kRevisions), keys::Revision(article_id, version), &value);
  if (status.IsNotFound()) return Fail(NoVersion(article_id, version));
  if (!status.ok()) return StoreFailure("reading revision", status);
  return ParseRecord<v1::StoredRevision>(value, "revision");
}

Result<std::vector<v1::StoredRevision>> RocksRevisionStore::GetHistory(std::string_view article_id,
                                                                       uint32_t from_version,
                                                                       std::size_t limit) const {
  std::vector<v1::StoredRevision> history;
  const std::string prefix = keys::ArticlePrefix(article_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kRevisions)));
  for (it->Seek(keys::Revision(article_id, std::max(from_version, 1u)));
       it->Valid() && it->key().starts_with(prefix) && history.size() < limit; it->Next()) {
    auto revision = ParseRecord<v1::StoredRevision>(it->value().ToStringView(), "revision");
    if (!revision) return Fail(revision.error());
    history.push_back(std::move(*revision));
  }
  if (!it->status().ok()) return StoreFailure("reading history", it->status());
  if (history.empty() && limit > 0) {
    // Past the head, or no such article at all?
    if (auto head = GetHead(article_id); !head) return Fail(head.error());
  }
  return history;
}

namespace {

// The wire time of a stored revision, read without parsing the article: the
// as-of search looks at a few records per query.
Result<int64_t> WireTimeOf(std::string_view bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == v1::StoredRevision::kWireTimeFieldNumber &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      std::string field;
      google::protobuf::Timestamp time;
      if (!in.ReadVarint32(&length) || !in.ReadString(&field, static_cast<int>(length)) ||
          !time.ParseFromString(field)) {
        break;
      }
      return core::ToClockNs(time);
    }
    if (!WireFormatLite::SkipField(&in, tag)) break;
  }
  return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt revision record");
}

}  // namespace

Result<v1::StoredRevision> RocksRevisionStore::GetRevisionAsOf(std::string_view article_id,
                                                               int64_t wire_time_ns) const {
  // Versions are contiguous from the first kept one to the head, and wire
  // time grows with the version: binary search on them instead of keeping
  // a time index (one memtable insert less per revision).
  const std::string prefix = keys::ArticlePrefix(article_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kRevisions)));
  it->Seek(prefix);
  if (!it->status().ok()) return StoreFailure("reading revisions", it->status());
  auto not_out = [&] { return Fail(NothingOutAt(article_id)); };
  if (!it->Valid() || !it->key().starts_with(prefix)) return not_out();
  auto version_at = [&] {
    return static_cast<uint32_t>(
        keys::GetBigEndian(it->key().ToStringView().substr(prefix.size())));
  };
  auto time_at = [&]() -> Result<int64_t> { return WireTimeOf(it->value().ToStringView()); };
  const uint32_t first = version_at();
  auto first_time = time_at();
  if (!first_time) return Fail(first_time.error());
  if (*first_time > wire_time_ns) return not_out();
  it->SeekForPrev(keys::Revision(article_id, UINT32_MAX));
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    return StoreFailure("reading revisions", it->status());
  }
  // The newest version out at the time: in [low, high), low known out.
  uint32_t low = first;
  uint64_t high = uint64_t{version_at()} + 1;
  while (high - low > 1) {
    const auto mid = static_cast<uint32_t>(low + (high - low) / 2);
    it->Seek(keys::Revision(article_id, mid));
    if (!it->Valid() || !it->key().starts_with(prefix) || version_at() != mid) {
      if (!it->status().ok()) return StoreFailure("reading revisions", it->status());
      return Fail(v1::ERROR_CODE_STORE_FAILURE, "version " + std::to_string(mid) + " of " +
                                                    std::string(article_id) + " is missing");
    }
    auto time = time_at();
    if (!time) return Fail(time.error());
    if (*time <= wire_time_ns) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return GetRevision(article_id, low);
}

Result<std::vector<RocksRevisionStore::Position>> RocksRevisionStore::LogPositions(
    uint64_t from_seq, std::size_t limit) const {
  std::vector<Position> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kLog)));
  for (it->Seek(keys::Log(from_seq)); it->Valid() && out.size() < limit; it->Next()) {
    auto entry = ParseRecord<v1::LogEntry>(it->value().ToStringView(), "log");
    if (!entry) return Fail(entry.error());
    out.push_back({keys::GetBigEndian(it->key().ToStringView()),
                   std::move(*entry->mutable_article_id()), entry->version(),
                   std::move(*entry->mutable_event())});
  }
  if (!it->status().ok()) return StoreFailure("reading the wire log", it->status());
  return out;
}

// One MultiGet, which batches the memtable and block lookups a Get per key
// repeats: the values, and each key's status in `statuses`.
std::vector<rocksdb::PinnableSlice> RocksRevisionStore::MultiGet(
    Family family, const std::vector<std::string>& keys,
    std::vector<rocksdb::Status>& statuses) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  statuses.assign(keys.size(), rocksdb::Status());
  db_->MultiGet({}, cf(family), slices.size(), slices.data(), values.data(), statuses.data());
  return values;
}

// The page's revision records.
Result<std::vector<rocksdb::PinnableSlice>> RocksRevisionStore::FetchRecords(
    const std::vector<Position>& positions) const {
  std::vector<std::string> keys;
  keys.reserve(positions.size());
  for (const auto& p : positions) keys.push_back(keys::Revision(p.article_id, p.version));
  std::vector<rocksdb::Status> statuses;
  auto values = MultiGet(kRevisions, keys, statuses);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      return Fail(v1::ERROR_CODE_NOT_FOUND,
                  "no revision for sequence " + std::to_string(positions[i].seq));
    }
    if (!statuses[i].ok()) return StoreFailure("reading revision", statuses[i]);
  }
  return values;
}

Result<std::vector<RocksRevisionStore::Position>> RocksRevisionStore::Positions(
    std::string_view channel, uint64_t from_seq, std::size_t limit) const {
  // The wire channel is the log itself: it has no index of its own.
  if (channel.empty() || channel == core::WireChannel()) return LogPositions(from_seq, limit);
  return ChannelPositions(channel, from_seq, limit);
}

Result<std::vector<LogItem>> RocksRevisionStore::ReadLog(uint64_t from_seq,
                                                         std::size_t limit) const {
  return ReadChannel("", from_seq, limit);
}

Result<std::vector<LogItem>> RocksRevisionStore::ReadChannel(std::string_view channel,
                                                             uint64_t from_seq,
                                                             std::size_t limit) const {
  auto positions = Positions(channel, from_seq, limit);
  if (!positions) return Fail(positions.error());
  auto records = FetchRecords(*positions);
  if (!records) return Fail(records.error());
  std::vector<LogItem> out(positions->size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].seq = (*positions)[i].seq;
    const auto& record = (*records)[i];
    if (!out[i].revision.ParseFromArray(record.data(), static_cast<int>(record.size()))) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt revision record");
    }
  }
  return out;
}

Result<std::vector<EncodedLogItem>> RocksRevisionStore::ReadEncoded(std::string_view channel,
                                                                    uint64_t from_seq,
                                                                    std::size_t limit,
                                                                    bool with_full) const {
  auto positions = Positions(channel, from_seq, limit);
  if (!positions) return Fail(positions.error());
  std::vector<EncodedLogItem> out(positions->size());
  // The log keeps each event as sent: the revision records are read only
  // for the full articles a page asks for, and for older entries' events.
  std::vector<Position> reads;
  std::vector<std::size_t> reads_at;
  for (std::size_t i = 0; i < out.size(); ++i) {
    Position& at = (*positions)[i];
    out[i].seq = at.seq;
    out[i].event = std::move(at.event);
    if (with_full || out[i].event.empty()) {
      reads.push_back(std::move(at));
      reads_at.push_back(i);
    }
  }
  if (reads.empty()) return out;
  auto records = FetchRecords(reads);
  if (!records) return Fail(records.error());
  v1::StoredRevisionView stored;
  for (std::size_t k = 0; k < reads.size(); ++k) {
    const std::size_t i = reads_at[k];
    Position& at = reads[k];
    const auto& record = (*records)[k];
    if (!stored.ParseFromArray(record.data(), static_cast<int>(record.size()))) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt revision record");
    }
    if (with_full) out[i].full = stored.article();
    if (!out[i].event.empty()) continue;
    // What the live wire sent, from the parts as they are stored.
    int field = v1::RevisionEvent::kDiffFieldNumber;
    std::string_view payload = stored.diff();
    if (stored.diff_is_full()) {
      field = v1::RevisionEvent::kFullFieldNumber;
      payload = stored.article();
    } else if (!stored.delta().empty()) {
      field = v1::RevisionEvent::kDeltaFieldNumber;
      payload = stored.delta();
    }
    out[i].event = EncodeEvent({.article_id = at.article_id,
                                .version = at.version,
                                .wire_seq = stored.wire_seq(),
                                .wire_time = stored.wire_time(),
                                .content_hash = stored.content_hash(),
                                .base_hash = stored.base_hash(),
                                .full_bytes = stored.full_bytes(),
                                .epoch = stored.epoch()},
                               field, payload);
  }
  return out;
}

namespace {

// Puts `it` at the run holding `channel_seq`, or else at the next run.
void SeekRun(rocksdb::Iterator& it, std::string_view channel, uint64_t channel_seq) {
  it.SeekForPrev(keys::Channel(channel, channel_seq));
  if (auto run = RunAt(it, channel); run && run->last() >= channel_seq) return;
  it.Seek(keys::Channel(channel, channel_seq));
}

}  // namespace

Result<std::vector<RocksRevisionStore::Position>> RocksRevisionStore::ChannelPositions(
    std::string_view channel, uint64_t from_seq, std::size_t limit) const {
  std::vector<uint64_t> channel_seqs;
  std::vector<std::string> log_keys;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kChannels)));
  for (SeekRun(*it, channel, from_seq); channel_seqs.size() < limit; it->Next()) {
    auto run = RunAt(*it, channel);
    if (!run) break;
    for (uint64_t s = std::max(run->first, from_seq);
         s <= run->last() && channel_seqs.size() < limit; ++s) {
      channel_seqs.push_back(s);
      log_keys.push_back(keys::Log(run->WireSeq(s)));
    }
  }
  if (!it->status().ok()) return StoreFailure("reading channel", it->status());
  std::vector<rocksdb::Status> statuses;
  auto values = MultiGet(kLog, log_keys, statuses);
  std::vector<Position> out;
  out.reserve(log_keys.size());
  for (std::size_t i = 0; i < log_keys.size(); ++i) {
    if (!statuses[i].ok()) return StoreFailure("reading log entry", statuses[i]);
    auto entry = ParseRecord<v1::LogEntry>(values[i].ToStringView(), "log");
    if (!entry) return Fail(entry.error());
    out.push_back({channel_seqs[i], std::move(*entry->mutable_article_id()), entry->version(),
                   std::move(*entry->mutable_event())});
  }
  return out;
}

Result<uint64_t> RocksRevisionStore::LastStoredChannelSeq(std::string_view channel) const {
  if (channel == core::WireChannel()) return LastWireSeq();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kChannels)));
  it->SeekForPrev(keys::Channel(channel, UINT64_MAX));
  if (!it->status().ok()) return StoreFailure("reading channel", it->status());
  auto run = RunAt(*it, channel);
  return run ? run->last() : uint64_t{0};
}

// Retention may have removed the whole log: the wire then goes on from
// its cut, never from sequence 1 again.
Result<void> RocksRevisionStore::LoadWireCut() {
  std::string value;
  auto status = db_->Get({}, cf(kMeta), keys::kWireCut, &value);
  if (status.IsNotFound()) return {};
  if (!status.ok()) return StoreFailure("reading the wire cut", status);
  auto cut = ParseRecord<v1::WireCut>(value, "wire cut");
  if (!cut) return Fail(cut.error());
  if (cut->first_seq() > writer_.wire_seq + 1) {
    writer_.wire_seq = cut->first_seq() - 1;
    writer_.wire_chain_hash = cut->chain_hash_before();
  }
  return {};
}

// A channel's head is where its last run ends; a batch writes no head of
// its own (one memtable insert less per channel it touches). Retention
// leaves a floor in `meta` for the runs it removes, and stores written
// before kept every head there: the larger wins. The wire channel's head
// is the last wire sequence.
Result<void> RocksRevisionStore::LoadChannelHeads() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kMeta)));
  for (it->Seek(keys::kChannelHeadPrefix);
       it->Valid() && it->key().starts_with(keys::kChannelHeadPrefix); it->Next()) {
    std::string channel(it->key().ToStringView().substr(keys::kChannelHeadPrefix.size()));
    channel_heads_[channel] = keys::GetBigEndian(it->value().ToStringView());
  }
  if (!it->status().ok()) return StoreFailure("reading channel heads", it->status());
  auto& wire = channel_heads_[core::WireChannel()];
  wire = std::max(wire, writer_.wire_seq);
  // One seek per channel: a channel's runs are contiguous (no topic is a
  // prefix of another, keys.h), so past its last run lies the next channel.
  it.reset(db_->NewIterator({}, cf(kChannels)));
  for (it->SeekToFirst(); it->Valid();) {
    const auto key = it->key().ToStringView();
    const std::string channel(key.substr(0, key.size() > 8 ? key.size() - 8 : 0));
    if (!core::IsChannelTopic(channel)) {  // No channel's run: damage, which hides no channel.
      it->Next();
      continue;
    }
    const std::string past = keys::Channel(channel, UINT64_MAX);
    it->SeekForPrev(past);
    // The key of the last run says its first sequence was handed out, even
    // when its value is damaged: the head is never set below it.
    const auto last_key = it->key().ToStringView();
    const uint64_t first = keys::GetBigEndian(last_key.substr(channel.size()));
    const uint64_t entries = std::max<std::size_t>(it->value().size() / 8, 1);
    auto& head = channel_heads_[channel];
    head = std::max(head, first + entries - 1);
    it->Seek(past + '\xff');
  }
  if (!it->status().ok()) return StoreFailure("reading channel runs", it->status());
  return {};
}

Result<uint64_t> RocksRevisionStore::ChannelSeqAtOrAfter(std::string_view channel,
                                                         uint64_t wire_seq) const {
  if (channel == core::WireChannel()) return std::clamp<uint64_t>(wire_seq, 1, LastWireSeq() + 1);
  auto last = LastStoredChannelSeq(channel);
  if (!last) return Fail(last.error());
  // Wire sequences grow with channel sequences: binary search. Retention
  // removes the oldest entries, so a missing one lies below.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kChannels)));
  uint64_t low = 1, high = *last + 1;
  while (low < high) {
    uint64_t mid = low + (high - low) / 2;
    it->SeekForPrev(keys::Channel(channel, mid));
    auto run = RunAt(*it, channel);
    if (run && run->last() >= mid && run->WireSeq(mid) >= wire_seq) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  if (!it->status().ok()) return StoreFailure("reading channel", it->status());
  return low;
}

Result<uint64_t> RocksRevisionStore::FirstSeqAtOrAfter(int64_t wire_time_ns) const {
  // Wire time never goes backwards along the log (Verify checks it), so a
  // binary search over the log replaces a time index written per revision.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kLog)));
  // The first entry at or after `seq` whose wire time is at or after the
  // one asked for, or nullopt when that entry is earlier.
  auto seek = [&](uint64_t seq) -> Result<std::optional<int64_t>> {
    it->Seek(keys::Log(seq));
    if (!it->status().ok()) return StoreFailure("reading the wire log", it->status());
    if (!it->Valid()) return std::optional<int64_t>();
    auto entry = ParseRecord<v1::LogEntry>(it->value().ToStringView(), "log");
    if (!entry) return Fail(entry.error());
    return std::optional(entry->wire_time_ns());
  };
  const uint64_t end = LastWireSeq() + 1;
  auto first = seek(0);
  if (!first) return Fail(first.error());
  if (!*first) return end;
  uint64_t low = keys::GetBigEndian(it->key().ToStringView());
  if (**first >= wire_time_ns) return low;
  // low is before the time; the answer is in (low, high].
  uint64_t high = end;
  while (high - low > 1) {
    const uint64_t mid = low + (high - low) / 2;
    auto time = seek(mid);
    if (!time) return Fail(time.error());
    if (*time && **time < wire_time_ns) {
      low = keys::GetBigEndian(it->key().ToStringView());
      if (low >= high) return high;
    } else {
      high = mid;
    }
  }
  return high;
}

Result<std::vector<v1::Head>> RocksRevisionStore::GetFeedHeads(std::string_view feed,
                                                               std::string_view after_article_id,
                                                               std::size_t limit) const {
  std::vector<v1::Head> out;
  std::string prefix = keys::FeedHead(feed, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kFeedHeads)));
  it->Seek(keys::FeedHead(feed, after_article_id));
  if (it->Valid() && !after_article_id.empty() &&
      it->key().ToStringView() == keys::FeedHead(feed, after_article_id)) {
    it->Next();
  }
  for (; it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
    auto head = ParseRecord<v1::Head>(it->value().ToStringView(), "feed head");
    if (!head) return Fail(head.error());
    out.push_back(std::move(*head));
  }
  if (!it->status().ok()) return StoreFailure("reading feed heads", it->status());
  return out;
}

Result<void> RocksRevisionStore::Checkpoint(const std::string& path) const {
  rocksdb::Checkpoint* raw = nullptr;
  auto status = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!status.ok()) return StoreFailure("checkpoint", status);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  status = checkpoint->CreateCheckpoint(path);
  if (!status.ok()) return StoreFailure("checkpoint to " + path, status);
  return {};
}

uint64_t RocksRevisionStore::LastWireSeq() const {
  return last_wire_seq_.load(std::memory_order_acquire);
}

uint64_t RocksRevisionStore::LastChannelSeq(std::string_view channel) const {
  auto it = channel_heads_.find(std::string(channel));
  return it == channel_heads_.end() ? 0 : it->second;
}

namespace {

// Keys that end in a big-endian counter (a log sequence, a commit index, a
// channel sequence) grow within their prefix: the memtable keeps
// where the last one of each prefix went and inserts the next right there
// instead of searching its skiplist from the top (RocksDB's
// memtable_insert_with_hint_prefix_extractor).
class CounterPrefix final : public rocksdb::SliceTransform {
 public:
  explicit CounterPrefix(std::size_t counter_bytes) : counter_bytes_(counter_bytes) {}
  const char* Name() const override { return "newswire.CounterPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), key.size() - counter_bytes_};
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() >= counter_bytes_; }

 private:
  std::size_t counter_bytes_;
};

}  // namespace

Result<std::unique_ptr<RevisionStore>> RevisionStore::Open(const StoreOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_total_wal_size = 256u << 20;
  // A torn last record is a batch that was never acknowledged (its write or
  // fsync did not finish): dropped. Damage anywhere else would silently
  // lose acknowledged revisions under the default point-in-time recovery:
  // refuse to open instead (and ACKED catches a log cut short).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.IncreaseParallelism(2);
  // Writes come one batch at a time (the publish pipeline's); the
  // single-writer memtable insert skips the concurrent skiplist's atomics
  // and is the one that takes the insert hints set below.
  db_options.allow_concurrent_memtable_write = false;
  db_options.info_log = std::make_shared<CallbackLogger>(options.log);
  db_options.max_open_files = options.max_open_files;
  if (options.compress_wal) db_options.wal_compression = rocksdb::kZSTD;
  // Tickers only (Written() and the metrics): per-core counters, no timers
  // or histograms on the write path.
  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the bounded block cache, not beside it:
  // otherwise they grow with the store and so does the daemon's memory.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Debian's RocksDB is built for any x86-64, so its CRC32c is the software
  // one; XXH3 guards the SST blocks as well at a fraction of the CPU (each
  // file records its checksum type, so files written before still verify).
  table.checksum = rocksdb::kXXH3;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kLZ4Compression;
  cf_options.bottommost_compression = rocksdb::kZSTD;

  static constexpr const char* kNames[kFamilyCount] = {
      "default", "revisions",     "heads",      "log",        "channels",  "idempotency",
      "meta",    "article_times", "wire_times", "feed_heads", "embargoes", "commits"};
  // Every publish looks its idempotency key up and nearly always misses: a
  // memtable bloom filter answers that without a skiplist search.
  rocksdb::ColumnFamilyOptions point_lookups = cf_options;
  point_lookups.memtable_prefix_bloom_size_ratio = 0.02;
  point_lookups.memtable_whole_key_filtering = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (std::size_t i = 0; i < kFamilyCount; ++i) {
    families.emplace_back(kNames[i], i == kIdempotency ? point_lookups : cf_options);
  }
  const auto hint = [&](Family family, std::size_t counter_bytes) {
    families[family].options.memtable_insert_with_hint_prefix_extractor =
        std::make_shared<CounterPrefix>(counter_bytes);
  };
  hint(kLog, 8);
  hint(kCommits, 8);
  hint(kChannels, 8);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!options.read_only) {
    std::error_code ignored;  // RocksDB says so if it cannot make it either.
    std::filesystem::create_directories(options.path, ignored);
  }
  rocksdb::Status status =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  if (!status.ok()) {
    if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE,
                  "store " + options.path +
                      " is in use by another process (is another newswired running?)");
    }
    if (status.IsCorruption()) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE,
                  "store " + options.path + " is damaged (" + status.ToString() +
                      "): opening it would lose acknowledged revisions. Keep the folder as it "
                      "is and restore the store from a backup or a follower (README: Repair)");
    }
    return StoreFailure("cannot open store " + options.path, status);
  }
  auto store = std::make_unique<RocksRevisionStore>(options, std::unique_ptr<rocksdb::DB>(raw),
                                                    std::move(handles));
  if (auto ok = store->Load(); !ok) return Fail(ok.error());
  return std::unique_ptr<RevisionStore>(std::move(store));
}

}  // namespace newswire::store
