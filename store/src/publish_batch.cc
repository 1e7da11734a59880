#include "publish_batch.h"

#include "event_codec.h"
#include "keys.h"
#include "newswire/core/article.h"
#include "newswire/core/bytes.h"
#include "newswire/core/channel.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/core/embedded.h"
#include "newswire/core/time.h"

namespace newswire::store {
namespace {

// Deltas at most this long may lose to a structured diff (a headline
// touch-up); longer ones never did on the workload corpus.
constexpr std::size_t kStructuredDiffWorthTrying = 64;

// What an idempotency record keeps of a request to tell a retry from a
// reused key: the base version and the article's bytes as sent.
std::string RequestDigest(const PublishInput& input) {
  std::string bytes;
  core::PutBigEndian(bytes, input.base_version, 4);
  if (!input.article_bytes.empty()) {
    bytes.append(input.article_bytes);
  } else {
    bytes.append(core::CanonicalBytes(input.article));
  }
  return core::Sha256(bytes);
}

}  // namespace

std::string ArticleChainHash(std::string_view previous, std::string_view content_hash) {
  std::string input(previous);
  input.append(content_hash);
  return core::Sha256(input);
}

std::string WireChainHash(std::string_view previous, uint64_t wire_seq, std::string_view article_id,
                          uint32_t version, std::string_view content_hash) {
  std::string input(previous);
  core::PutBigEndian(input, wire_seq, 8);
  input.append(article_id);
  input.push_back('\0');
  core::PutBigEndian(input, version, 4);
  input.append(content_hash);
  return core::Sha256(input);
}

PublishBatch::PublishBatch(const RocksRevisionStore& store,
                           const RocksRevisionStore::WriterState& state, int64_t wire_time_ns)
    : store_(store),
      state_(state),
      // Wire time never goes backwards, even if the clock does: as-of
      // queries and replay rely on wire order being time order.
      wire_time_ns_(std::max(state.wire_time_ns, wire_time_ns)) {
  state_.wire_time_ns = wire_time_ns_;
  wire_time_ = core::FromClockNs(wire_time_ns_);
  wire_time_bytes_ = wire_time_.SerializeAsString();
  epoch_ = store.Epoch();
}

// The steps of one publish, in order. Each may answer the publish and stop;
// past Encode nothing fails.
Result<Committed> PublishBatch::Add(PublishInput input) {
  Step step{.index = next_index_++, .input = std::move(input)};
  // 1. De-duplicate: a retry gets the ack it got before, and nothing else
  //    happens; a key reused for another request is refused.
  if (auto answered = AnswerRetry(step)) return std::move(*answered);
  return Publish(step);
}

// A held publish whose embargo has ended, published as it was held. Its
// record goes whatever the outcome: a release that fails is logged by the
// caller, never retried forever.
Result<Committed> PublishBatch::Release(std::string held_key, v1::HeldPublish held) {
  Step step{.index = next_index_++};
  step.input.publisher_id = std::move(*held.mutable_publisher_id());
  step.input.publisher_key = std::move(*held.mutable_publisher_key());
  step.input.base_version = held.base_version();
  step.input.article = std::move(*held.mutable_article());
  if (!step.input.publisher_key.empty()) {
    step.idempotency_key = keys::Idempotency(step.input.publisher_id, step.input.publisher_key);
  }
  step.digest = std::move(*held.mutable_request_digest());
  step.releasing = true;
  Delete(kEmbargoes, held_key);
  held_[step.input.article.id()] = std::nullopt;
  auto result = Publish(step);
  // Its outcome rides on this write whatever it is: the record goes.
  if (written_.empty() || written_.back() != step.index) written_.push_back(step.index);
  return result;
}

Result<Committed> PublishBatch::Publish(Step& step) {
  // 2. Validate: parse the article and bring it to canonical form.
  if (auto ok = Validate(step); !ok) return Fail(ok.error());
  // 3. Base: the head this version builds on must be the one edited.
  if (auto ok = CheckBase(step); !ok) return Fail(ok.error());
  // 4. Embargo: the latest publish of a story is the truth. One for later
  //    is held, replacing what was held; a kill of a story that never went
  //    out withdraws what was held.
  if (auto answered = Hold(step)) return std::move(*answered);
  // 5. Encode: canonical bytes, hashes and the smallest payload.
  auto encoded = Encode(step);
  if (!encoded) return Fail(encoded.error());
  // It goes out now (or is the current version again): nothing held for
  // the story may come out after it.
  if (!step.releasing) DropHeld(step);
  if (encoded->unchanged) return Unchanged(step);
  // 6. Sequence: the wire sequence and each channel's. Nothing fails now.
  Sequenced sequenced = Sequence(*step.article);
  // 7. Records: everything the revision writes, into the batch.
  return WriteRecords(step, std::move(*encoded), std::move(sequenced));
}

std::optional<Result<Committed>> PublishBatch::AnswerRetry(Step& step) {
  const PublishInput& input = step.input;
  if (input.publisher_key.empty()) return std::nullopt;
  step.idempotency_key = keys::Idempotency(input.publisher_id, input.publisher_key);
  step.digest = RequestDigest(input);
  auto found = FindAck(step.idempotency_key);
  if (!found) return Fail(found.error());
  if (!*found) return std::nullopt;
  RememberedAck& remembered = **found;
  // Records written before digests were kept match any request.
  if (!remembered.digest.empty() && remembered.digest != step.digest) {
    return Fail(v1::ERROR_CODE_IDEMPOTENCY_KEY_REUSED,
                "publisher key '" + input.publisher_key + "' was already used for another " +
                    "request (article " + remembered.ack.article_id() + "); use a new key");
  }
  // A retry of a publish not yet durable (in this batch, or one staged
  // before it) is only as durable as this batch.
  if (acks_.count(step.idempotency_key) || store_.PendingAck(step.idempotency_key)) {
    written_.push_back(step.index);
  }
  Committed committed;
  committed.ack = std::move(remembered.ack);
  committed.ack.set_duplicate(true);
  return committed;
}

Result<void> PublishBatch::Validate(Step& step) {
  PublishInput& input = step.input;
  step.article = &input.article;
  if (!input.article_bytes.empty()) {
    step.article = google::protobuf::Arena::CreateMessage<v1::Article>(&arena_);
    if (!step.article->ParseFromString(input.article_bytes)) {
      return Fail(v1::ERROR_CODE_MALFORMED,
                  "article is not a valid Article (or holds invalid UTF-8)");
    }
  }
  return core::NormalizeAndValidate(*step.article);
}

Result<void> PublishBatch::CheckBase(Step& step) {
  const v1::Article& article = *step.article;
  auto found = FindBase(article.id());
  if (!found) return Fail(found.error());
  step.base = *found;
  const uint32_t head_version = step.base ? step.base->version : 0;
  if (step.input.base_version != 0 && step.input.base_version != head_version) {
    return Fail(v1::ERROR_CODE_VERSION_CONFLICT,
                "edited from version " + std::to_string(step.input.base_version) + " but " +
                    article.id() + " is at version " + std::to_string(head_version),
                head_version);
  }
  if (step.base && step.base->feed != article.feed()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                "feed cannot change between versions (was " + step.base->feed + ")");
  }
  // Nor before the first: held text is replaced or withdrawn only from its
  // own feed (a publisher granted one feed never touches another's).
  if (auto held = step.base ? std::nullopt : FindHeld(article.id());
      held && !step.releasing && held->feed != article.feed()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                "feed cannot change between versions (the story's held text is in another feed)");
  }
  return {};
}

