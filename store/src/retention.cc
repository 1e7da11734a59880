// Retention: cutting the oldest part of the wire log without breaking the
// hash chains. Off unless the daemon is configured with retention_days.
#include <map>

#include "keys.h"
#include "newswire/core/channel.h"
#include "rocks_store.h"

namespace newswire::store {
namespace {

constexpr std::size_t kChunk = 1000;  // Revisions removed per atomic write.

}  // namespace

// Removes each channel's runs up to its last removed sequence (a run the cut goes
// through keeps its later positions, under a key of its first kept one) and
// leaves the channel's head as a floor in `meta`, so that it holds even
// when no run is left (LoadChannelHeads).
Result<void> RocksRevisionStore::CutChannels(rocksdb::WriteBatch& batch,
                                             const RemovedSeqs& removed) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kChannels)));
  for (const auto& [channel, seqs] : removed) {
    if (channel == core::WireChannel()) continue;  // No runs: the log is its record.
    const auto [from, upto] = seqs;
    // Earlier chunks removed everything before `from` (channel sequences
    // have no gaps): seek there, not over their deletions.
    it->SeekForPrev(keys::Channel(channel, from));  // The run holding `from`.
    if (!RunAt(*it, channel)) it->Seek(keys::Channel(channel, from));
    for (; it->Valid(); it->Next()) {
      auto run = RunAt(*it, channel);
      if (!run || run->first > upto) break;
      batch.Delete(cf(kChannels), it->key());
      if (run->last() > upto) {
        batch.Put(cf(kChannels), keys::Channel(channel, upto + 1),
                  run->wire_seqs.substr((upto + 1 - run->first) * 8));
        break;
      }
    }
    if (!it->status().ok()) return StoreFailure("reading channel runs", it->status());
    const std::string floor_key = std::string(keys::kChannelHeadPrefix) + channel;
    std::string floor;
    uint64_t head = upto;
    auto status = db_->Get({}, cf(kMeta), floor_key, &floor);
    if (status.ok() && floor.size() == 8) head = std::max(head, keys::GetBigEndian(floor));
    if (!status.ok() && !status.IsNotFound()) return StoreFailure("reading a channel head", status);
    floor.clear();
    keys::PutBigEndian(floor, head, 8);
    batch.Put(cf(kMeta), floor_key, floor);
  }
  return {};
}

Result<uint64_t> RocksRevisionStore::ApplyRetention(int64_t cutoff_ns) {
  if (options_.read_only) return Fail(v1::ERROR_CODE_STORE_FAILURE, "store is open read-only");
  auto end = FirstSeqAtOrAfter(cutoff_ns);  // Keep [end, ...).
  if (!end) return Fail(end.error());
  uint64_t removed = 0;
  while (true) {
    // Read the current cut, then remove the next chunk after it.
    v1::WireCut cut;
    std::string value;
    auto status = db_->Get({}, cf(kMeta), keys::kWireCut, &value);
    if (status.ok()) {
      auto parsed = ParseRecord<v1::WireCut>(value, "wire cut");
      if (!parsed) return Fail(parsed.error());
      cut = std::move(*parsed);
    } else if (!status.IsNotFound()) {
      return StoreFailure("reading the wire cut", status);
    }
    const uint64_t first = std::max<uint64_t>(1, cut.first_seq());
    if (first >= *end) return removed;

    auto items = ReadLog(first, std::min<uint64_t>(kChunk, *end - first));
    if (!items) return Fail(items.error());
    if (items->empty()) return removed;
    rocksdb::WriteBatch batch;
    std::map<std::string, const v1::StoredRevision*> newest_removed;  // Per article.
    RemovedSeqs removed_seqs;
    std::string chain_before;
    for (const auto& item : *items) {
      const auto& revision = item.revision;
      const auto& article = revision.article();
      batch.Delete(cf(kRevisions), keys::Revision(article.id(), article.version()));
      for (int i = 0; i < revision.channels_size() && i < revision.channel_seqs_size(); ++i) {
        const uint64_t seq = revision.channel_seqs(i);
        auto [at, fresh] = removed_seqs.try_emplace(revision.channels(i), seq, seq);
        at->second.first = std::min(at->second.first, seq);
        at->second.second = std::max(at->second.second, seq);
      }
      std::string log;
      if (db_->Get({}, cf(kLog), keys::Log(item.seq), &log).ok()) {
        auto entry = ParseRecord<v1::LogEntry>(log, "log");
        if (entry) chain_before = entry->chain_hash();
      }
      batch.Delete(cf(kLog), keys::Log(item.seq));
      newest_removed[article.id()] = &revision;
    }
    if (auto ok = CutChannels(batch, removed_seqs); !ok) return Fail(ok.error());
    for (const auto& [id, revision] : newest_removed) {
      const std::string cut_key = std::string(keys::kArticleCutPrefix) + id;
      auto head = GetHead(id);
      if (head && head->version() == revision->article().version()) {
        // Every version is gone: so is the article.
        batch.Delete(cf(kHeads), id);
        batch.Delete(cf(kFeedHeads), keys::FeedHead(revision->article().feed(), id));
        batch.Delete(cf(kMeta), cut_key);
        continue;
      }
      v1::ArticleCut article_cut;
      article_cut.set_first_version(revision->article().version() + 1);
      article_cut.set_chain_hash_before(revision->chain_hash());
      article_cut.set_content_hash_before(revision->content_hash());
      batch.Put(cf(kMeta), cut_key, article_cut.SerializeAsString());
    }
    cut.set_first_seq(items->back().seq + 1);
    cut.set_chain_hash_before(chain_before);
    cut.set_cutoff_ns(cutoff_ns);
    batch.Put(cf(kMeta), keys::kWireCut, cut.SerializeAsString());
    if (auto ok = CutCommits(batch, cut.first_seq()); !ok) return Fail(ok.error());
    status = WriteCommit(batch);
    if (!status.ok()) return StoreFailure("retention", status);
    removed += items->size();
  }
}

}  // namespace newswire::store
