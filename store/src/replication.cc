// Commits: how a replica copies this store byte for byte (README
// "Followers"). Each batch written gets a commit index and a CommitRecord
// written in the same batch. The record names the revisions the batch wrote
// by wire sequence (their revision and log records are not stored twice)
// and keeps every other operation as it was written. A replica rebuilds the
// heads, feed heads and channel runs from the revisions exactly as
// PublishBatch wrote them (see Derive below).
#include <map>

#include "event_codec.h"
#include "keys.h"
#include "newswire/core/channel.h"
#include "rocks_store.h"

namespace newswire::store {
namespace {

constexpr std::size_t kPageBytes = 4u << 20;  // A ReadCommits page, roughly.

// What a batch's revisions imply, as PublishBatch writes it: the head and
// feed head of each article, and per channel one run of wire sequences;
// the channel heads it moves are kept in memory only (the wire channel has
// no run: its sequence is the wire seq).
struct Derived {
  std::vector<std::pair<std::string, std::string>> heads;  // Article id, Head bytes.
  std::vector<std::pair<std::string, std::string>> feed_heads;
  std::map<std::string, std::pair<uint64_t, std::string>> runs;  // Channel -> first, wire seqs.
  std::map<std::string, uint64_t> channel_heads;

  // Into `batch`, as PublishBatch::WriteRecords and Finish write them.
  void Write(const RocksRevisionStore& store, rocksdb::WriteBatch& batch) const {
    for (const auto& [id, head] : heads) batch.Put(store.cf(kHeads), id, head);
    for (const auto& [key, head] : feed_heads) batch.Put(store.cf(kFeedHeads), key, head);
    for (const auto& [channel, run] : runs) {
      batch.Put(store.cf(kChannels), keys::Channel(channel, run.first), run.second);
    }
  }

  void Add(const v1::StoredRevision& revision, const v1::LogEntry& log, uint64_t first_wire_seq) {
    const auto& article = revision.article();
    // As PublishBatch::WriteRecords builds it; Capture checks that the
    // head holds no other field.
    v1::Head head;
    head.set_article_id(article.id());
    head.set_version(article.version());
    head.set_content_hash(revision.content_hash());
    head.set_wire_seq(revision.wire_seq());
    head.set_chain_hash(revision.chain_hash());
    head.set_wire_time_ns(log.wire_time_ns());
    if (article.pubstatus() != v1::PUB_STATUS_USABLE) head.set_pubstatus(article.pubstatus());
    head.set_first_wire_seq(first_wire_seq);
    std::string bytes = head.SerializeAsString();
    feed_heads.emplace_back(keys::FeedHead(article.feed(), article.id()), bytes);
    heads.emplace_back(article.id(), std::move(bytes));
    for (int i = 0; i < revision.channels_size() && i < revision.channel_seqs_size(); ++i) {
      const std::string& channel = revision.channels(i);
      const uint64_t seq = revision.channel_seqs(i);
      channel_heads[channel] = seq;
      if (channel == core::WireChannel()) continue;
      auto& [first, wire_seqs] = runs[channel];
      if (wire_seqs.empty()) first = seq;
      keys::PutBigEndian(wire_seqs, revision.wire_seq(), 8);
    }
  }
};

// Sorts a batch's operations into those its revisions imply and the rest.
class Capture final : public rocksdb::WriteBatch::Handler {
 public:
  Capture(const std::vector<rocksdb::ColumnFamilyHandle*>& handles, v1::CommitRecord& record)
      : record_(record) {
    for (std::size_t i = 0; i < handles.size(); ++i) family_of_[handles[i]->GetID()] = i;
  }