// The embargo rules (README "Embargoes"): a publish for later replaces the
// story's held one; a kill of a story that never went out withdraws the
// held text, sending nothing. Anything else goes out now (nullopt).
std::optional<Result<Committed>> PublishBatch::Hold(Step& step) {
  if (step.releasing) return std::nullopt;
  const v1::Article& article = *step.article;
  // Clamped to the clock: an embargo past 2262 is held until further notice
  // (until a later publish of the story replaces or withdraws it), one
  // before 1677 is over.
  const bool for_later =
      article.has_embargoed() && core::ToClockNs(article.embargoed()) > wire_time_ns_;
  const bool withdraws = !step.base && article.pubstatus() == v1::PUB_STATUS_CANCELED &&
                         FindHeld(article.id()).has_value();
  if (!for_later && !withdraws) return std::nullopt;
  const std::size_t limit = store_.options().max_article_bytes;
  if (for_later && article.ByteSizeLong() > limit) {
    return Fail(v1::ERROR_CODE_TOO_LARGE,
                "article is over the limit of " + std::to_string(limit) + " bytes");
  }
  DropHeld(step);
  Committed committed;
  committed.ack.set_article_id(article.id());
  if (for_later) {
    v1::HeldPublish record;
    record.set_publisher_id(step.input.publisher_id);
    record.set_publisher_key(step.input.publisher_key);
    record.set_base_version(step.input.base_version);
    *record.mutable_article() = article;
    record.set_request_digest(step.digest);
    const std::string key = keys::Held(core::ToClockNs(article.embargoed()), ++state_.held_counter);
    Put(kEmbargoes, key, record.SerializeAsString());
    held_[article.id()] = HeldRef{key, article.feed()};
    *committed.ack.mutable_embargoed_until() = article.embargoed();
  } else {
    committed.ack.set_withdrawn(true);
  }
  Remember(step, committed.ack);
  written_.push_back(step.index);
  return committed;
}

