#include "keys.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/core/embedded.h"
#include "rocks_store.h"

namespace newswire::store {

v1::RevisionEvent EventOf(v1::StoredRevision revision) {
  v1::RevisionEvent event;
  v1::Article& article = *revision.mutable_article();
  event.set_article_id(article.id());
  event.set_version(article.version());
  event.set_wire_seq(revision.wire_seq());
  *event.mutable_wire_time() = revision.wire_time();
  event.set_content_hash(revision.content_hash());
  event.set_full_bytes(revision.full_bytes());
  event.set_base_hash(revision.base_hash());
  if (revision.diff_is_full()) {
    *event.mutable_full() = std::move(article);
  } else if (!revision.delta().empty()) {
    event.set_delta(std::move(*revision.mutable_delta()));
  } else {
    *event.mutable_diff() = std::move(*revision.mutable_diff());
  }
  return event;
}

namespace {

// Deltas at most this long may lose to a structured diff (a headline
// touch-up); longer ones never did on the workload corpus.
constexpr std::size_t kStructuredDiffWorthTrying = 64;

}  // namespace

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

Result<Committed> PublishBatch::Hold(const PublishInput& input, const v1::Article& article,
                                     const std::string& idempotency_key) {
  const int64_t embargo = ToNanos(article.embargoed());
  v1::HeldPublish held;
  held.set_publisher_id(input.publisher_id);
  held.set_publisher_key(input.publisher_key);
  held.set_base_version(input.base_version);
  *held.mutable_article() = article;
  Put(kEmbargoes, keys::Held(embargo, ++state_.held_counter), held.SerializeAsString());
  Committed committed;
  committed.ack.set_article_id(held.article().id());
  *committed.ack.mutable_embargoed_until() = held.article().embargoed();
  if (!idempotency_key.empty()) {
    Put(kIdempotency, idempotency_key, committed.ack.SerializeAsString());
    acks_[idempotency_key] = committed.ack;
  }
  written_.push_back(next_index_ - 1);
  return committed;
}

Result<std::optional<v1::PublishAck>> PublishBatch::FindDuplicate(const std::string& key) const {
  if (auto it = acks_.find(key); it != acks_.end()) return std::optional(it->second);
  if (const v1::PublishAck* pending = store_.PendingAck(key)) return std::optional(*pending);
  std::string value;
  auto status = store_.db().Get({}, store_.cf(kIdempotency), key, &value);
  if (status.IsNotFound()) return std::optional<v1::PublishAck>();
  if (!status.ok()) return StoreFailure("reading idempotency record", status);
  auto ack = ParseRecord<v1::PublishAck>(value, "idempotency");
  if (!ack) return Fail(ack.error());
  return std::optional(std::move(*ack));
}

Result<const HeadState*> PublishBatch::FindBase(const std::string& article_id) {
  if (auto it = heads_.find(article_id); it != heads_.end()) return &it->second;
  if (const HeadState* cached = store_.head_cache().Find(article_id)) return cached;
  auto head = store_.GetRevision(article_id, 0);
  if (head) {
    stored_base_.version = head->article().version();
    stored_base_.feed = head->article().feed();
    stored_base_.canonical = core::CanonicalBytes(head->article());
    stored_base_.content_hash = std::move(*head->mutable_content_hash());
    stored_base_.chain_hash = std::move(*head->mutable_chain_hash());
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
      // A retry of a publish not yet durable (in this batch, or one written
      // before it) is only as durable as this batch.
      if (acks_.count(idempotency_key) || store_.PendingAck(idempotency_key)) {
        written_.push_back(index);
      }
      Committed committed;
      committed.ack = std::move(**duplicate);
      committed.ack.set_duplicate(true);
      return committed;
    }
  }