  // First pass: the wire sequences of the batch's log entries.
  bool first_pass = true;

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    const std::size_t family = Family(id);
    if (first_pass) {
      if (family == kLog && key.size() == 8) {
        const uint64_t seq = keys::GetBigEndian(key.ToStringView());
        if (record_.first_wire_seq() == 0) record_.set_first_wire_seq(seq);
        record_.set_last_wire_seq(seq);
      }
      if (family == kHeads) {
        v1::Head head;
        if (head.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          first_wire_seqs_[head.wire_seq()] = head.first_wire_seq();
        }
      }
      return rocksdb::Status::OK();
    }
    if (!IsDerived(family, value.ToStringView())) {
      auto* op = record_.add_ops();
      op->set_family(static_cast<uint32_t>(family));
      op->set_key(key.data(), key.size());
      op->set_value(value.data(), value.size());
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    if (!first_pass) AddDelete(id, key, nullptr);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return DeleteCF(id, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t id, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    if (!first_pass) AddDelete(id, begin, &end);
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::NotSupported("the store writes no merge operands");
  }

 public:
  // The heads' first wire sequences, per revision in wire order.
  void AddFirstWireSeqs() {
    for (uint64_t seq = record_.first_wire_seq(); seq != 0 && seq <= record_.last_wire_seq();
         ++seq) {
      auto it = first_wire_seqs_.find(seq);
      record_.add_first_wire_seqs(it == first_wire_seqs_.end() ? 0 : it->second);
    }
  }

 private:
  // The head as a replica rebuilds it (Derived::Add): a field added to Head
  // and not derived there keeps the head as an explicit operation.
  static std::string OnlyKnownFields(const v1::Head& head) {
    v1::Head known;
    known.set_article_id(head.article_id());
    known.set_version(head.version());
    known.set_content_hash(head.content_hash());
    known.set_wire_seq(head.wire_seq());
    known.set_chain_hash(head.chain_hash());
    known.set_wire_time_ns(head.wire_time_ns());
    known.set_pubstatus(head.pubstatus());
    known.set_first_wire_seq(head.first_wire_seq());
    return known.SerializeAsString();
  }

  std::size_t Family(uint32_t id) const {
    auto it = family_of_.find(id);
    return it == family_of_.end() ? kDefaultFamily : it->second;
  }
  bool Named(uint64_t wire_seq) const {
    return wire_seq != 0 && wire_seq >= record_.first_wire_seq() &&
           wire_seq <= record_.last_wire_seq();
  }
  // Whether a replica rebuilds this put from the revisions: revision and
  // log records are fetched by wire sequence, heads and channel runs are
  // derived. Anything else (or anything that does not look like what the
  // writer derives) is kept as written.
  bool IsDerived(std::size_t family, std::string_view value) const {
    switch (family) {
      case kRevisions:
      case kLog: return record_.first_wire_seq() != 0;
      case kHeads:
      case kFeedHeads: {
        v1::Head head;
        return head.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
               Named(head.wire_seq()) && OnlyKnownFields(head) == value;
      }
      case kChannels: {
        if (value.empty() || value.size() % 8 != 0) return false;
        for (std::size_t i = 0; i < value.size(); i += 8) {
          if (!Named(keys::GetBigEndian(value.substr(i, 8)))) return false;
        }
        return true;
      }
      default: return false;
    }
  }
  void AddDelete(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice* end) {
    auto* op = record_.add_ops();
    op->set_family(static_cast<uint32_t>(Family(id)));
    op->set_key(key.data(), key.size());
    op->set_delete_(true);
    if (end) op->set_end_key(end->data(), end->size());
  }

  v1::CommitRecord& record_;
  std::unordered_map<uint32_t, std::size_t> family_of_;
  std::unordered_map<uint64_t, uint64_t> first_wire_seqs_;  // Wire seq -> its head's.
};

}  // namespace

uint64_t RocksRevisionStore::LastCommit() const {
  return last_commit_.load(std::memory_order_acquire);
}

std::string RocksRevisionStore::CaptureCommit(const rocksdb::WriteBatch& batch) const {
  v1::CommitRecord record;
  record.set_epoch(epoch_.load(std::memory_order_acquire));
  Capture capture(handles_, record);
  (void)batch.Iterate(&capture);
  capture.first_pass = false;
  (void)batch.Iterate(&capture);
  capture.AddFirstWireSeqs();
  return record.SerializeAsString();
}

rocksdb::Status RocksRevisionStore::WriteCommit(rocksdb::WriteBatch& batch) {
  const uint64_t commit = last_commit_.load(std::memory_order_relaxed) + 1;
  batch.Put(cf(kCommits), keys::Log(commit), CaptureCommit(batch));
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability == Durability::kSync;
  auto status = WriteLocked(write_options, batch);
  if (status.ok()) {
    last_commit_.store(commit, std::memory_order_release);
    log_epoch_ = std::max(log_epoch_, epoch_.load(std::memory_order_acquire));
  }
  return status;
}

Result<void> RocksRevisionStore::CutCommits(rocksdb::WriteBatch& batch, uint64_t first_kept) const {
  // Commits up to the last one whose revisions are all gone, and those
  // without revisions among them, are of no use to a replica any more.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kCommits)));
  std::vector<std::string> doomed;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto record = ParseRecord<v1::CommitRecord>(it->value().ToStringView(), "commit");
    if (!record) return Fail(record.error());
    if (record->last_wire_seq() >= first_kept) break;
    doomed.push_back(it->key().ToString());
  }
  if (!it->status().ok()) return StoreFailure("reading the commits", it->status());
  // The newest commits may have no revision yet: keep the last one, so the
  // commit index survives a restart.
  if (!doomed.empty() && doomed.back() == keys::Log(LastCommit())) doomed.pop_back();
  for (const auto& key : doomed) batch.Delete(cf(kCommits), key);
  return {};
}

Result<v1::CommitsReply> RocksRevisionStore::ReadCommits(uint64_t from_commit,
                                                         std::size_t limit) const {
  v1::CommitsReply reply;
  const uint64_t last = LastCommit();
  reply.set_last_commit(last);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kCommits)));
  it->SeekToFirst();
  if (!it->status().ok()) return StoreFailure("reading the commits", it->status());
  const uint64_t first = it->Valid() ? keys::GetBigEndian(it->key().ToStringView()) : last + 1;
  reply.set_first_commit(first);
  from_commit = std::max<uint64_t>(from_commit, 1);
  reply.set_next_commit(from_commit);
  if (from_commit < first) {
    return Fail(v1::ERROR_CODE_NOT_FOUND, "commit " + std::to_string(from_commit) +
                                              " was removed by retention; the oldest held is " +
                                              std::to_string(first));
  }
  std::size_t bytes = 0;
  for (it->Seek(keys::Log(from_commit));
       it->Valid() && reply.commits_size() < static_cast<int>(limit) && bytes < kPageBytes;
       it->Next()) {
    const uint64_t index = keys::GetBigEndian(it->key().ToStringView());
    if (index > last || index != reply.next_commit()) break;  // Not settled yet, or a hole.
    auto record = ParseRecord<v1::CommitRecord>(it->value().ToStringView(), "commit");
    if (!record) return Fail(record.error());
    auto* out = reply.add_commits();
    out->set_commit(index);
    out->set_record(it->value().data(), it->value().size());
    for (uint64_t seq = record->first_wire_seq(); seq != 0 && seq <= record->last_wire_seq();
         ++seq) {
      std::string* log = out->add_log_entries();
      auto status = db_->Get({}, cf(kLog), keys::Log(seq), log);
      if (!status.ok()) return StoreFailure("reading log entry " + std::to_string(seq), status);
      auto entry = ParseRecord<v1::LogEntry>(*log, "log");
      if (!entry) return Fail(entry.error());
      std::string* revision = out->add_revisions();
      status = db_->Get({}, cf(kRevisions), keys::Revision(entry->article_id(), entry->version()),
                        revision);
      if (!status.ok())
        return StoreFailure("reading the revision of " + std::to_string(seq), status);
      bytes += log->size() + revision->size();
    }
    bytes += out->record().size();
    reply.set_next_commit(index + 1);
  }
  if (!it->status().ok()) return StoreFailure("reading the commits", it->status());
  return reply;
}

