// The publish path, from a request on the ingest socket to its ack, in the
// order a publish takes it (publish_pipeline.cc reads top to bottom):
//
//   OnPublishes    the ingest socket is readable
//   Receive        up to max_batch requests; a malformed one is refused at once
//   store.Stage    per publish: de-duplicate, validate, check the base, hold
//                  (embargo), encode, sequence, records (store/src/publish_batch.cc)
//   Write          the batch in one atomic RocksDB write (WAL fsync in sync
//                  mode): inline at light load, else on the writer thread
//                  while the ingest thread stages the next batch
//   store.Settle   the write's outcome: durable revisions may now be acked
//   Deliver        fan each new revision out, then ack (or refuse) each publish
//
// Embargo releases take the same path from store.ReleaseDue (no acks: the
// publishers were answered when the publish was held).
//
// Acks and events leave in wire order: a batch is settled and delivered
// before the one staged on top of it is written; a failed write fails the
// batch staged on it too. Ingest thread only, but the writer thread's.
// Private.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <zmq.hpp>

#include "batch_writer.h"
#include "fanout.h"
#include "metrics.h"
#include "newswire/core/clock.h"
#include "newswire/daemon/wire_daemon.h"
#include "security/daemon_security.h"
#include "stats_channel.h"
#include "zmq_frames.h"

namespace newswire::daemon {

class PublishPipeline {
 public:
  // Where the batches are. One batch at most is on the writer thread, and
  // one more may be staged behind it; then no publishes are taken (the
  // ingest socket is not polled: back-pressure).
  enum class State {
    kIdle,              // Nothing being written.
    kWriting,           // One batch on the writer thread.
    kWritingOneStaged,  // One on the writer thread, the next staged behind it.
  };

  static Result<std::unique_ptr<PublishPipeline>> Create(const DaemonOptions& options,
                                                         const core::Clock& clock,
                                                         store::RevisionStore& store,
                                                         zmq::socket_t& ingest, Fanout& fanout,
                                                         StatsChannel& stats, Metrics& metrics,
                                                         DaemonSecurity& security);

  // Reactor handlers.
  bool TakesPublishes() const {
    return state_ != State::kWritingOneStaged && awaiting_.size() < kMaxAwaiting;
  }
  void OnPublishes();  // The ingest socket is readable.
  int write_done_fd() const { return writer_->done_fd(); }
  void OnWriteDone();          // The writer thread finished a batch.
  void ReleaseDueEmbargoes();  // Publishes held embargoes whose time has come.

  // Writes, settles and delivers every batch in flight (before retention,
  // an embargo release, or stopping).
  void Drain();

  // Quorum acks (README "Failover"): a settled batch is fanned out and
  // acked only once `quorum_commit()` (the newest commit a majority holds)
  // reaches its commit; OnQuorum delivers those that now may go. Null:
  // at once (acks = "primary").
  void SetQuorum(std::function<uint64_t()> quorum_commit) { quorum_ = std::move(quorum_commit); }
  void OnQuorum();

 private:
  // A staged batch and the answers owed for it.
  struct Batch {
    std::unique_ptr<store::StagedBatch> staged;
    std::vector<Envelope> envelopes;  // One per publish: where its ack goes.
    std::vector<uint64_t> request_ids;
    std::chrono::steady_clock::time_point started;
  };

  PublishPipeline(const DaemonOptions& options, const core::Clock& clock,
                  store::RevisionStore& store, zmq::socket_t& ingest, Fanout& fanout,
                  StatsChannel& stats, Metrics& metrics, DaemonSecurity& security,
                  std::unique_ptr<BatchWriter> writer);

  std::vector<store::PublishInput> Receive(Batch& batch);
  std::optional<store::PublishInput> Read(zmq::message_t& payload, const Envelope& envelope,
                                          uint64_t& request_id);
  void WriteOnThread(Batch batch);
  void Deliver(Batch& batch, std::vector<Result<store::Committed>> results, uint64_t commit);
  void DeliverNow(Batch& batch, std::vector<Result<store::Committed>> results);
  void Acknowledge(Batch& batch, std::vector<Result<store::Committed>>& results);
  void Record(const std::vector<Result<store::Committed>>& results,
              std::chrono::steady_clock::time_point started);

  const DaemonOptions& options_;
  const core::Clock& clock_;
  store::RevisionStore& store_;
  zmq::socket_t& ingest_;
  Fanout& fanout_;
  StatsChannel& stats_;
  Metrics& metrics_;
  DaemonSecurity& security_;
  std::unique_ptr<BatchWriter> writer_;
  State state_ = State::kIdle;
  std::optional<Batch> writing_;  // On the writer thread (kWriting, kWritingOneStaged).
  std::optional<Batch> staged_;   // Next for the writer (kWritingOneStaged).
  std::optional<int64_t> next_embargo_ns_;
  // Settled batches waiting for a majority to hold their commit, in order.
  struct Awaiting {
    Batch batch;
    std::vector<Result<store::Committed>> results;
    uint64_t commit = 0;
  };
  static constexpr std::size_t kMaxAwaiting = 64;
  std::deque<Awaiting> awaiting_;
  std::function<uint64_t()> quorum_;
};

}  // namespace newswire::daemon