Result<PublishBatch::Encoded> PublishBatch::Encode(const Step& step) {
  v1::Article& article = *step.article;
  const HeadState* base = step.base;
  Encoded out;
  article.set_version(base ? base->version + 1 : 1);
  // Serialised once: hashed, and spliced as is into the stored record and
  // (when sent full) the event.
  out.canonical = core::CanonicalBytes(article);
  if (out.canonical.size() > store_.options().max_article_bytes) {
    return Fail(v1::ERROR_CODE_TOO_LARGE, "article is " + std::to_string(out.canonical.size()) +
                                              " bytes, limit is " +
                                              std::to_string(store_.options().max_article_bytes));
  }
  // A re-send of the current version differs from it only in the version
  // field (one byte more at most): compare only when the sizes allow it.
  if (base && out.canonical.size() <= base->canonical.size() + 1 &&
      out.canonical.size() + 1 >= base->canonical.size()) {
    article.set_version(base->version);
    out.unchanged = core::CanonicalBytes(article) == base->canonical;
    article.set_version(base->version + 1);
    if (out.unchanged) return out;
  }
  out.content_hash = core::Sha256(out.canonical);
  out.chain_hash = ArticleChainHash(base ? base->chain_hash : "", out.content_hash);
  // The smallest of three encodings goes out and is stored: the full
  // article, the zstd delta (this version compressed against the base's
  // bytes) or the structured diff. On the workload corpus the structured
  // diff only wins for edits whose delta is already tiny, so it is computed
  // only then (it costs about twice the delta). Version 1 has no base: its
  // delta is the article compressed alone. In `diff` payload mode every
  // update is a structured diff, whatever its size.
  const bool deltas = store_.options().deltas;
  out.payload_field = v1::RevisionEvent::kFullFieldNumber;
  std::size_t payload_size = out.canonical.size();
  if (deltas) {
    std::string delta =
        core::EncodeDelta(base ? std::string_view(base->canonical) : "", out.canonical);
    if (!delta.empty() && delta.size() < payload_size) {
      payload_size = delta.size();
      out.payload_field = v1::RevisionEvent::kDeltaFieldNumber;
      out.payload = std::move(delta);
    }
  }
  if (base && (!deltas || payload_size <= kStructuredDiffWorthTrying)) {
    v1::Article base_article;  // Parsed only here: rarely needed unless deltas are off.
    if (base_article.ParseFromString(base->canonical)) {
      std::string diff = core::DiffArticles(base_article, article).SerializeAsString();
      if (!deltas || diff.size() < payload_size) {
        out.payload_field = v1::RevisionEvent::kDiffFieldNumber;
        out.payload = std::move(diff);
      }
    }
  }
  return out;
}

PublishBatch::Sequenced PublishBatch::Sequence(const v1::Article& article) {
  Sequenced out;
  out.wire_seq = ++state_.wire_seq;
  out.channels = core::ChannelsOf(article);
  for (const auto& channel : out.channels) {
    auto [moved, first] = channel_heads_.try_emplace(channel, 0);
    if (first) moved->second = store_.LastStagedChannelSeq(channel);
    out.channel_seqs.push_back(++moved->second);
    // The wire channel's sequence is the wire sequence: the log indexes it.
    if (channel == core::WireChannel()) continue;
    ChannelRun& run = channel_runs_[channel];
    if (run.wire_seqs.empty()) run.first = moved->second;
    core::PutBigEndian(run.wire_seqs, out.wire_seq, 8);
  }
  return out;
}