Result<std::vector<Committed>> RocksRevisionStore::ApplyCommits(
    const google::protobuf::RepeatedPtrField<v1::ReplicatedCommit>& commits) {
  if (options_.read_only) return Fail(v1::ERROR_CODE_STORE_FAILURE, "store is open read-only");
  // Where the log stands after each commit staged so far.
  uint64_t commit_index = LastCommit();
  uint64_t wire_seq = writer_.wire_seq;
  std::string chain = writer_.wire_chain_hash;
  int64_t wire_time_ns = writer_.wire_time_ns;
  uint64_t epoch = log_epoch_;
  bool embargoes = false;
  rocksdb::WriteBatch batch;
  Derived derived;
  std::vector<Committed> out;
  for (const auto& commit : commits) {
    auto mismatch = [&](const std::string& what) {
      return Fail(v1::ERROR_CODE_DIFF_MISMATCH,
                  "commit " + std::to_string(commit.commit()) + " " + what);
    };
    if (commit.commit() != commit_index + 1) {
      return mismatch("does not follow this store's last commit " + std::to_string(commit_index));
    }
    auto record = ParseRecord<v1::CommitRecord>(commit.record(), "commit");
    if (!record) return Fail(record.error());
    if (record->epoch() < epoch) {
      // A fenced primary's write: the upstream is behind the cluster, not
      // this log (which stays as it is).
      return Fail(v1::ERROR_CODE_NOT_PRIMARY,
                  "commit " + std::to_string(commit.commit()) + " is of epoch " +
                      std::to_string(record->epoch()) + ", older than this log's epoch " +
                      std::to_string(epoch) + ": its writer was fenced");
    }
    epoch = record->epoch();
    const uint64_t first = record->first_wire_seq(), last = record->last_wire_seq();
    const std::size_t count = first == 0 ? 0 : last - first + 1;
    if ((first != 0 && (last < first || first != wire_seq + 1)) ||
        static_cast<std::size_t>(commit.revisions_size()) != count ||
        static_cast<std::size_t>(commit.log_entries_size()) != count) {
      return mismatch("does not continue this wire log at sequence " +
                      std::to_string(wire_seq + 1));
    }
    // The batch as the primary wrote it: its own operations in order, then
    // the revisions' records and what they imply.
    for (const auto& op : record->ops()) {
      if (op.family() >= kFamilyCount) return mismatch("names an unknown column family");
      auto* family = cf(static_cast<Family>(op.family()));
      embargoes |= op.family() == kEmbargoes;
      if (!op.delete_()) {
        batch.Put(family, op.key(), op.value());
      } else if (!op.end_key().empty()) {
        batch.DeleteRange(family, op.key(), op.end_key());
      } else {
        batch.Delete(family, op.key());
      }
    }
    Derived implied;
    for (std::size_t i = 0; i < count; ++i) {
      const uint64_t seq = first + i;
      const std::string& revision_bytes = commit.revisions(static_cast<int>(i));
      const std::string& log_bytes = commit.log_entries(static_cast<int>(i));
      v1::StoredRevision revision;
      v1::LogEntry log;
      if (!revision.ParseFromString(revision_bytes) || !log.ParseFromString(log_bytes)) {
        return mismatch("holds a record that does not parse at sequence " + std::to_string(seq));
      }
      const auto& article = revision.article();
      if (revision.wire_seq() != seq || log.article_id() != article.id() ||
          log.version() != article.version() || log.content_hash() != revision.content_hash() ||
          log.chain_hash() !=
              WireChainHash(chain, seq, article.id(), article.version(), revision.content_hash())) {
        return mismatch("breaks the wire chain at sequence " + std::to_string(seq));
      }
      chain = log.chain_hash();
      wire_time_ns = log.wire_time_ns();
      batch.Put(cf(kRevisions), keys::Revision(article.id(), article.version()), revision_bytes);
      batch.Put(cf(kLog), keys::Log(seq), log_bytes);
      const uint64_t first_wire_seq = static_cast<int>(i) < record->first_wire_seqs_size()
                                          ? record->first_wire_seqs(static_cast<int>(i))
                                          : 0;
      implied.Add(revision, log, first_wire_seq);
      Committed committed;
      committed.event = log.event().empty() ? EventOf(revision).SerializeAsString()
                                            : std::move(*log.mutable_event());
      committed.channels.assign(revision.channels().begin(), revision.channels().end());
      committed.channel_seqs.assign(revision.channel_seqs().begin(), revision.channel_seqs().end());
      committed.ack.set_article_id(article.id());
      committed.ack.set_version(article.version());
      committed.ack.set_wire_seq(seq);
      committed.ack.set_content_hash(revision.content_hash());
      *committed.ack.mutable_wire_time() = revision.wire_time();
      out.push_back(std::move(committed));
    }
    if (count > 0) wire_seq = last;
    implied.Write(*this, batch);
    for (const auto& [channel, seq] : implied.channel_heads) derived.channel_heads[channel] = seq;
    batch.Put(cf(kCommits), keys::Log(commit.commit()), commit.record());
    commit_index = commit.commit();
  }
  if (commits.empty()) return out;
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability == Durability::kSync;
  if (auto status = WriteLocked(write_options, batch); !status.ok()) {
    return StoreFailure("applying commits up to " + std::to_string(commit_index), status);
  }

  // What the writer keeps in memory follows what was written.
  writer_.wire_seq = wire_seq;
  writer_.wire_time_ns = wire_time_ns;
  writer_.wire_chain_hash = chain;
  for (const auto& [channel, seq] : derived.channel_heads) channel_heads_[channel] = seq;
  head_cache_.Clear();
  Result<void> held = embargoes ? LoadHeld() : Result<void>();
  if (held && embargoes) held = LoadHeldCounter();
  settled_ = writer_;
  last_wire_seq_.store(wire_seq, std::memory_order_release);
  last_commit_.store(commit_index, std::memory_order_release);
  log_epoch_ = epoch;
  if (acked_) acked_->Advance(wire_seq);
  if (!held) return Fail(held.error());
  return out;
}

Result<void> RocksRevisionStore::LoadHeldCounter() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kEmbargoes)));
  it->SeekToLast();
  if (it->Valid() && it->key().size() >= 16) {
    writer_.held_counter =
        std::max(writer_.held_counter, keys::GetBigEndian(it->key().ToStringView().substr(8)));
  }
  if (!it->status().ok()) return StoreFailure("reading the held embargoes", it->status());
  return {};
}

}  // namespace newswire::store
