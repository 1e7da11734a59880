#include "newswire/daemon/wire_daemon.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "batch_writer.h"
#include "metrics.h"
#include "newswire/core/channel.h"
#include "newswire/core/hub.h"
#include "newswire/v1/views.pb.h"
#include "query_service.h"

namespace newswire::daemon {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kStopCheck{100};
// Frames past this are cut off by ZeroMQ itself; below it, oversize
// requests get a typed TOO_LARGE answer.
constexpr int64_t kMaxFrameBytes = 64 << 20;
constexpr std::size_t kRequestOverhead = 64u << 10;
constexpr std::chrono::seconds kStatsInterval{1};
constexpr std::size_t kRecent = 10;  // Latest revisions in each stats event.
constexpr std::string_view kStatsChannel = "s|";
// Batches up to this size are written on the ingest thread when nothing else
// waits: at light load two thread hops would cost more latency than the
// overlap saves.
constexpr std::size_t kInlineBatch = 4;

bool IsAddressInUse(const zmq::error_t& e) { return e.num() == EADDRINUSE; }

// Receives every frame of one message.
std::vector<zmq::message_t> ReceiveMultipart(zmq::socket_t& socket) {
  std::vector<zmq::message_t> parts;
  while (true) {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) break;
    bool more = part.more();
    parts.push_back(std::move(part));
    if (!more) break;
  }
  return parts;
}

// A request's routing envelope: the peer identity, and the empty delimiter
// frame when the peer is a REQ socket.
struct Envelope {
  zmq::message_t identity;
  bool delimiter = false;
};

// Splits a ROUTER message into envelope and payload; nullopt payload when
// the frames are not [identity][payload] or [identity][][payload].
std::optional<zmq::message_t> SplitRequest(std::vector<zmq::message_t>& parts, Envelope& envelope) {
  if (parts.empty()) return std::nullopt;
  envelope.identity = std::move(parts[0]);
  if (parts.size() == 2) return std::move(parts[1]);
  if (parts.size() == 3 && parts[1].size() == 0) {
    envelope.delimiter = true;
    return std::move(parts[2]);
  }
  return std::nullopt;
}

