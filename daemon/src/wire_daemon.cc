#include "newswire/daemon/wire_daemon.h"

#include <set>
#include <thread>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "newswire/core/channel.h"
#include "newswire/core/hub.h"
#include "query_service.h"

namespace newswire::daemon {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kStopCheck{100};
// Frames past this are cut off by ZeroMQ itself; below it, oversize
// requests get a typed TOO_LARGE answer.
constexpr int64_t kMaxFrameBytes = 64 << 20;
constexpr std::size_t kRequestOverhead = 64u << 10;

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
      : options_(options), clock_(clock), store_(std::move(store)) {}

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
      return {};
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
      return {};
    }
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "found no three free consecutive ports");
  }

  std::string hub() const override {
    return "tcp://" + hub_.host + ":" + std::to_string(hub_.port);
  }

  void Run(const std::atomic<bool>& stop) override {
    std::thread query_thread([&] { ServeQueries(stop); });
    next_embargo_ = store_->NextEmbargoNs();
    auto next_heartbeat = SteadyClock::now() + options_.heartbeat_interval;
    while (!stop.load()) {
      auto wait = std::min<std::chrono::milliseconds>(
          kStopCheck, std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat -
                                                                            SteadyClock::now()));
      zmq::pollitem_t items[] = {{ingest_->handle(), 0, ZMQ_POLLIN, 0},
                                 {fanout_->handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, std::max(wait, std::chrono::milliseconds(0)));
        if (items[1].revents & ZMQ_POLLIN) HandleSubscriptions();
        if (items[0].revents & ZMQ_POLLIN) HandlePublishBatch();
        if (next_embargo_ && clock_.NowNs() >= *next_embargo_) ReleaseEmbargoes();
        if (SteadyClock::now() >= next_heartbeat) {
          for (const auto& channel : subscribed_) SendHeartbeat(channel);
          next_heartbeat = SteadyClock::now() + options_.heartbeat_interval;
        }
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) spdlog::error("ingest loop: {}", e.what());
      }
    }
    query_thread.join();
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
  }

  void HandlePublishBatch() {
    std::vector<store::PublishInput> inputs;
    std::vector<Envelope> envelopes;
    std::vector<uint64_t> request_ids;
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
      v1::PublishRequest request;
      if (!request.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
        spdlog::debug("malformed publish: not a PublishRequest ({} bytes)", payload->size());
        SendReply(*ingest_, envelope,
                  ErrorReply<v1::PublishReply>(
                      0, {v1::ERROR_CODE_MALFORMED,
                          "frame is not a valid PublishRequest (or holds invalid UTF-8)", 0}));
        continue;
      }
      request_ids.push_back(request.request_id());
      envelopes.push_back(std::move(envelope));
      inputs.push_back({std::move(*request.mutable_publisher_id()),
                        std::move(*request.mutable_publisher_key()), request.base_version(),
                        std::move(*request.mutable_article())});
    }
    if (inputs.empty()) return;

    auto results = store_->Publish(std::move(inputs), clock_.NowNs());
    bool held = false;
    for (auto& result : results) {
      if (result && !result->event.empty()) FanOut(*result);
      held |= result && result->ack.has_embargoed_until();
    }
    if (held) next_embargo_ = store_->NextEmbargoNs();
    for (std::size_t i = 0; i < results.size(); ++i) {
      v1::PublishReply reply;
      reply.set_request_id(request_ids[i]);
      if (results[i]) {
        *reply.mutable_ack() = std::move(results[i]->ack);
      } else {
        *reply.mutable_error() = results[i].error().ToProto();
        spdlog::debug("publish rejected: {}", results[i].error().ToString());
      }
      SendReply(*ingest_, envelopes[i], reply.SerializeAsString());
    }
  }

  // Embargoed revisions whose time has come go out in embargo order, each
  // with its wire time stamped now: point-in-time queries never show them
  // earlier.
  void ReleaseEmbargoes() {
    for (auto& result : store_->ReleaseDue(clock_.NowNs())) {
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
        SendReply(*query_, envelope, AnswerQuery(*store_, request).SerializeAsString());
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) spdlog::error("query loop: {}", e.what());
      }
    }
  }

  DaemonOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<store::RevisionStore> store_;
  zmq::context_t context_{1};
  std::unique_ptr<zmq::socket_t> ingest_;
  std::unique_ptr<zmq::socket_t> fanout_;
  std::unique_ptr<zmq::socket_t> query_;
  core::HubEndpoints hub_;
  std::set<std::string> subscribed_;
  std::optional<int64_t> next_embargo_;  // When the next held revision is due.
};

}  // namespace

Result<std::unique_ptr<WireDaemon>> WireDaemon::Start(const DaemonOptions& options,
                                                      const core::Clock& clock) {
  store::StoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.durability = options.durability;
  store_options.block_cache_bytes = options.block_cache_mb << 20;
  store_options.max_article_bytes = options.max_article_bytes;
  auto store = store::RevisionStore::Open(store_options);
  if (!store) return Fail(store.error());
  auto daemon = std::make_unique<ZmqWireDaemon>(options, clock, std::move(*store));
  if (auto ok = daemon->Bind(); !ok) return Fail(ok.error());
  return std::unique_ptr<WireDaemon>(std::move(daemon));
}

}  // namespace newswire::daemon
