#include "newswire/subscriber/query_client.h"

#include <map>
#include <unordered_map>

#include <zmq.hpp>

#include "newswire/core/hub.h"
#include "newswire/core/time.h"

namespace newswire::subscriber {
namespace {

class ZmqQueryClient final : public QueryClient {
 public:
  ZmqQueryClient(std::string endpoint, std::chrono::milliseconds timeout,
                 std::optional<security::CurveClient> curve)
      : endpoint_(std::move(endpoint)), timeout_(timeout), curve_(std::move(curve)) {}

  Result<v1::ArticleReply> GetArticle(std::string_view article_id, uint32_t version) override {
    v1::QueryRequest request;
    request.mutable_get()->set_article_id(std::string(article_id));
    request.mutable_get()->set_version(version);
    auto reply = Call(request);
    if (!reply) return Fail(reply.error());
    if (!reply->has_article()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no article");
    return std::move(*reply->mutable_article());
  }

  Result<v1::ArticleReply> GetArticleAsOf(std::string_view article_id,
                                          const google::protobuf::Timestamp& as_of) override {
    if (auto ok = core::CheckTimestamp("as_of", as_of); !ok) return Fail(ok.error());
    v1::QueryRequest request;
    request.mutable_get()->set_article_id(std::string(article_id));
    *request.mutable_get()->mutable_as_of() = as_of;
    auto reply = Call(request);
    if (!reply) return Fail(reply.error());
    if (!reply->has_article()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no article");
    return std::move(*reply->mutable_article());
  }

  Result<v1::HistoryReply> GetHistory(std::string_view article_id) override {
    v1::HistoryReply all;
    uint32_t from = 1;
    do {
      v1::QueryRequest request;
      request.mutable_history()->set_article_id(std::string(article_id));
      request.mutable_history()->set_from_version(from);
      auto reply = Call(request);
      if (!reply) return Fail(reply.error());
      if (!reply->has_history()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no history");
      auto& page = *reply->mutable_history();
      all.set_article_id(page.article_id());
      for (auto& entry : *page.mutable_entries()) *all.add_entries() = std::move(entry);
      from = page.next_version();
    } while (from != 0);
    return all;
  }

  Result<v1::LogReply> ReadLog(const v1::ReadLog& read) override {
    v1::QueryRequest request;
    *request.mutable_read_log() = read;
    auto reply = PrefetchedOrCall(request, read.SerializeAsString());
    if (!reply) return Fail(reply.error());
    if (!reply->has_log()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no log page");
    return std::move(*reply->mutable_log());
  }

  void PrefetchLog(const v1::ReadLog& read) override {
    std::string key = read.SerializeAsString();
    if (prefetched_.count(key) || prefetched_.size() >= kMaxPrefetched) return;
    v1::QueryRequest request;
    *request.mutable_read_log() = read;
    // A prefetch that cannot be sent is simply asked for when it is needed.
    if (Send(request)) prefetched_.emplace(std::move(key), request.request_id());
  }

  Result<v1::SnapshotReply> ReadSnapshot(const v1::GetSnapshot& snapshot) override {
    v1::QueryRequest request;
    *request.mutable_snapshot() = snapshot;
    auto reply = Call(request);
    if (!reply) return Fail(reply.error());
    if (!reply->has_snapshot()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no snapshot");
    return std::move(*reply->mutable_snapshot());
  }

  Result<v1::CommitsReply> ReadCommits(uint64_t from_commit, uint32_t limit) override {
    v1::QueryRequest request;
    request.mutable_read_commits()->set_from_commit(from_commit);
    request.mutable_read_commits()->set_limit(limit);
    auto reply = PrefetchedOrCall(request, request.SerializeAsString());
    if (!reply) return Fail(reply.error());
    if (!reply->has_commits()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no commits");
    return std::move(*reply->mutable_commits());
  }

  void PrefetchCommits(uint64_t from_commit, uint32_t limit) override {
    v1::QueryRequest request;
    request.mutable_read_commits()->set_from_commit(from_commit);
    request.mutable_read_commits()->set_limit(limit);
    std::string key = request.SerializeAsString();
    if (prefetched_.count(key) || prefetched_.size() >= kMaxPrefetched) return;
    if (Send(request)) prefetched_.emplace(std::move(key), request.request_id());
  }

  void ReportPosition(const std::string& node, uint64_t commit) override {
    v1::QueryRequest request;
    request.mutable_report_position()->set_node(node);
    request.mutable_report_position()->set_commit(commit);
    (void)Send(request);
  }

  Result<v1::BackupReply> Backup(const std::string& path) override {
    v1::QueryRequest request;
    request.mutable_backup()->set_path(path);
    auto reply = Call(request);
    if (!reply) return Fail(reply.error());
    if (!reply->has_backup()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no backup");
    return std::move(*reply->mutable_backup());
  }

  Result<v1::AccessReply> GetAccess() override {
    v1::QueryRequest request;
    request.mutable_access();
    auto reply = Call(request);
    if (!reply) return Fail(reply.error());
    if (!reply->has_access()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no access");
    return std::move(*reply->mutable_access());
  }

  Result<v1::ReloadReply> ReloadAccess() override {
    v1::QueryRequest request;
    request.mutable_reload_access();
    auto reply = Call(request);
    if (!reply) return Fail(reply.error());
    if (!reply->has_reload()) return Fail(v1::ERROR_CODE_MALFORMED, "reply holds no reload");
    return std::move(*reply->mutable_reload());
  }

 private:
  static constexpr std::size_t kMaxPrefetched = 8;

  // The answer to a request sent ahead under `key` (PrefetchLog and the
  // like), else the request asked now.
  Result<v1::QueryReply> PrefetchedOrCall(v1::QueryRequest& request, const std::string& key) {
    if (auto it = prefetched_.find(key); it != prefetched_.end()) {
      const uint64_t id = it->second;
      prefetched_.erase(it);
      return Await(id);
    }
    return Call(request);
  }

  Result<v1::QueryReply> Call(v1::QueryRequest& request) {
    if (auto sent = Send(request); !sent) return Fail(sent.error());
    return Await(request.request_id());
  }

  // Sends `request` under a fresh request id; UNAVAILABLE with ZeroMQ's
  // reason if it refused.
  Result<void> Send(v1::QueryRequest& request) {
    if (!socket_) {
      socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
      socket_->set(zmq::sockopt::linger, 0);
      if (curve_) security::ApplyCurveClient(*socket_, *curve_);
      auto watch =
          security::HandshakeWatch::Attach(context_, *socket_, endpoint_, curve_.has_value());
      if (watch) handshake_ = std::move(*watch);
      socket_->connect(endpoint_);
    }
    request.set_request_id(++last_request_id_);
    try {
      socket_->send(zmq::buffer(request.SerializeAsString()), zmq::send_flags::none);
      return {};
    } catch (const zmq::error_t& e) {
      return Fail(v1::ERROR_CODE_UNAVAILABLE,
                  "query to " + endpoint_ + ": cannot send: " + std::string(e.what()));
    }
  }

  // The answer to request `id`. Answers to prefetches that come first are
  // kept for their ReadLog; any other answer is late (its caller timed out).
  Result<v1::QueryReply> Await(uint64_t id) {
    if (auto early = early_.find(id); early != early_.end()) {
      auto reply = std::move(early->second);
      early_.erase(early);
      return Unwrap(std::move(reply));
    }
    try {
      auto deadline = std::chrono::steady_clock::now() + timeout_;
      while (socket_) {
        if (auto failure = handshake_ ? handshake_->Failure() : std::nullopt) {
          Reset();
          return Fail(*failure);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        zmq::pollitem_t items[] = {
            {socket_->handle(), 0, ZMQ_POLLIN, 0},
            {handshake_ ? handshake_->monitor().handle() : nullptr, -1, ZMQ_POLLIN, 0}};
        if (left.count() <= 0 || zmq::poll(items, handshake_ ? 2 : 1, left) == 0) break;
        if (!(items[0].revents & ZMQ_POLLIN)) continue;
        zmq::message_t message;
        if (!socket_->recv(message, zmq::recv_flags::dontwait)) continue;
        v1::QueryReply reply;
        if (!reply.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
          return Fail(v1::ERROR_CODE_MALFORMED, "daemon sent a reply that is not a QueryReply");
        }
        if (reply.request_id() == id) return Unwrap(std::move(reply));
        for (const auto& [key, prefetch_id] : prefetched_) {
          if (prefetch_id == reply.request_id()) early_.emplace(prefetch_id, std::move(reply));
        }
      }
    } catch (const zmq::error_t& e) {
      return Fail(v1::ERROR_CODE_UNAVAILABLE, "query to " + endpoint_ + ": " + e.what());
    }
    auto suspected = handshake_ ? handshake_->Suspected() : std::nullopt;
    Reset();
    if (suspected) return Fail(*suspected);
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "no answer from " + endpoint_ + " within " +
                                                std::to_string(timeout_.count()) + " ms");
  }

  // Drops the socket so a late reply cannot be mistaken for the next one.
  void Reset() {
    socket_.reset();
    handshake_.reset();
    prefetched_.clear();
    early_.clear();
  }

  static Result<v1::QueryReply> Unwrap(v1::QueryReply reply) {
    if (reply.has_error()) return Fail(Error::FromProto(reply.error()));
    return reply;
  }

  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::optional<security::CurveClient> curve_;
  zmq::context_t context_{1};
  std::unique_ptr<security::HandshakeWatch> handshake_;
  std::unique_ptr<zmq::socket_t> socket_;
  uint64_t last_request_id_ = 0;
  std::map<std::string, uint64_t> prefetched_;          // ReadLog bytes -> request id.
  std::unordered_map<uint64_t, v1::QueryReply> early_;  // Prefetched answers not yet asked for.
};

}  // namespace

Result<std::unique_ptr<QueryClient>> QueryClient::Connect(
    std::string_view hub, std::chrono::milliseconds timeout,
    const std::optional<security::CurveClient>& curve) {
  auto endpoints = core::ParseHub(hub);
  if (!endpoints) return Fail(endpoints.error());
  return std::unique_ptr<QueryClient>(
      std::make_unique<ZmqQueryClient>(endpoints->query, timeout, curve));
}

}  // namespace newswire::subscriber
