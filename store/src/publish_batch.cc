#include "keys.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/diff.h"
#include "rocks_store.h"

namespace newswire::store {

v1::RevisionEvent EventOf(const v1::StoredRevision& revision) {
  v1::RevisionEvent event;
  const v1::Article& article = revision.article();
  event.set_article_id(article.id());
  event.set_version(article.version());
  event.set_wire_seq(revision.wire_seq());
  *event.mutable_wire_time() = revision.wire_time();
  event.set_content_hash(revision.content_hash());
  event.set_full_bytes(revision.full_bytes());
  if (revision.has_diff()) event.set_base_hash(revision.base_hash());
  if (revision.diff_is_full()) {
    *event.mutable_full() = article;
  } else {
    *event.mutable_diff() = revision.diff();
  }
  return event;
}

std::string ArticleChainHash(std::string_view previous, std::string_view content_hash) {
  std::string input(previous);
  input.append(content_hash);
  return core::Sha256(input);
}

std::string WireChainHash(std::string_view previous, uint64_t wire_seq, std::string_view article_id,
                          uint32_t version, std::string_view content_hash) {
  std::string input(previous);
  keys::PutBigEndian(input, wire_seq, 8);
  input.append(article_id);
  input.push_back('\0');
  keys::PutBigEndian(input, version, 4);
  input.append(content_hash);
  return core::Sha256(input);
}

PublishBatch::PublishBatch(const RocksRevisionStore& store,
                           const RocksRevisionStore::WriterState& state, int64_t wire_time_ns)
    : store_(store), state_(state) {
  // Wire time never goes backwards, even if the clock does: as-of queries
  // and replay rely on wire order being time order.
  state_.wire_time_ns = std::max(state_.wire_time_ns, wire_time_ns);
  wire_time_ = ToTimestamp(state_.wire_time_ns);
  wire_time_ns_ = state_.wire_time_ns;
}

Result<Committed> PublishBatch::Hold(PublishInput input, const std::string& idempotency_key) {
  const int64_t embargo = ToNanos(input.article.embargoed());
  v1::HeldPublish held;
  held.set_publisher_id(input.publisher_id);
  held.set_publisher_key(input.publisher_key);
  held.set_base_version(input.base_version);
  *held.mutable_article() = std::move(input.article);
  writes_.Put(store_.cf(kEmbargoes), keys::Held(embargo, ++state_.held_counter),
              held.SerializeAsString());
  Committed committed;
  committed.ack.set_article_id(held.article().id());
  *committed.ack.mutable_embargoed_until() = held.article().embargoed();
  if (!idempotency_key.empty()) {
    writes_.Put(store_.cf(kIdempotency), idempotency_key, committed.ack.SerializeAsString());
    acks_[idempotency_key] = committed.ack;
  }
  written_.push_back(next_index_ - 1);
  return committed;
}

Result<std::optional<v1::PublishAck>> PublishBatch::FindDuplicate(const std::string& key) const {
  if (auto it = acks_.find(key); it != acks_.end()) return std::optional(it->second);
  std::string value;
  auto status = store_.db().Get({}, store_.cf(kIdempotency), key, &value);
  if (status.IsNotFound()) return std::optional<v1::PublishAck>();
  if (!status.ok()) return StoreFailure("reading idempotency record", status);
  auto ack = ParseRecord<v1::PublishAck>(value, "idempotency");
  if (!ack) return Fail(ack.error());
  return std::optional(std::move(*ack));
}

Result<const v1::StoredRevision*> PublishBatch::FindBase(const std::string& article_id) {
  if (auto it = heads_.find(article_id); it != heads_.end()) return &it->second;
  auto head = store_.GetRevision(article_id, 0);
  if (head) {
    stored_base_ = std::move(*head);
    return &stored_base_;
  }
  if (head.error().code == v1::ERROR_CODE_NOT_FOUND) return nullptr;
  return Fail(head.error());
}

Result<Committed> PublishBatch::Add(PublishInput input) {
  const std::size_t index = next_index_++;
  std::string idempotency_key;
  if (!input.publisher_key.empty()) {
    idempotency_key = keys::Idempotency(input.publisher_id, input.publisher_key);
  }
  // A release replaces the embargo ack that retries were getting.
  if (!idempotency_key.empty() && input.held_key.empty()) {
    auto duplicate = FindDuplicate(idempotency_key);
    if (!duplicate) return Fail(duplicate.error());
    if (*duplicate) {
      // A retry of a publish in this very batch is only as durable as it.
      if (acks_.count(idempotency_key)) written_.push_back(index);
      Committed committed;
      committed.ack = std::move(**duplicate);
      committed.ack.set_duplicate(true);
      return committed;
    }
  }

  v1::Article& article = input.article;
  if (!input.held_key.empty()) writes_.Delete(store_.cf(kEmbargoes), input.held_key);
  if (auto ok = core::NormalizeAndValidate(article); !ok) return Fail(ok.error());
  if (input.held_key.empty() && article.has_embargoed() &&
      ToNanos(article.embargoed()) > wire_time_ns_) {
    return Hold(std::move(input), idempotency_key);
  }
  auto found = FindBase(article.id());
  if (!found) return Fail(found.error());
  const v1::StoredRevision* base = *found;
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
  if (canonical.size() > store_.options().max_article_bytes) {
    return Fail(v1::ERROR_CODE_TOO_LARGE, "article is " + std::to_string(canonical.size()) +
                                              " bytes, limit is " +
                                              std::to_string(store_.options().max_article_bytes));
  }

  // Everything below only builds records: nothing fails past this point.
  const uint64_t seq = ++state_.wire_seq;
  v1::StoredRevision revision;
  revision.set_content_hash(core::Sha256(canonical));
  revision.set_full_bytes(static_cast<uint32_t>(canonical.size()));
  if (base) {
    *revision.mutable_diff() = core::DiffArticles(base->article(), article);
    revision.set_base_hash(base->content_hash());
  }
  // Send the diff only when it is smaller than the article itself.
  revision.set_diff_is_full(!base || revision.diff().ByteSizeLong() >= canonical.size());
  revision.set_chain_hash(
      ArticleChainHash(base ? base->chain_hash() : "", revision.content_hash()));
  revision.set_wire_seq(seq);
  *revision.mutable_wire_time() = wire_time_;
  revision.set_publisher_id(input.publisher_id);
  revision.set_publisher_key(input.publisher_key);
  *revision.mutable_article() = std::move(article);
  const v1::Article& stored = revision.article();

  Committed committed;
  committed.channels = core::ChannelsOf(stored);
  std::string seq_bytes;
  keys::PutBigEndian(seq_bytes, seq, 8);
  for (const auto& channel : committed.channels) {
    auto [moved, first] = channel_heads_.try_emplace(channel, 0);
    if (first) moved->second = store_.LastChannelSeq(channel);
    const uint64_t channel_seq = ++moved->second;
    committed.channel_seqs.push_back(channel_seq);
    revision.add_channels(channel);
    revision.add_channel_seqs(channel_seq);
    writes_.Put(store_.cf(kChannels), keys::Channel(channel, channel_seq), seq_bytes);
    std::string head_bytes;
    keys::PutBigEndian(head_bytes, channel_seq, 8);
    writes_.Put(store_.cf(kMeta), std::string(keys::kChannelHeadPrefix) + channel, head_bytes);
  }
  committed.event = EventOf(revision).SerializeAsString();
  revision.set_diff_bytes(static_cast<uint32_t>(committed.event.size()));

  auto& ack = committed.ack;
  ack.set_article_id(stored.id());
  ack.set_version(stored.version());
  ack.set_wire_seq(seq);
  ack.set_content_hash(revision.content_hash());
  *ack.mutable_wire_time() = wire_time_;

  v1::Head head;
  head.set_article_id(stored.id());
  head.set_version(stored.version());
  head.set_content_hash(revision.content_hash());
  head.set_wire_seq(seq);
  head.set_chain_hash(revision.chain_hash());
  const std::string head_bytes = head.SerializeAsString();

  v1::LogEntry log;
  log.set_article_id(stored.id());
  log.set_version(stored.version());
  log.set_wire_time_ns(state_.wire_time_ns);
  log.set_content_hash(revision.content_hash());
  log.set_chain_hash(WireChainHash(state_.wire_chain_hash, seq, stored.id(), stored.version(),
                                   revision.content_hash()));
  state_.wire_chain_hash = log.chain_hash();

  writes_.Put(store_.cf(kRevisions), keys::Revision(stored.id(), stored.version()),
              revision.SerializeAsString());
  writes_.Put(store_.cf(kHeads), stored.id(), head_bytes);
  writes_.Put(store_.cf(kFeedHeads), keys::FeedHead(stored.feed(), stored.id()), head_bytes);
  writes_.Put(store_.cf(kLog), keys::Log(seq), log.SerializeAsString());
  writes_.Put(store_.cf(kArticleTimes),
              keys::ArticleTime(stored.id(), state_.wire_time_ns, stored.version()), "");
  writes_.Put(store_.cf(kWireTimes), keys::WireTime(state_.wire_time_ns, seq), "");
  if (!idempotency_key.empty()) {
    writes_.Put(store_.cf(kIdempotency), idempotency_key, ack.SerializeAsString());
    acks_[idempotency_key] = ack;
  }
  heads_[stored.id()] = std::move(revision);
  written_.push_back(index);
  return committed;
}

}  // namespace newswire::store