Committed PublishBatch::WriteRecords(const Step& step, Encoded encoded, Sequenced sequenced) {
  const v1::Article& article = *step.article;
  const HeadState* base = step.base;
  const uint64_t seq = sequenced.wire_seq;
  const std::string_view payload = encoded.payload_field == v1::RevisionEvent::kFullFieldNumber
                                       ? encoded.canonical
                                       : encoded.payload;
  Committed committed;
  committed.event = EncodeEvent({.article_id = article.id(),
                                 .version = article.version(),
                                 .wire_seq = seq,
                                 .wire_time = wire_time_bytes_,
                                 .content_hash = encoded.content_hash,
                                 .base_hash = base ? std::string_view(base->content_hash) : "",
                                 .full_bytes = static_cast<uint32_t>(encoded.canonical.size()),
                                 .epoch = epoch_},
                                encoded.payload_field, payload);

  // The revision record: its article and diff go in front (fields 1 and 2),
  // so the record's bytes are what SerializeAsString would give.
  v1::StoredRevision revision;
  revision.set_content_hash(encoded.content_hash);
  revision.set_full_bytes(static_cast<uint32_t>(encoded.canonical.size()));
  if (base) revision.set_base_hash(base->content_hash);
  revision.set_diff_is_full(encoded.payload_field == v1::RevisionEvent::kFullFieldNumber);
  revision.set_chain_hash(encoded.chain_hash);
  revision.set_wire_seq(seq);
  *revision.mutable_wire_time() = wire_time_;
  revision.set_publisher_id(step.input.publisher_id);
  revision.set_publisher_key(step.input.publisher_key);
  if (encoded.payload_field == v1::RevisionEvent::kDeltaFieldNumber) {
    revision.set_delta(encoded.payload);
  }
  for (std::size_t i = 0; i < sequenced.channels.size(); ++i) {
    revision.add_channels(sequenced.channels[i]);
    revision.add_channel_seqs(sequenced.channel_seqs[i]);
  }
  revision.set_diff_bytes(static_cast<uint32_t>(committed.event.size()));
  revision.set_epoch(epoch_);
  std::string record;
  record.reserve(encoded.canonical.size() + encoded.payload.size() + revision.ByteSizeLong() + 16);
  core::AppendEmbedded(record, v1::StoredRevision::kArticleFieldNumber, encoded.canonical);
  if (encoded.payload_field == v1::RevisionEvent::kDiffFieldNumber) {
    core::AppendEmbedded(record, v1::StoredRevision::kDiffFieldNumber, encoded.payload);
  }
  revision.AppendToString(&record);

  v1::Head head;
  head.set_article_id(article.id());
  head.set_version(article.version());
  head.set_content_hash(encoded.content_hash);
  head.set_wire_seq(seq);
  head.set_chain_hash(encoded.chain_hash);
  head.set_wire_time_ns(wire_time_ns_);  // For snapshots (snapshot.cc).
  if (article.pubstatus() != v1::PUB_STATUS_USABLE) head.set_pubstatus(article.pubstatus());
  const uint64_t first_wire_seq = base ? base->first_wire_seq : seq;
  head.set_first_wire_seq(first_wire_seq);
  const std::string head_bytes = head.SerializeAsString();

  // The log entry chains the whole wire; the event is spliced on, not
  // copied in first.
  v1::LogEntry log;
  log.set_article_id(article.id());
  log.set_version(article.version());
  log.set_wire_time_ns(wire_time_ns_);
  log.set_content_hash(encoded.content_hash);
  log.set_chain_hash(WireChainHash(state_.wire_chain_hash, seq, article.id(), article.version(),
                                   encoded.content_hash));
  state_.wire_chain_hash = log.chain_hash();
  std::string log_bytes = log.SerializeAsString();
  core::AppendEmbedded(log_bytes, v1::LogEntry::kEventFieldNumber, committed.event);

  Put(kRevisions, keys::Revision(article.id(), article.version()), record);
  Put(kHeads, article.id(), head_bytes);
  Put(kFeedHeads, keys::FeedHead(article.feed(), article.id()), head_bytes);
  Put(kLog, keys::Log(seq), log_bytes);
  // No time indexes: wire time grows with the version and the wire
  // sequence, so as-of and from-time lookups binary-search the revisions and
  // the log.

  auto& ack = committed.ack;
  ack.set_article_id(article.id());
  ack.set_version(article.version());
  ack.set_wire_seq(seq);
  ack.set_content_hash(encoded.content_hash);
  *ack.mutable_wire_time() = wire_time_;
  Remember(step, ack);

  HeadState next;
  next.version = article.version();
  next.feed = article.feed();
  next.content_hash = std::move(encoded.content_hash);
  next.chain_hash = std::move(encoded.chain_hash);
  next.wire_seq = seq;
  next.first_wire_seq = first_wire_seq;
  next.wire_time_ns = wire_time_ns_;
  next.bytes = encoded.canonical.size() + 320;  // The bytes, the hashes, the id and the nodes.
  next.canonical = std::move(encoded.canonical);
  heads_.insert_or_assign(article.id(), std::move(next));
  committed.channels = std::move(sequenced.channels);
  committed.channel_seqs = std::move(sequenced.channel_seqs);
  written_.push_back(step.index);
  return committed;
}

