// Verify: walks the store and checks every link a tamperer or a bug could
// break. Reports the first broken link.
#include "keys.h"
#include "newswire/core/article.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "rocks_store.h"

namespace newswire::store {
namespace {

tl::unexpected<Error> Broken(const std::string& where, const std::string& what) {
  return Fail(v1::ERROR_CODE_STORE_FAILURE, where + ": " + what);
}

std::string Where(const std::string& article_id, uint32_t version) {
  return "article " + article_id + " version " + std::to_string(version);
}

}  // namespace

Result<void> RocksRevisionStore::Verify() const {
  // Pass 1: every article's revisions, in version order.
  uint64_t revisions = 0;
  std::string current_id;
  v1::StoredRevision previous;
  std::string previous_canonical;  // Its canonical bytes, serialised once.
  auto check_head = [&]() -> Result<void> {
    if (current_id.empty()) return {};
    auto head = GetHead(current_id);
    if (!head) return Broken(Where(current_id, previous.article().version()), "head is missing");
    if (head->version() != previous.article().version() ||
        head->content_hash() != previous.content_hash() ||
        head->chain_hash() != previous.chain_hash()) {
      return Broken(Where(current_id, previous.article().version()),
                    "head does not match the latest revision");
    }
    return {};
  };

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kRevisions)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key().ToStringView();
    auto zero = key.find('\0');
    if (zero == std::string_view::npos || key.size() != zero + 5) {
      return Broken("revision key", "malformed");
    }
    std::string id(key.substr(0, zero));
    auto version = static_cast<uint32_t>(keys::GetBigEndian(key.substr(zero + 1)));
    const std::string where = Where(id, version);
    auto revision = ParseRecord<v1::StoredRevision>(it->value().ToStringView(), "revision");
    if (!revision) return Broken(where, "record does not parse");
    ++revisions;

