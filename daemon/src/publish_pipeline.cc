#include "publish_pipeline.h"

#include <spdlog/spdlog.h>

#include "newswire/core/request_frame.h"
#include "newswire/core/sync_point.h"
#include "newswire/v1/views.pb.h"

namespace newswire::daemon {
namespace {

using SteadyClock = std::chrono::steady_clock;
using store::Committed;

// A request may carry this much beyond the article (ids, keys) before it is
// refused as too large without being parsed.
constexpr std::size_t kRequestOverhead = 64u << 10;
// Batches up to this size are written on the ingest thread when nothing
// else waits: at light load two thread hops cost more latency than the
// overlap saves.
constexpr std::size_t kInlineBatch = 4;

}  // namespace

Result<std::unique_ptr<PublishPipeline>> PublishPipeline::Create(
    const DaemonOptions& options, const core::Clock& clock, store::RevisionStore& store,
    zmq::socket_t& ingest, Fanout& fanout, StatsChannel& stats, Metrics& metrics,
    DaemonSecurity& security) {
  auto writer = BatchWriter::Create(store);
  if (!writer) return Fail(writer.error());
  return std::unique_ptr<PublishPipeline>(new PublishPipeline(
      options, clock, store, ingest, fanout, stats, metrics, security, std::move(*writer)));
}

PublishPipeline::PublishPipeline(const DaemonOptions& options, const core::Clock& clock,
                                 store::RevisionStore& store, zmq::socket_t& ingest, Fanout& fanout,
                                 StatsChannel& stats, Metrics& metrics, DaemonSecurity& security,
                                 std::unique_ptr<BatchWriter> writer)
    : options_(options),
      clock_(clock),
      store_(store),
      ingest_(ingest),
      fanout_(fanout),
      stats_(stats),
      metrics_(metrics),
      security_(security),
      writer_(std::move(writer)),
      next_embargo_ns_(store.NextEmbargoNs()) {}

// The ingest socket is readable: stage a batch and write it (or queue it
// behind the batch being written).
void PublishPipeline::OnPublishes() {
  if (!TakesPublishes()) return;
  Batch batch;
  auto inputs = Receive(batch);
  if (inputs.empty()) return;
  batch.started = SteadyClock::now();
  // Validates, versions, diffs and sequences in memory, on top of the batch
  // being written if there is one. CPU only: never blocks.
  batch.staged = store_.Stage(std::move(inputs), clock_.NowNs());
  if (state_ == State::kWriting) {
    staged_ = std::move(batch);  // Written as soon as the writer is free.
    state_ = State::kWritingOneStaged;
  } else if (batch.request_ids.size() <= kInlineBatch &&
             !(ingest_.get(zmq::sockopt::events) & ZMQ_POLLIN)) {
    // Light load: write here. Blocks for the write (and its fsync).
    auto written = store_.Write(*batch.staged);
    auto results = store_.Settle(std::move(batch.staged), std::move(written));
    Deliver(batch, std::move(results), store_.LastCommit());
  } else {
    WriteOnThread(std::move(batch));
  }
}

// Up to max_batch publish requests; a malformed, oversize or unauthorized
// one is refused at once and takes no place in the batch.
std::vector<store::PublishInput> PublishPipeline::Receive(Batch& batch) {
  std::vector<store::PublishInput> inputs;
  while (inputs.size() < options_.max_batch) {
    auto parts = ReceiveMultipart(ingest_);
    if (parts.empty()) break;
    Envelope envelope;
    auto payload = SplitRequest(parts, envelope);
    if (!payload) {
      metrics_.Refused(Service::kIngest, RefusedFrame::kEnvelope);
      SendReply(ingest_, envelope,
                ErrorReply<v1::PublishReply>(
                    parts.size() > 1 ? core::RequestIdOf(parts.back().to_string_view()) : 0,
                    {v1::ERROR_CODE_MALFORMED, "expected one frame holding a PublishRequest"}));
      continue;
    }
    uint64_t request_id = 0;
    auto input = Read(*payload, envelope, request_id);
    if (!input) continue;
    batch.request_ids.push_back(request_id);
    batch.envelopes.push_back(std::move(envelope));
    inputs.push_back(std::move(*input));
  }
  return inputs;
}

// One request's publish; nullopt after refusing it.
std::optional<store::PublishInput> PublishPipeline::Read(zmq::message_t& payload,
                                                         const Envelope& envelope,
                                                         uint64_t& request_id) {
  const std::size_t max_request = options_.max_article_bytes + kRequestOverhead;
  if (payload.size() > max_request) {
    metrics_.Refused(Service::kIngest, RefusedFrame::kTooLarge);
    SendReply(
        ingest_, envelope,
        ErrorReply<v1::PublishReply>(
            core::RequestIdOf(payload.to_string_view()),
            {v1::ERROR_CODE_TOO_LARGE, "request is " + std::to_string(payload.size()) +
                                           " bytes, limit is " + std::to_string(max_request)}));
    return std::nullopt;
  }
  // The article stays encoded: the store parses it (see PublishInput).
  v1::PublishRequestView request;
  if (!request.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    metrics_.Refused(Service::kIngest, RefusedFrame::kNotARequest);
    SendReply(ingest_, envelope,
              ErrorReply<v1::PublishReply>(
                  core::RequestIdOf(payload.to_string_view()),
                  {v1::ERROR_CODE_MALFORMED,
                   "frame is not a valid PublishRequest (or holds invalid UTF-8)"}));
    return std::nullopt;
  }
  request_id = request.request_id();
  store::PublishInput input;
  input.publisher_id = std::move(*request.mutable_publisher_id());
  input.publisher_key = std::move(*request.mutable_publisher_key());
  input.base_version = request.base_version();
  input.article_bytes = std::move(*request.mutable_article());
  // Authorize: publishers only, to granted feeds; the revision's publisher
  // is the authenticated identity.
  if (auto refused = security_.AuthorizePublish(payload, input)) {
    SendReply(ingest_, envelope, ErrorReply<v1::PublishReply>(request_id, *refused));
    return std::nullopt;
  }
  return input;
}

void PublishPipeline::WriteOnThread(Batch batch) {
  writer_->Start(*batch.staged);
  writing_ = std::move(batch);
  state_ = State::kWriting;
}

// The writer thread is done: settle its batch, hand it the staged one (so
// the write overlaps what follows), and deliver the settled one meanwhile.
void PublishPipeline::OnWriteDone() {
  if (!writing_) return;
  auto written = writer_->Take();
  Batch done = std::move(*writing_);
  writing_.reset();
  state_ = State::kIdle;
  // Settled before the next write starts: a failed write voids the batch
  // staged on top of it.
  auto results = store_.Settle(std::move(done.staged), std::move(written));
  const uint64_t commit = store_.LastCommit();  // Before the next write starts.
  if (staged_) {
    WriteOnThread(std::move(*staged_));
    staged_.reset();
  }
  Deliver(done, std::move(results), commit);
}

// With quorum acks, a batch waits (in order) until a majority holds its
// commit; otherwise it goes at once.
void PublishPipeline::Deliver(Batch& batch, std::vector<Result<Committed>> results,
                              uint64_t commit) {
  if (quorum_ && (!awaiting_.empty() || commit > quorum_())) {
    awaiting_.push_back({std::move(batch), std::move(results), commit});
    return;
  }
  DeliverNow(batch, std::move(results));
}

void PublishPipeline::OnQuorum() {
  if (awaiting_.empty()) return;
  const uint64_t quorum = quorum_ ? quorum_() : UINT64_MAX;
  while (!awaiting_.empty() && awaiting_.front().commit <= quorum) {
    Awaiting ready = std::move(awaiting_.front());
    awaiting_.pop_front();
    DeliverNow(ready.batch, std::move(ready.results));
  }
}

// Fans out what a settled batch committed, then answers every publish in
// it: subscribers hear of a revision no later than its publisher.
void PublishPipeline::DeliverNow(Batch& batch, std::vector<Result<Committed>> results) {
  (void)NEWSWIRE_SYNC_POINT("daemon.settled");
  Record(results, batch.started);
  for (auto& result : results) {
    if (!result || result->event.empty()) continue;
    fanout_.Send(*result);
    stats_.Note(*result);
  }
  // Holds, releases and superseded holds move the next embargo.
  next_embargo_ns_ = store_.NextEmbargoNs();
  Acknowledge(batch, results);
}

void PublishPipeline::Acknowledge(Batch& batch, std::vector<Result<Committed>>& results) {
  for (std::size_t i = 0; i < results.size() && i < batch.envelopes.size(); ++i) {
    v1::PublishReply reply;
    reply.set_request_id(batch.request_ids[i]);
    if (results[i]) {
      *reply.mutable_ack() = std::move(results[i]->ack);
    } else {
      *reply.mutable_error() = results[i].error().ToProto();
      spdlog::debug("publish refused: {}", results[i].error().ToString());
    }
    SendReply(ingest_, batch.envelopes[i], reply.SerializeAsString());
  }
}

// Embargoed revisions whose time has come go out in embargo order, each
// with its wire time stamped now: point-in-time queries never show them
// earlier.
void PublishPipeline::ReleaseDueEmbargoes() {
  if (!next_embargo_ns_ || clock_.NowNs() < *next_embargo_ns_) return;
  Drain();  // Releases are staged with no batch unsettled.
  Batch batch;
  batch.started = SteadyClock::now();
  auto results = store_.ReleaseDue(clock_.NowNs());
  for (const auto& result : results) {
    if (result) {
      spdlog::info("released embargoed {} v{} as wire #{}", result->ack.article_id(),
                   result->ack.version(), result->ack.wire_seq());
      metrics_.embargoes_released.fetch_add(1, std::memory_order_relaxed);
    } else {
      spdlog::error("an embargoed revision could not be released: {}", result.error().ToString());
      metrics_.embargo_release_failures.fetch_add(1, std::memory_order_relaxed);
    }
  }
  Deliver(batch, std::move(results), store_.LastCommit());
}

void PublishPipeline::Drain() {
  while (writing_) {
    // Waits for the writer thread (Take blocks until the write is done).
    OnWriteDone();
  }
}

// Counts what a commit did, for /metrics and the stats channel.
void PublishPipeline::Record(const std::vector<Result<Committed>>& results,
                             SteadyClock::time_point started) {
  metrics_.commit_seconds.Observe(
      std::chrono::duration<double>(SteadyClock::now() - started).count());
  metrics_.commit_batch_size.Observe(static_cast<double>(results.size()));
  bool committed = false;
  for (const auto& result : results) {
    if (!result) {
      auto code = static_cast<std::size_t>(result.error().code) % metrics_.rejected.size();
      metrics_.rejected[code].fetch_add(1, std::memory_order_relaxed);
    } else if (result->ack.duplicate()) {
      metrics_.duplicates.fetch_add(1, std::memory_order_relaxed);
    } else if (result->ack.has_embargoed_until()) {
      metrics_.embargoes_held.fetch_add(1, std::memory_order_relaxed);
      committed = true;
    } else if (!result->event.empty()) {
      metrics_.revisions_ingested.fetch_add(1, std::memory_order_relaxed);
      committed = true;
    }
  }
  if (committed) metrics_.last_commit_ns.store(clock_.NowNs(), std::memory_order_relaxed);
}

}  // namespace newswire::daemon