// A re-send of the current version: acked with that version, nothing sent.
// The key is remembered (so a retry after the head moves is not taken for
// new content), and a held embargo it superseded is dropped.
Committed PublishBatch::Unchanged(const Step& step) {
  const HeadState& base = *step.base;
  Committed committed;
  auto& ack = committed.ack;
  ack.set_article_id(step.article->id());
  ack.set_version(base.version);
  ack.set_wire_seq(base.wire_seq);
  ack.set_content_hash(base.content_hash);
  *ack.mutable_wire_time() = core::FromClockNs(base.wire_time_ns);
  ack.set_unchanged(true);
  Remember(step, ack);
  if (step.dropped_held || !step.idempotency_key.empty()) written_.push_back(step.index);
  return committed;
}

void PublishBatch::Remember(const Step& step, const v1::PublishAck& ack) {
  if (step.idempotency_key.empty()) return;
  std::string digest = step.digest;
  std::string record = ack.SerializeAsString();
  v1::IdempotencyDigest kept;
  kept.set_request_digest(digest);
  kept.AppendToString(&record);
  Put(kIdempotency, step.idempotency_key, record);
  acks_[step.idempotency_key] = {ack, std::move(digest)};
}

Result<std::optional<RememberedAck>> PublishBatch::FindAck(const std::string& key) const {
  if (auto it = acks_.find(key); it != acks_.end()) return std::optional(it->second);
  if (const RememberedAck* pending = store_.PendingAck(key)) return std::optional(*pending);
  return store_.ReadAck(key);
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
    stored_base_.wire_seq = head->wire_seq();
    stored_base_.wire_time_ns = core::ToClockNs(head->wire_time());
    auto stored_head = store_.GetHead(article_id);
    stored_base_.first_wire_seq = stored_head ? stored_head->first_wire_seq() : 0;
    return &stored_base_;
  }
  if (head.error().code == v1::ERROR_CODE_NOT_FOUND) return nullptr;
  return Fail(head.error());
}

std::optional<HeldRef> PublishBatch::FindHeld(const std::string& article_id) const {
  if (auto it = held_.find(article_id); it != held_.end()) return it->second;
  return store_.StagedHeld(article_id);
}

void PublishBatch::DropHeld(Step& step) {
  const std::string& article_id = step.article->id();
  auto held = FindHeld(article_id);
  if (!held) return;
  Delete(kEmbargoes, held->key);
  held_[article_id] = std::nullopt;
  step.dropped_held = true;
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
  // A channel's head is where its last run ends (RocksRevisionStore::
  // LoadChannelHeads), so it is not written again.
  for (const auto& [channel, run] : channel_runs_) {
    Put(kChannels, keys::Channel(channel, run.first), run.wire_seqs);
  }
}

}  // namespace newswire::store