  v1::Article* received = &input.article;
  if (!input.article_bytes.empty()) {
    received = google::protobuf::Arena::CreateMessage<v1::Article>(&arena_);
    if (!received->ParseFromString(input.article_bytes)) {
      return Fail(v1::ERROR_CODE_MALFORMED,
                  "article is not a valid Article (or holds invalid UTF-8)");
    }
  }
  v1::Article& article = *received;
  if (!input.held_key.empty()) Delete(kEmbargoes, input.held_key);
  if (auto ok = core::NormalizeAndValidate(article); !ok) return Fail(ok.error());
  if (input.held_key.empty() && article.has_embargoed() &&
      ToNanos(article.embargoed()) > wire_time_ns_) {
    return Hold(input, article, idempotency_key);
  }
  auto found = FindBase(article.id());
  if (!found) return Fail(found.error());
  const HeadState* base = *found;
  const uint32_t head_version = base ? base->version : 0;
  if (input.base_version != 0 && input.base_version != head_version) {
    return Fail(v1::ERROR_CODE_VERSION_CONFLICT,
                "edited from version " + std::to_string(input.base_version) + " but " +
                    article.id() + " is at version " + std::to_string(head_version),
                head_version);
  }
  if (base && base->feed != article.feed()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                "feed cannot change between versions (was " + base->feed + ")");
  }

  article.set_version(head_version + 1);
  // Serialised once: hashed, and spliced as is into the stored record and
  // (when sent full) the event. Article has no maps, so these are exactly
  // the bytes a (deterministic) serialisation of either message holds.
  std::string canonical = core::CanonicalBytes(article);
  if (canonical.size() > store_.options().max_article_bytes) {
    return Fail(v1::ERROR_CODE_TOO_LARGE, "article is " + std::to_string(canonical.size()) +
                                              " bytes, limit is " +
                                              std::to_string(store_.options().max_article_bytes));
  }

  // Everything below only builds records: nothing fails past this point.
  const uint64_t seq = ++state_.wire_seq;
  HeadState next;
  next.content_hash = core::Sha256(canonical);
  next.chain_hash = ArticleChainHash(base ? base->chain_hash : "", next.content_hash);
  // The smallest of three encodings goes out and is stored: the full
  // article, the zstd delta (this version compressed against the base's
  // bytes) or the structured diff. Measured on the workload corpus, the
  // structured diff only wins for edits whose delta is already tiny, so it
  // is computed only then (it costs about twice the delta's time).
  // Version 1 has no base: its delta is the article compressed alone.
  std::string diff;
  const bool deltas = store_.options().deltas;
  std::string delta =
      deltas ? core::EncodeDelta(base ? std::string_view(base->canonical) : "", canonical) : "";
  std::string_view payload = canonical;
  int payload_field = v1::RevisionEvent::kFullFieldNumber;
  if (!delta.empty() && delta.size() < payload.size()) {
    payload = delta;
    payload_field = v1::RevisionEvent::kDeltaFieldNumber;
  }
  if (base && (!deltas || payload.size() <= kStructuredDiffWorthTrying)) {
    v1::Article base_article;  // Parsed only here: rarely needed unless deltas are off.
    const bool parsed = base_article.ParseFromString(base->canonical);
    if (parsed) diff = core::DiffArticles(base_article, article).SerializeAsString();
    if (parsed && diff.size() < payload.size()) {
      payload = diff;
      payload_field = v1::RevisionEvent::kDiffFieldNumber;
    }
  }
  const bool diff_is_full = payload_field == v1::RevisionEvent::kFullFieldNumber;

  // The stored record without its article and diff; they go in front (fields
  // 1 and 2), so the record's bytes are what SerializeAsString would give.
  v1::StoredRevision revision;
  revision.set_content_hash(next.content_hash);
  revision.set_full_bytes(static_cast<uint32_t>(canonical.size()));
  if (base) revision.set_base_hash(base->content_hash);
  revision.set_diff_is_full(diff_is_full);
  revision.set_chain_hash(next.chain_hash);
  revision.set_wire_seq(seq);
  *revision.mutable_wire_time() = wire_time_;
  revision.set_publisher_id(input.publisher_id);
  revision.set_publisher_key(input.publisher_key);
  if (payload_field == v1::RevisionEvent::kDeltaFieldNumber) revision.set_delta(delta);
  const bool diff_stored = payload_field == v1::RevisionEvent::kDiffFieldNumber;

  Committed committed;
  committed.channels = core::ChannelsOf(article);
  for (const auto& channel : committed.channels) {
    auto [moved, first] = channel_heads_.try_emplace(channel, 0);
    if (first) moved->second = store_.LastPreparedChannelSeq(channel);
    const uint64_t channel_seq = ++moved->second;
    committed.channel_seqs.push_back(channel_seq);
    revision.add_channels(channel);
    revision.add_channel_seqs(channel_seq);
    // The wire channel's sequence is the wire sequence: the log indexes it.
    if (channel == core::WireChannel()) continue;
    ChannelRun& run = channel_runs_[channel];
    if (run.wire_seqs.empty()) run.first = channel_seq;
    keys::PutBigEndian(run.wire_seqs, seq, 8);
  }

  // The event: fields 1-7, then the payload (8, 9 or 10), as EventOf builds it.
  {
    v1::RevisionEvent event;
    event.set_article_id(article.id());
    event.set_version(article.version());
    event.set_wire_seq(seq);
    *event.mutable_wire_time() = wire_time_;
    event.set_content_hash(next.content_hash);
    event.set_full_bytes(static_cast<uint32_t>(canonical.size()));
    if (base) event.set_base_hash(base->content_hash);
    committed.event.reserve(event.ByteSizeLong() + 8 + payload.size());
    event.AppendToString(&committed.event);
    core::AppendEmbedded(committed.event, payload_field, payload);
  }
  revision.set_diff_bytes(static_cast<uint32_t>(committed.event.size()));

  auto& ack = committed.ack;
  ack.set_article_id(article.id());
  ack.set_version(article.version());
  ack.set_wire_seq(seq);
  ack.set_content_hash(next.content_hash);
  *ack.mutable_wire_time() = wire_time_;

  v1::Head head;
  head.set_article_id(article.id());
  head.set_version(article.version());
  head.set_content_hash(next.content_hash);
  head.set_wire_seq(seq);
  head.set_chain_hash(next.chain_hash);
  const std::string head_bytes = head.SerializeAsString();

  v1::LogEntry log;
  log.set_article_id(article.id());
  log.set_version(article.version());
  log.set_wire_time_ns(state_.wire_time_ns);
  log.set_content_hash(next.content_hash);
  log.set_chain_hash(WireChainHash(state_.wire_chain_hash, seq, article.id(), article.version(),
                                   next.content_hash));
  state_.wire_chain_hash = log.chain_hash();
  // The event (the entry's last field) spliced on, not copied in first.
  std::string log_bytes = log.SerializeAsString();
  core::AppendEmbedded(log_bytes, v1::LogEntry::kEventFieldNumber, committed.event);

  std::string record;
  record.reserve(canonical.size() + diff.size() + revision.ByteSizeLong() + 16);
  core::AppendEmbedded(record, v1::StoredRevision::kArticleFieldNumber, canonical);
  if (diff_stored) core::AppendEmbedded(record, v1::StoredRevision::kDiffFieldNumber, diff);
  revision.AppendToString(&record);

  Put(kRevisions, keys::Revision(article.id(), article.version()), record);
  Put(kHeads, article.id(), head_bytes);
  Put(kFeedHeads, keys::FeedHead(article.feed(), article.id()), head_bytes);
  Put(kLog, keys::Log(seq), log_bytes);
  // No time indexes: wire time grows with the version and the wire
  // sequence, so as-of and from-time lookups binary-search the revisions and
  // the log (each index was a memtable insert per revision).
  if (!idempotency_key.empty()) {
    Put(kIdempotency, idempotency_key, ack.SerializeAsString());
    acks_[idempotency_key] = ack;
  }
  next.version = article.version();
  next.feed = article.feed();
  next.bytes = canonical.size() + 320;  // The bytes, the hashes, the id and the nodes.
  next.canonical = std::move(canonical);
  heads_.insert_or_assign(article.id(), std::move(next));
  written_.push_back(index);
  return committed;
}

void PublishBatch::Put(Family family, std::string_view key, std::string_view value) {
  writes_.Put(store_.cf(family), key, value);
}

void PublishBatch::Delete(Family family, std::string_view key) {
  writes_.Delete(store_.cf(family), key);
}

void PublishBatch::Finish() {
  arena_.Reset();  // Nothing built from the received articles points into them.
  // Once per channel and batch, not per revision: each put is a memtable
  // insert, the daemon's largest cost.
  for (const auto& [channel, run] : channel_runs_) {
    Put(kChannels, keys::Channel(channel, run.first), run.wire_seqs);
  }
  for (const auto& [channel, seq] : channel_heads_) {
    std::string head_bytes;
    keys::PutBigEndian(head_bytes, seq, 8);
    Put(kMeta, std::string(keys::kChannelHeadPrefix) + channel, head_bytes);
  }
}

}  // namespace newswire::store
