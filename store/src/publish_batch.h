// One staged batch of publishes: the steps that turn each publish into the
// records of a revision (or a held embargo, or an answer to a retry), built
// into one rocksdb::WriteBatch. Private to store/.
//
// Each publish goes through Add's steps in order: de-duplicate, validate,
// check the base, hold (embargo), encode, sequence, write the records. A
// later publish of the batch builds on the earlier ones, which RocksDB does
// not have yet: the batch keeps what it has staged (heads, acks, channel
// heads, held embargoes) and looks there first. Writer thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <google/protobuf/arena.h>
#include <rocksdb/write_batch.h>

#include "rocks_store.h"

namespace newswire::store {

class PublishBatch {
 public:
  PublishBatch(const RocksRevisionStore& store, const RocksRevisionStore::WriterState& state,
               int64_t wire_time_ns);

  // One publish through every step. The typed error of the step that
  // refused it, or what to answer and fan out. Nothing this returns is
  // durable before the batch is written.
  Result<Committed> Add(PublishInput input);
  // A held publish whose embargo ended (its embargoes key and record),
  // through the same steps but the de-duplication and the hold.
  Result<Committed> Release(std::string held_key, v1::HeldPublish held);
  // Writes what is kept once per batch (channel runs and heads); call
  // before the write.
  void Finish();

  rocksdb::WriteBatch& writes() { return writes_; }
  // Inputs whose result rides on this write (a failed write fails them).
  const std::vector<std::size_t>& written() const { return written_; }
  RocksRevisionStore::WriterState& state() { return state_; }
  // Channel heads this batch moved (the rest are unchanged).
  const std::unordered_map<std::string, uint64_t>& channel_heads() const { return channel_heads_; }
  // Newest revision of each article this batch wrote, for the HeadCache.
  std::unordered_map<std::string, HeadState>& heads() { return heads_; }
  // Idempotency key -> what was answered, for the publishes this batch
  // answers first.
  std::unordered_map<std::string, RememberedAck>& acks() { return acks_; }
  // Article id -> its held embargo key after this batch (nullopt: none).
  const std::unordered_map<std::string, std::optional<HeldRef>>& held() const { return held_; }

 private:
  // A publish on its way through the steps.
  struct Step {
    std::size_t index = 0;  // In the batch.
    PublishInput input;
    std::string idempotency_key;  // Empty: the publisher gave none.
    std::string digest;           // Of the request, kept with the idempotency record.
    v1::Article* article = nullptr;
    const HeadState* base = nullptr;  // The head it builds on; null for version 1.
    bool releasing = false;           // An embargo ended: publish what was held.
    bool dropped_held = false;        // It superseded a held publish.
  };
  // The version as it will be stored and sent.
  struct Encoded {
    std::string canonical;
    std::string content_hash;
    std::string chain_hash;
    int payload_field = 0;   // RevisionEvent's full, diff or delta field.
    std::string payload;     // Empty when the payload is the canonical bytes.
    bool unchanged = false;  // Byte for byte the base: nothing to write.
  };
  struct Sequenced {
    uint64_t wire_seq = 0;
    std::vector<std::string> channels;
    std::vector<uint64_t> channel_seqs;
  };

  Result<Committed> Publish(Step& step);
  std::optional<Result<Committed>> AnswerRetry(Step& step);
  Result<void> Validate(Step& step);
  Result<void> CheckBase(Step& step);
  std::optional<Result<Committed>> Hold(Step& step);
  Result<Encoded> Encode(const Step& step);
  Sequenced Sequence(const v1::Article& article);
  Committed WriteRecords(const Step& step, Encoded encoded, Sequenced sequenced);
  Committed Unchanged(const Step& step);

  Result<std::optional<RememberedAck>> FindAck(const std::string& key) const;
  Result<const HeadState*> FindBase(const std::string& article_id);
  std::optional<HeldRef> FindHeld(const std::string& article_id) const;
  void DropHeld(Step& step);
  void Remember(const Step& step, const v1::PublishAck& ack);
  void Put(Family family, std::string_view key, std::string_view value);
  void Delete(Family family, std::string_view key);

  const RocksRevisionStore& store_;
  // Articles that arrived encoded are parsed here: fewer allocations than
  // on the heap, all released together once the batch is built (Finish).
  google::protobuf::Arena arena_;
  RocksRevisionStore::WriterState state_;
  const int64_t wire_time_ns_;
  google::protobuf::Timestamp wire_time_;
  std::string wire_time_bytes_;  // wire_time_, encoded once for every event.
  uint64_t epoch_ = 0;           // The term the batch is committed in.
  rocksdb::WriteBatch writes_;
  std::vector<std::size_t> written_;
  std::size_t next_index_ = 0;
  std::unordered_map<std::string, HeadState> heads_;     // Article id -> newest.
  std::unordered_map<std::string, RememberedAck> acks_;  // Idempotency key -> answer.
  std::unordered_map<std::string, std::optional<HeldRef>> held_;
  std::unordered_map<std::string, uint64_t> channel_heads_;
  struct ChannelRun {
    uint64_t first = 0;     // Channel sequence of the first revision.
    std::string wire_seqs;  // 8 bytes each, big-endian.
  };
  std::unordered_map<std::string, ChannelRun> channel_runs_;  // Index entries to write.
  HeadState stored_base_;  // A base read from RocksDB (not cached).
};

struct RocksStagedBatch final : StagedBatch {
  RocksStagedBatch(const RocksRevisionStore& store, const RocksRevisionStore::WriterState& state,
                   int64_t wire_time_ns)
      : publish(store, state, wire_time_ns) {}
  PublishBatch publish;
  uint64_t number = 0;
  std::vector<Result<Committed>> results;
};

}  // namespace newswire::store