    bool after_cut = false;  // First version kept by retention: no base text.
    if (id != current_id) {
      if (auto ok = check_head(); !ok) return ok;
      current_id = id;
      previous.Clear();
      std::string cut_value;
      if (db_->Get({}, cf(kMeta), std::string(keys::kArticleCutPrefix) + id, &cut_value).ok()) {
        auto cut = ParseRecord<v1::ArticleCut>(cut_value, "article cut");
        if (!cut) return Broken(where, "retention cut record does not parse");
        // Chain on from the hashes recorded at the cut.
        previous.mutable_article()->set_version(cut->first_version() - 1);
        previous.set_chain_hash(cut->chain_hash_before());
        previous.set_content_hash(cut->content_hash_before());
        after_cut = true;
      }
    }
    const uint32_t expected = previous.has_article() ? previous.article().version() + 1 : 1;
    if (version != expected) {
      return Broken(where, "expected version " + std::to_string(expected) + " (versions skip)");
    }
    const v1::Article& article = revision->article();
    if (article.id() != id || article.version() != version) {
      return Broken(where, "record holds a different article or version");
    }
    std::string canonical = core::CanonicalBytes(article);
    if (core::Sha256(canonical) != revision->content_hash()) {
      return Broken(where, "content hash does not match the stored text");
    }
    if (revision->chain_hash() !=
        ArticleChainHash(previous.chain_hash(), revision->content_hash())) {
      return Broken(where, "hash chain is broken");
    }
    if (version > 1) {
      if (revision->base_hash() != previous.content_hash()) {
        return Broken(where, "base hash does not match version " + std::to_string(version - 1));
      }
      if (!after_cut && !revision->diff_is_full() && !revision->has_diff() &&
          revision->delta().empty()) {
        return Broken(where, "record holds neither the diff nor the delta that went out");
      }
      if (revision->has_diff()) {
        auto rebuilt = core::ApplyArticleDiff(previous.article(), revision->diff());
        if (!after_cut && (!rebuilt || core::CanonicalBytes(*rebuilt) != canonical)) {
          return Broken(where, "stored diff does not rebuild the stored text");
        }
      }
    }
    if (!after_cut && !revision->delta().empty()) {
      // Version 1's delta was made against nothing.
      const std::string_view base = version > 1 ? std::string_view(previous_canonical) : "";
      auto decoded = core::DecodeDelta(base, revision->delta(), canonical.size());
      if (!decoded || *decoded != canonical) {
        return Broken(where, "stored delta does not rebuild the stored text");
      }
    }
    previous = std::move(*revision);
    previous_canonical = std::move(canonical);
  }
  if (!it->status().ok()) return StoreFailure("reading revisions", it->status());
  if (auto ok = check_head(); !ok) return ok;

  // Pass 2: the wire log, in sequence order.
  uint64_t expected_seq = 1;
  std::string chain;
  std::string cut_value;
  if (db_->Get({}, cf(kMeta), keys::kWireCut, &cut_value).ok()) {
    auto cut = ParseRecord<v1::WireCut>(cut_value, "wire cut");
    if (!cut) return Broken("wire cut", "record does not parse");
    expected_seq = cut->first_seq();
    chain = cut->chain_hash_before();
  }
  const uint64_t first_seq = expected_seq;
  int64_t last_time = INT64_MIN;
  it.reset(db_->NewIterator({}, cf(kLog)));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected_seq) {
    uint64_t seq = keys::GetBigEndian(it->key().ToStringView());
    const std::string where = "wire sequence " + std::to_string(seq);
    if (seq != expected_seq) {
      return Broken(where, "expected " + std::to_string(expected_seq) + " (sequence gap)");
    }
    auto entry = ParseRecord<v1::LogEntry>(it->value().ToStringView(), "log");
    if (!entry) return Broken(where, "record does not parse");
    if (entry->wire_time_ns() < last_time) return Broken(where, "wire time goes backwards");
    last_time = entry->wire_time_ns();
    chain = WireChainHash(chain, seq, entry->article_id(), entry->version(), entry->content_hash());
    if (chain != entry->chain_hash()) return Broken(where, "wire hash chain is broken");
    auto revision = GetRevision(entry->article_id(), entry->version());
    if (!revision) return Broken(where, "names a revision that is missing");
    if (revision->wire_seq() != seq || revision->content_hash() != entry->content_hash()) {
      return Broken(where, "does not match " + Where(entry->article_id(), entry->version()));
    }
    if (!entry->event().empty() &&
        entry->event() != EventOf(std::move(*revision)).SerializeAsString()) {
      return Broken(where, "the event it keeps is not the one " +
                               Where(entry->article_id(), entry->version()) + " sent");
    }
  }
  if (!it->status().ok()) return StoreFailure("reading the wire log", it->status());
  if (expected_seq - first_seq != revisions) {
    return Broken("wire log", "holds " + std::to_string(expected_seq - first_seq) +
                                  " entries for " + std::to_string(revisions) + " revisions");
  }

  // The log must reach what was acknowledged (see acked_mark.h).
  auto mark = ReadAckedMark(options_.path);
  if (!mark) return Fail(mark.error());
  if (*mark > LastWireSeq()) {
    auto lost = LostAcknowledged(*mark, LastWireSeq());
    return Broken("wire log", lost.message);
  }

  // Pass 3: records set aside because they did not parse. The store keeps
  // them for the operator rather than deleting data; until they are dealt
  // with, the store is not clean.
  it.reset(db_->NewIterator({}, cf(kMeta)));
  it->Seek(keys::kQuarantinePrefix);
  if (it->Valid() && it->key().starts_with(keys::kQuarantinePrefix)) {
    auto name = it->key().ToStringView().substr(keys::kQuarantinePrefix.size());
    auto slash = name.find('/');
    return Broken("quarantine", "a " + std::string(name.substr(0, slash)) +
                                    " record did not parse and was set aside (meta key " +
                                    std::string(keys::kQuarantinePrefix) +
                                    std::string(name.substr(0, slash)) + "/" +
                                    core::Hex(name.substr(slash + 1)) + ")");
  }
  if (!it->status().ok()) return StoreFailure("reading the quarantine", it->status());
  return {};
}

}  // namespace newswire::store
