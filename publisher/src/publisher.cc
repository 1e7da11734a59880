#include "newswire/publisher/publisher.h"

#include <random>
#include <thread>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <zmq.hpp>

#include "newswire/core/article.h"
#include "newswire/core/embedded.h"
#include "newswire/core/hub.h"
#include "newswire/core/request_frame.h"

namespace newswire::publisher {
namespace {

std::string RandomKey() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string bytes(16, '\0');
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t value = rng();
    for (std::size_t k = 0; k < 8; ++k) bytes[i + k] = static_cast<char>(value >> (8 * k));
  }
  return core::Hex(bytes);
}

class ZmqPublisher final : public Publisher {
 public:
  ZmqPublisher(const PublisherOptions& options, std::vector<std::string> endpoints)
      : options_(options), endpoints_(std::move(endpoints)), endpoint_(endpoints_.front()) {
    Reconnect();
  }

  Result<v1::PublishAck> Publish(const v1::Article& article, const PublishParams& params) override {
    auto encoded = EncodeRequest(article, params);
    if (!encoded) return Fail(encoded.error());
    const auto& [request_id, bytes] = *encoded;
    int redirects = 0;
    for (int attempt = 0; attempt < std::max(1, options_.attempts); ++attempt) {
      if (auto sent = SendBytes(bytes); !sent) return Fail(sent.error());
      auto deadline = std::chrono::steady_clock::now() + options_.attempt_timeout;
      while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        auto reply = Receive(left);
        if (!reply) {
          if (reply.error().code == v1::ERROR_CODE_UNAVAILABLE) break;
          return Fail(reply.error());  // A typed error, or a failed handshake.
        }
        // Id 0: a daemon that could not read which request it refused (one
        // from before refusals were correlated); this call waits for one.
        const bool uncorrelated_error = reply->request_id() == 0 && reply->has_error();
        if (reply->request_id() != request_id && !uncorrelated_error) continue;  // Stale.
        if (reply->has_error()) {
          Error error = Error::FromProto(reply->error());
          // A follower names the primary: send the same request (same
          // key) there, and keep publishing there.
          if (error.code == v1::ERROR_CODE_NOT_PRIMARY && !error.primary_hub.empty() &&
              redirects++ < kMaxRedirects && FollowTo(error.primary_hub)) {
            --attempt;
            break;
          }
          // No primary named (an election under way), or one that sends
          // us around: another attempt, on the next hub, a moment later.
          if (error.code == v1::ERROR_CODE_NOT_PRIMARY && attempt + 1 < options_.attempts) {
            std::this_thread::sleep_for(std::min(left, kElectionPause));
            redirects = 0;
            break;
          }
          return Fail(std::move(error));
        }
        // An ack names an article and a version (or an embargo, or the
        // withdrawal of held text); anything else is not a daemon's answer.
        // (A retry's ack names the article first sent with its publisher
        // key, flagged `duplicate`.)
        const v1::PublishAck& ack = reply->ack();
        if (!reply->has_ack() || ack.article_id().empty() ||
            (ack.version() == 0 && !ack.has_embargoed_until() && !ack.withdrawn())) {
          return Fail(v1::ERROR_CODE_MALFORMED,
                      endpoint_ + " answered with neither an error nor an ack");
        }
        return reply->ack();
      }
      if (redirects > 0 && endpoint_ == followed_) {
        followed_.clear();
        continue;  // Just redirected: resend at once on the new socket.
      }
      // No answer: a fresh socket (on the next hub, when several are
      // known) drops anything queued for a dead peer; the idempotency key
      // makes the resend safe.
      if (endpoints_.size() > 1) {
        next_hub_ = (next_hub_ + 1) % endpoints_.size();
        endpoint_ = endpoints_[next_hub_];
      }
      Reconnect();
    }
    return Fail(v1::ERROR_CODE_UNAVAILABLE,
                "no answer from " + endpoint_ + " after " + std::to_string(options_.attempts) +
                    " attempts of " + std::to_string(options_.attempt_timeout.count()) + " ms");
  }

  Result<uint64_t> Send(const v1::Article& article, const PublishParams& params) override {
    auto encoded = EncodeRequest(article, params);
    if (!encoded) return Fail(encoded.error());
    if (auto sent = SendBytes(encoded->second); !sent) return Fail(sent.error());
    return encoded->first;
  }

  Result<v1::PublishReply> Receive(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    try {
      while (true) {
        if (auto failure = handshake_ ? handshake_->Failure() : std::nullopt) {
          return Fail(*failure);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        zmq::pollitem_t items[] = {
            {socket_->handle(), 0, ZMQ_POLLIN, 0},
            {handshake_ ? handshake_->monitor().handle() : nullptr, -1, ZMQ_POLLIN, 0}};
        if (left.count() <= 0 || zmq::poll(items, handshake_ ? 2 : 1, left) == 0) {
          if (auto suspected = handshake_ ? handshake_->Suspected() : std::nullopt) {
            return Fail(*suspected);
          }
          return Fail(v1::ERROR_CODE_UNAVAILABLE, "no reply from " + endpoint_ + " within " +
                                                      std::to_string(timeout.count()) + " ms");
        }
        if (items[0].revents & ZMQ_POLLIN) break;
      }
      zmq::message_t message;
      if (!socket_->recv(message, zmq::recv_flags::dontwait)) {
        return Fail(v1::ERROR_CODE_UNAVAILABLE, "no reply from " + endpoint_);
      }
      v1::PublishReply reply;
      if (message.more() ||
          !reply.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
        DrainMore(message);
        return Fail(v1::ERROR_CODE_MALFORMED, "daemon sent a reply that is not a PublishReply");
      }
      return reply;
    } catch (const zmq::error_t& e) {
      return Fail(v1::ERROR_CODE_UNAVAILABLE, std::string("receiving: ") + e.what());
    }
  }

 private:
  static constexpr int kMaxRedirects = 3;
  static constexpr std::chrono::milliseconds kElectionPause{200};

  // Points the socket at the ingest of `hub`; false if it is no hub.
  bool FollowTo(const std::string& hub) {
    auto endpoints = core::ParseHub(hub);
    if (!endpoints || endpoints->ingest == endpoint_) return false;
    endpoint_ = endpoints->ingest;
    followed_ = endpoint_;
    Reconnect();
    return true;
  }

  // A PublishRequest's id and bytes. The article (field 5, the last) is
  // appended to the encoded other fields: the bytes SerializeAsString gives,
  // without copying the article into a request first. The id goes first, so
  // the daemon can name it even when refusing the rest. TOO_LARGE, unsent,
  // past the largest frame the daemon's socket takes: ZeroMQ would drop the
  // connection without an answer.
  Result<std::pair<uint64_t, std::string>> EncodeRequest(const v1::Article& article,
                                                         const PublishParams& params) {
    v1::PublishRequest request;
    request.set_request_id(++last_request_id_);
    request.set_publisher_id(options_.publisher_id);
    request.set_publisher_key(params.publisher_key.empty() ? RandomKey() : params.publisher_key);
    request.set_base_version(params.base_version);
    std::string bytes = request.SerializeAsString();
    const std::size_t article_bytes = article.ByteSizeLong();
    const std::size_t frame_bytes =
        bytes.size() + 1 + google::protobuf::io::CodedOutputStream::VarintSize64(article_bytes) +
        article_bytes;  // The article's tag is one byte.
    if (frame_bytes > core::kMaxFrameBytes) {
      return Fail(v1::ERROR_CODE_TOO_LARGE,
                  "the article is " + std::to_string(article_bytes) +
                      " bytes encoded; a request frame may hold at most " +
                      std::to_string(core::kMaxFrameBytes) + " bytes (not sent)");
    }
    core::AppendEmbedded(bytes, v1::PublishRequest::kArticleFieldNumber,
                         article.SerializeAsString());
    return std::pair{request.request_id(), std::move(bytes)};
  }

  Result<void> SendBytes(const std::string& bytes) {
    try {
      socket_->send(zmq::buffer(bytes), zmq::send_flags::none);
      return {};
    } catch (const zmq::error_t& e) {
      return Fail(v1::ERROR_CODE_UNAVAILABLE,
                  std::string("sending to ") + endpoint_ + ": " + e.what());
    }
  }

  void DrainMore(zmq::message_t& message) {
    while (message.more() && socket_->recv(message, zmq::recv_flags::dontwait)) {
    }
  }

  void Reconnect() {
    handshake_.reset();
    socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    if (options_.curve) security::ApplyCurveClient(*socket_, *options_.curve);
    // Without a monitor a refused handshake would look like a silent daemon.
    auto watch =
        security::HandshakeWatch::Attach(context_, *socket_, endpoint_, options_.curve.has_value());
    if (watch) handshake_ = std::move(*watch);
    socket_->connect(endpoint_);
  }

  PublisherOptions options_;
  std::vector<std::string> endpoints_;  // Ingest of each hub given.
  std::size_t next_hub_ = 0;
  std::string endpoint_;
  std::string followed_;  // Set by a redirect until the resend goes out.
  zmq::context_t context_{1};
  std::unique_ptr<security::HandshakeWatch> handshake_;  // Before socket_: outlives it.
  std::unique_ptr<zmq::socket_t> socket_;
  uint64_t last_request_id_ = 0;
};

}  // namespace

Result<std::unique_ptr<Publisher>> Publisher::Connect(const PublisherOptions& options) {
  std::vector<std::string> endpoints;
  std::size_t start = 0;
  while (true) {
    const auto comma = options.hub.find(',', start);
    auto hub = core::ParseHub(options.hub.substr(start, comma - start));
    if (!hub) return Fail(hub.error());
    if (hub->port == 0 && !hub->host.empty()) {
      return Fail(v1::ERROR_CODE_MALFORMED, "hub port must not be 0");
    }
    endpoints.push_back(hub->ingest);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return std::unique_ptr<Publisher>(std::make_unique<ZmqPublisher>(options, std::move(endpoints)));
}

}  // namespace newswire::publisher