void SendReply(zmq::socket_t& socket, Envelope& envelope, const std::string& reply) {
  zmq::message_t identity;
  identity.copy(envelope.identity);
  socket.send(identity, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  if (envelope.delimiter) {
    socket.send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  }
  socket.send(zmq::buffer(reply), zmq::send_flags::dontwait);
}

template <typename Reply>
std::string ErrorReply(uint64_t request_id, const Error& error) {
  Reply reply;
  reply.set_request_id(request_id);
  *reply.mutable_error() = error.ToProto();
  return reply.SerializeAsString();
}

class ZmqWireDaemon final : public WireDaemon {
 public:
  ZmqWireDaemon(const DaemonOptions& options, const core::Clock& clock,
                std::unique_ptr<store::RevisionStore> store)
      : options_(options),
        clock_(clock),
        store_(std::move(store)),
        batch_writer_(std::make_unique<BatchWriter>(*store_)) {}

  Result<void> Bind() {
    auto hub = core::ParseHub(options_.listen);
    if (!hub) return Fail(hub.error());
    if (hub->port != 0) {
      CreateSockets();
      for (auto [socket, endpoint] :
           {std::pair{ingest_.get(), hub->ingest}, std::pair{fanout_.get(), hub->fanout},
            std::pair{query_.get(), hub->query}}) {
        try {
          socket->bind(endpoint);
        } catch (const zmq::error_t& e) {
          return Fail(v1::ERROR_CODE_UNAVAILABLE,
                      "cannot listen on " + endpoint + ": " + e.what() +
                          (IsAddressInUse(e) ? " (is another newswired running?)" : ""));
        }
      }
      hub_ = *hub;
      return MonitorFanout();
    }
    // Port 0: let the kernel pick the ingest port, then take the two after
    // it; try again elsewhere if either is taken.
    for (int attempt = 0; attempt < 50; ++attempt) {
      CreateSockets();
      try {
        ingest_->bind("tcp://" + hub->host + ":*");
      } catch (const zmq::error_t& e) {
        return Fail(v1::ERROR_CODE_UNAVAILABLE, "cannot listen on " + hub->host + ": " + e.what());
      }
      auto bound = core::ParseHub(ingest_->get(zmq::sockopt::last_endpoint));
      if (!bound || bound->port > 65533) continue;
      core::HubEndpoints candidate = core::MakeHub(hub->host, bound->port);
      try {
        fanout_->bind(candidate.fanout);
        query_->bind(candidate.query);
      } catch (const zmq::error_t& e) {
        if (IsAddressInUse(e)) continue;
        return Fail(v1::ERROR_CODE_UNAVAILABLE, std::string("cannot listen: ") + e.what());
      }
      hub_ = candidate;
      return MonitorFanout();
    }
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "found no three free consecutive ports");
  }

  std::string metrics_address() const override { return metrics_address_; }

  Result<void> MonitorFanout() {
    static std::atomic<int> counter{0};
    const std::string address = "inproc://newswired-fanout-monitor-" + std::to_string(++counter);
    if (zmq_socket_monitor(fanout_->handle(), address.c_str(),
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0) {
      return Fail(v1::ERROR_CODE_INTERNAL, "cannot monitor the fan-out socket");
    }
    fanout_monitor_.connect(address);
    return {};
  }

  // Binds /metrics and /healthz (served from Run); "host:port", port 0 picks one.
  Result<void> BindHttp() {
    if (options_.metrics_listen.empty()) return {};
    auto colon = options_.metrics_listen.rfind(':');
    if (colon == std::string::npos) {
      return Fail(v1::ERROR_CODE_MALFORMED, "metrics address must be HOST:PORT");
    }
    std::string host = options_.metrics_listen.substr(0, colon);
    int port = std::atoi(options_.metrics_listen.c_str() + colon + 1);
    http_ = std::make_unique<httplib::Server>();
    int bound =
        port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
    if (bound < 0) {
      return Fail(v1::ERROR_CODE_UNAVAILABLE,
                  "cannot serve metrics on " + options_.metrics_listen + " (port taken?)");
    }
    metrics_address_ = "http://" + host + ":" + std::to_string(bound);
    return {};
  }

  std::string hub() const override {
    return "tcp://" + hub_.host + ":" + std::to_string(hub_.port);
  }

  void Run(const std::atomic<bool>& stop) override {
    std::thread query_thread([&] { ServeQueries(stop); });
    StartHttp();
    next_embargo_ = store_->NextEmbargoNs();
    auto next_stats = SteadyClock::now() + kStatsInterval;
    auto next_retention = SteadyClock::now();
    auto next_heartbeat = SteadyClock::now() + options_.heartbeat_interval;
    while (!stop.load()) {
      auto wait = std::min<std::chrono::milliseconds>(
          kStopCheck, std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat -
                                                                            SteadyClock::now()));
      // New publishes are taken only while there is room for one more
      // prepared batch; the writer's signal says a write is done.
      zmq::pollitem_t items[] = {{fanout_->handle(), 0, ZMQ_POLLIN, 0},
                                 {fanout_monitor_.handle(), 0, ZMQ_POLLIN, 0},
                                 {nullptr, batch_writer_->done_fd(), ZMQ_POLLIN, 0},
                                 {ingest_->handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, ready_ ? 3 : 4, std::max(wait, std::chrono::milliseconds(0)));
        if (items[1].revents & ZMQ_POLLIN) HandleFanoutEvents();
        if (items[0].revents & ZMQ_POLLIN) HandleSubscriptions();
        if (writing_ && (items[2].revents & ZMQ_POLLIN)) FinishWrite();
        if (!ready_ && (items[3].revents & ZMQ_POLLIN)) HandlePublishBatch();
        if (next_embargo_ && clock_.NowNs() >= *next_embargo_) ReleaseEmbargoes();
        if (SteadyClock::now() >= next_heartbeat) {
          for (const auto& channel : subscribed_) SendHeartbeat(channel);
          next_heartbeat = SteadyClock::now() + options_.heartbeat_interval;
        }
        if (options_.retention_days > 0 && SteadyClock::now() >= next_retention) {
          ApplyRetention();
          next_retention = SteadyClock::now() + std::chrono::hours(1);
        }
        if (SteadyClock::now() >= next_stats) {
          PublishStats();
          next_stats = SteadyClock::now() + kStatsInterval;
        }
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) spdlog::error("ingest loop: {}", e.what());
      }
    }
    DrainWrites();
    query_thread.join();
    if (http_) {
      http_->stop();
      http_thread_.join();
    }
    spdlog::info("stopped; last wire sequence {}", store_->LastWireSeq());
  }

 private:
  void CreateSockets() {
    ingest_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    fanout_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::xpub);
    query_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    for (auto* socket : {ingest_.get(), fanout_.get(), query_.get()}) {
      socket->set(zmq::sockopt::linger, 0);
    }
    ingest_->set(zmq::sockopt::maxmsgsize, kMaxFrameBytes);
    query_->set(zmq::sockopt::maxmsgsize, kMaxFrameBytes);
    // Every subscribe reaches us, so each new subscriber gets its welcome
    // heartbeat; the fan-out stays lossy at the high-water mark (never
    // XPUB_NODROP) so a slow subscriber cannot stall the others.
    fanout_->set(zmq::sockopt::xpub_verbose, 1);
    fanout_->set(zmq::sockopt::sndhwm, options_.fanout_hwm);
  }

  void HandleSubscriptions() {
    while (true) {
      zmq::message_t message;
      if (!fanout_->recv(message, zmq::recv_flags::dontwait)) return;
      auto bytes = message.to_string_view();
      if (bytes.empty()) continue;
      std::string channel(bytes.substr(1));
      if (bytes[0] == 1) {
        subscribed_.insert(channel);
        SendHeartbeat(channel);
      } else if (bytes[0] == 0) {
        subscribed_.erase(channel);  // Only the last unsubscribe reaches us.
      }
    }
  }

  void SendHeartbeat(const std::string& channel) {
    fanout_->send(zmq::buffer(channel), zmq::send_flags::sndmore);
    fanout_->send(zmq::buffer(core::EncodeSequence(store_->LastChannelSeq(channel))),
                  zmq::send_flags::sndmore);
    fanout_->send(zmq::message_t(), zmq::send_flags::none);
    metrics_.heartbeats.fetch_add(1, std::memory_order_relaxed);
  }

  // A prepared batch and the answers owed for it.
  struct Pending {
    std::unique_ptr<store::PreparedBatch> batch;
    std::vector<Envelope> envelopes;
    std::vector<uint64_t> request_ids;
    SteadyClock::time_point started;
  };

  void HandlePublishBatch() {
    Pending next;
    auto inputs = ReceivePublishes(next);
    if (inputs.empty()) return;
    next.started = SteadyClock::now();
    next.batch = store_->Prepare(std::move(inputs), clock_.NowNs());
    if (writing_) {
      ready_ = std::move(next);  // Written as soon as the writer is free.
    } else if (next.request_ids.size() <= kInlineBatch &&
               !(ingest_->get(zmq::sockopt::events) & ZMQ_POLLIN)) {
      // Light load: write here, without two hops between threads.
      auto written = store_->Write(*next.batch);
      auto results = store_->Settle(std::move(next.batch), std::move(written));
      Answer(next, std::move(results));
    } else {
      StartWrite(std::move(next));
    }
  }

  void StartWrite(Pending pending) {
    batch_writer_->Start(*pending.batch);
    writing_ = std::move(pending);
  }

  // Takes the writer's outcome (waiting for it if need be), hands it the
  // next batch, and answers for the written one meanwhile.
  void FinishWrite() {
    auto written = batch_writer_->Take();
    Pending done = std::move(*writing_);
    writing_.reset();
    // Settled before the next write starts: a failed write voids the batch
    // prepared on top of it.
    auto results = store_->Settle(std::move(done.batch), std::move(written));
    if (ready_) {
      StartWrite(std::move(*ready_));
      ready_.reset();
    }
    Answer(done, std::move(results));
  }

  // Lets every prepared batch be written and answered.
  void DrainWrites() {
    while (writing_) FinishWrite();
  }

  // Up to max_batch publish requests; malformed ones are answered at once.
  std::vector<store::PublishInput> ReceivePublishes(Pending& pending) {
    std::vector<store::PublishInput> inputs;
    const std::size_t max_request = options_.max_article_bytes + kRequestOverhead;
    while (inputs.size() < options_.max_batch) {
      auto parts = ReceiveMultipart(*ingest_);
      if (parts.empty()) break;
      Envelope envelope;
      auto payload = SplitRequest(parts, envelope);
      if (!payload) {
        spdlog::debug("malformed publish: {} frames", parts.size());
        SendReply(
            *ingest_, envelope,
            ErrorReply<v1::PublishReply>(
                0, {v1::ERROR_CODE_MALFORMED, "expected one frame holding a PublishRequest", 0}));
        continue;
      }
      if (payload->size() > max_request) {
        SendReply(
            *ingest_, envelope,
            ErrorReply<v1::PublishReply>(0, {v1::ERROR_CODE_TOO_LARGE,
                                             "request is " + std::to_string(payload->size()) +
                                                 " bytes, limit is " + std::to_string(max_request),
                                             0}));
        continue;
      }
      // The article stays encoded: the store parses it (see PublishInput).
      v1::PublishRequestView request;
      if (!request.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
        spdlog::debug("malformed publish: not a PublishRequest ({} bytes)", payload->size());
        SendReply(*ingest_, envelope,
                  ErrorReply<v1::PublishReply>(
                      0, {v1::ERROR_CODE_MALFORMED,
                          "frame is not a valid PublishRequest (or holds invalid UTF-8)", 0}));
        continue;
      }
      pending.request_ids.push_back(request.request_id());
      pending.envelopes.push_back(std::move(envelope));
      store::PublishInput& input = inputs.emplace_back();
      input.publisher_id = std::move(*request.mutable_publisher_id());
      input.publisher_key = std::move(*request.mutable_publisher_key());
      input.base_version = request.base_version();
      input.article_bytes = std::move(*request.mutable_article());
    }
    return inputs;
  }

  // Fans out what a settled batch committed, then acks every publish in it.
  void Answer(Pending& pending, std::vector<Result<store::Committed>> results) {
    RecordOutcomes(results, pending.started);
    bool held = false;
    for (auto& result : results) {
      if (result && !result->event.empty()) FanOut(*result);
      held |= result && result->ack.has_embargoed_until();
    }
    if (held) next_embargo_ = store_->NextEmbargoNs();
    for (std::size_t i = 0; i < results.size(); ++i) {
      v1::PublishReply reply;
      reply.set_request_id(pending.request_ids[i]);
      if (results[i]) {
        *reply.mutable_ack() = std::move(results[i]->ack);
      } else {
        *reply.mutable_error() = results[i].error().ToProto();
        spdlog::debug("publish rejected: {}", results[i].error().ToString());
      }
      SendReply(*ingest_, pending.envelopes[i], reply.SerializeAsString());
    }
  }

  void ApplyRetention() {
    DrainWrites();  // Retention writes with no batch unsettled.
    const int64_t cutoff =
        clock_.NowNs() - int64_t{options_.retention_days} * 86400 * 1'000'000'000;
    auto removed = store_->ApplyRetention(cutoff);
    if (!removed) {
      spdlog::error("retention: {}", removed.error().ToString());
    } else if (*removed > 0) {
      spdlog::info("retention removed {} revisions older than {} days", *removed,
                   options_.retention_days);
    }
  }

  // Counts what a commit did, for /metrics and the stats channel.
  void RecordOutcomes(const std::vector<Result<store::Committed>>& results,
                      SteadyClock::time_point commit_started) {
    metrics_.commit_seconds.Observe(
        std::chrono::duration<double>(SteadyClock::now() - commit_started).count());
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
      } else {
        metrics_.revisions_ingested.fetch_add(1, std::memory_order_relaxed);
        committed = true;
        NoteForStats(*result);
      }
    }
    if (committed) metrics_.last_commit_ns.store(clock_.NowNs(), std::memory_order_relaxed);
  }

  // Per-interval counts of feeds and instruments, and the latest revisions.
  void NoteForStats(const store::Committed& committed) {
    for (const auto& channel : committed.channels) {
      auto kind = KindOf(channel);
      if (kind == ChannelKind::kFeed) ++interval_feeds_[channel.substr(2, channel.size() - 3)];
      if (kind == ChannelKind::kInstrument) {
        ++interval_instruments_[channel.substr(2, channel.size() - 3)];
      }
    }
    recent_.push_front(committed.ack);
    if (recent_.size() > kRecent) recent_.pop_back();
  }

  void PublishStats() {
    v1::StatsEvent stats;
    const int64_t now = clock_.NowNs();
    stats.mutable_time()->set_seconds(now / 1'000'000'000);
    stats.mutable_time()->set_nanos(static_cast<int32_t>(now % 1'000'000'000));
    stats.set_wire_seq(store_->LastWireSeq());
    const double seconds = std::chrono::duration<double>(kStatsInterval).count();
    const uint64_t ingested = metrics_.revisions_ingested.load();
    uint64_t fanout = 0;
    for (const auto& kind : metrics_.fanout) fanout += kind.load();
    stats.set_revisions_per_s(static_cast<double>(ingested - stats_ingested_) / seconds);
    stats.set_fanout_messages_per_s(static_cast<double>(fanout - stats_fanout_) / seconds);
    stats_ingested_ = ingested;
    stats_fanout_ = fanout;
    stats.set_connected_subscribers(metrics_.connected_subscribers.load());
    stats.set_commit_p50_us(metrics_.commit_seconds.Quantile(0.5) * 1e6);
    stats.set_commit_p99_us(metrics_.commit_seconds.Quantile(0.99) * 1e6);
    uint64_t rejected = 0;
    for (const auto& code : metrics_.rejected) rejected += code.load();
    stats.set_rejected_total(rejected);
    auto busiest = [](std::unordered_map<std::string, uint64_t>& counts, auto* out) {
      std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
      std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second > b.second; });
      for (std::size_t i = 0; i < sorted.size() && i < 5; ++i) {
        auto* count = out->Add();
        count->set_name(sorted[i].first);
        count->set_count(sorted[i].second);
      }
      counts.clear();
    };
    busiest(interval_feeds_, stats.mutable_busiest_feeds());
    busiest(interval_instruments_, stats.mutable_busiest_instruments());
    for (const auto& ack : recent_) {
      auto* recent = stats.add_recent();
      recent->set_article_id(ack.article_id());
      recent->set_version(ack.version());
      *recent->mutable_wire_time() = ack.wire_time();
      // Ten reads a second: cheaper than carrying every article to here.
      if (auto revision = store_->GetRevision(ack.article_id(), ack.version())) {
        recent->set_urgency(revision->article().urgency());
        recent->set_headline(revision->article().headline());
        recent->set_pubstatus(revision->article().pubstatus());
      }
    }
    uint64_t store_bytes = 0;
    for (const auto& [name, bytes] : store_->Sizes()) store_bytes += bytes;
    stats.set_store_bytes(store_bytes);
    fanout_->send(zmq::buffer(std::string(kStatsChannel)), zmq::send_flags::sndmore);
    fanout_->send(zmq::buffer(core::EncodeSequence(++stats_seq_)), zmq::send_flags::sndmore);
    fanout_->send(zmq::buffer(stats.SerializeAsString()), zmq::send_flags::none);
  }

  // Connections accepted and lost on the fan-out socket: the subscriber count.
  void HandleFanoutEvents() {
    while (true) {
      zmq::message_t event, address;
      if (!fanout_monitor_.recv(event, zmq::recv_flags::dontwait)) return;
      if (event.more()) (void)fanout_monitor_.recv(address, zmq::recv_flags::dontwait);
      if (event.size() < 2) continue;
      uint16_t id;
      std::memcpy(&id, event.data(), sizeof id);
      if (id == ZMQ_EVENT_ACCEPTED) metrics_.connected_subscribers.fetch_add(1);
      if (id == ZMQ_EVENT_DISCONNECTED) metrics_.connected_subscribers.fetch_sub(1);
    }
  }

  // /metrics (Prometheus text) and /healthz, on their own thread.
  void StartHttp() {
    if (!http_) return;
    http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(metrics_.RenderPrometheus(*store_, clock_.NowNs()),
                           "text/plain; version=0.0.4");
    });
    http_->Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
      auto probe = store_->Probe();
      const int64_t last = metrics_.last_commit_ns.load();
      std::string body =
          std::string("{\"status\":\"") + (probe ? "ok" : "unhealthy") +
          "\",\"store_writable\":" + (probe ? "true" : "false") +
          ",\"sockets_bound\":true,\"wire_seq\":" + std::to_string(store_->LastWireSeq()) +
          ",\"last_commit_age_s\":" +
          (last == 0 ? std::string("null")
                     : std::to_string((clock_.NowNs() - last) / 1'000'000'000)) +
          "}";
      response.status = probe ? 200 : 503;
      response.set_content(body, "application/json");
    });
    http_thread_ = std::thread([this] { http_->listen_after_bind(); });
    // stop() is a no-op until the server runs: wait for it (bounded), or a
    // quick SIGTERM would leave the HTTP thread serving forever.
    for (int i = 0; i < 5000 && !http_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Embargoed revisions whose time has come go out in embargo order, each
  // with its wire time stamped now: point-in-time queries never show them
  // earlier.
  void ReleaseEmbargoes() {
    DrainWrites();  // Releases are prepared with no batch unsettled.
    const auto commit_started = SteadyClock::now();
    auto results = store_->ReleaseDue(clock_.NowNs());
    RecordOutcomes(results, commit_started);
    for (auto& result : results) {
      if (result) {
        spdlog::info("released embargoed {} v{} as wire #{}", result->ack.article_id(),
                     result->ack.version(), result->ack.wire_seq());
        FanOut(*result);
      } else {
        spdlog::error("an embargoed revision could not be released: {}", result.error().ToString());
      }
    }
    next_embargo_ = store_->NextEmbargoNs();
  }

  // One encoded event, shared by every channel's message without copying.
  void FanOut(const store::Committed& committed) {
    for (const auto& channel : committed.channels) {
      metrics_.fanout[static_cast<std::size_t>(KindOf(channel))].fetch_add(
          1, std::memory_order_relaxed);
    }
    zmq::message_t event(committed.event.data(), committed.event.size());
    for (std::size_t i = 0; i < committed.channels.size(); ++i) {
      zmq::message_t payload;
      payload.copy(event);
      fanout_->send(zmq::buffer(committed.channels[i]), zmq::send_flags::sndmore);
      fanout_->send(zmq::buffer(core::EncodeSequence(committed.channel_seqs[i])),
                    zmq::send_flags::sndmore);
      fanout_->send(payload, zmq::send_flags::none);
    }
  }

  void ServeQueries(const std::atomic<bool>& stop) {
    while (!stop.load()) {
      zmq::pollitem_t item{query_->handle(), 0, ZMQ_POLLIN, 0};
      try {
        if (zmq::poll(&item, 1, kStopCheck) == 0) continue;
        auto parts = ReceiveMultipart(*query_);
        Envelope envelope;
        auto payload = SplitRequest(parts, envelope);
        v1::QueryRequest request;
        if (!payload ||
            !request.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
          if (!parts.empty()) {
            SendReply(*query_, envelope,
                      ErrorReply<v1::QueryReply>(
                          0, {v1::ERROR_CODE_MALFORMED, "frame is not a valid QueryRequest", 0}));
          }
          continue;
        }
        const auto started = SteadyClock::now();
        SendReply(*query_, envelope, AnswerQuery(*store_, request));
        metrics_.queries[static_cast<std::size_t>(request.query_case()) % metrics_.queries.size()]
            .fetch_add(1, std::memory_order_relaxed);
        if (request.has_read_log() && !request.read_log().channel().empty()) {
          metrics_.channel_reads.fetch_add(1, std::memory_order_relaxed);
        }
        metrics_.query_seconds.Observe(
            std::chrono::duration<double>(SteadyClock::now() - started).count());
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) spdlog::error("query loop: {}", e.what());
      }
    }
  }

  DaemonOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<store::RevisionStore> store_;
  std::unique_ptr<BatchWriter> batch_writer_;
  std::optional<Pending> writing_;  // The batch on the writer thread.
  std::optional<Pending> ready_;    // Prepared, next for the writer.
  zmq::context_t context_{1};
  std::unique_ptr<zmq::socket_t> ingest_;
  std::unique_ptr<zmq::socket_t> fanout_;
  std::unique_ptr<zmq::socket_t> query_;
  core::HubEndpoints hub_;
  std::set<std::string> subscribed_;
  std::optional<int64_t> next_embargo_;  // When the next held revision is due.
  Metrics metrics_;
  zmq::socket_t fanout_monitor_{context_, zmq::socket_type::pair};
  std::unique_ptr<httplib::Server> http_;
  std::thread http_thread_;
  std::string metrics_address_;
  // Stats channel state (ingest thread).
  uint64_t stats_seq_ = 0;
  uint64_t stats_ingested_ = 0;
  uint64_t stats_fanout_ = 0;
  std::unordered_map<std::string, uint64_t> interval_feeds_;
  std::unordered_map<std::string, uint64_t> interval_instruments_;
  std::deque<v1::PublishAck> recent_;
};

}  // namespace

Result<std::unique_ptr<WireDaemon>> WireDaemon::Start(const DaemonOptions& options,
                                                      const core::Clock& clock) {
  store::StoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.durability = options.durability;
  store_options.block_cache_bytes = options.block_cache_mb << 20;
  store_options.max_article_bytes = options.max_article_bytes;
  store_options.deltas = options.deltas;
  store_options.inject_commit_failure = options.inject_commit_failure;
  auto store = store::RevisionStore::Open(store_options);
  if (!store) return Fail(store.error());
  auto daemon = std::make_unique<ZmqWireDaemon>(options, clock, std::move(*store));
  if (auto ok = daemon->Bind(); !ok) return Fail(ok.error());
  if (auto ok = daemon->BindHttp(); !ok) return Fail(ok.error());
  return std::unique_ptr<WireDaemon>(std::move(daemon));
}

}  // namespace newswire::daemon
