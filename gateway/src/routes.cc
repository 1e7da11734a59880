#include "routes.h"

#include <utility>  // Before Asio (Boost 1.74 needs std::exchange declared).

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "assets.h"
#include "newswire/api/answers.h"
#include "newswire/core/numbers.h"
#include "newswire/core/time.h"
#include "newswire/core/unicode.h"
#include "newswire/subscriber/replayer.h"

namespace newswire::gateway {
namespace {

namespace net = boost::asio;

const std::string kJson = "application/json";

Response JsonResponse(const nlohmann::json& body, unsigned status = 200) {
  return {status, kJson, body.dump(), {}};
}

Response ErrorResponse(const Error& error, unsigned status = 0) {
  Response response =
      JsonResponse({{"error", api::ErrorJson(error)}}, status ? status : HttpStatus(error.code));
  if (response.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

Result<uint32_t> ParseVersion(const std::string& text, const char* name) {
  if (text.empty()) return 0u;
  if (auto value = core::ParseNumber<uint32_t>(text)) return *value;
  return Fail(v1::ERROR_CODE_MALFORMED,
              std::string(name) + " wants a version number, not '" + text + "'");
}

// core::ParseRfc3339: protobuf's TimeUtil::FromString aborts the process on
// "9999-12-31T23:59:59-01:00" and truncates past nanoseconds.
Result<google::protobuf::Timestamp> ParseTime(const std::string& text, const char* name) {
  auto time = core::ParseRfc3339(text);
  if (time) return time;
  return Fail(v1::ERROR_CODE_MALFORMED,
              std::string(name) + " wants an RFC 3339 time: " + time.error().message);
}

// Query clients for the workers: one per request at a time, kept for reuse.
class ClientPool {
 public:
  ClientPool(std::string hub, std::chrono::milliseconds timeout,
             std::optional<security::CurveClient> curve)
      : hub_(std::move(hub)), timeout_(timeout), curve_(std::move(curve)) {}

  Result<std::unique_ptr<subscriber::QueryClient>> Acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto client = std::move(idle_.back());
        idle_.pop_back();
        return client;
      }
    }
    return subscriber::QueryClient::Connect(hub_, timeout_, curve_);
  }
  void Release(std::unique_ptr<subscriber::QueryClient> client) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(client));
  }

 private:
  std::string hub_;
  std::chrono::milliseconds timeout_;
  std::optional<security::CurveClient> curve_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<subscriber::QueryClient>> idle_;
};

subscriber::ChannelSelection ChannelsOf(const Selection& selection) {
  return {selection.feeds, selection.instruments, selection.topics};
}

Selection SelectionOf(const Request& request) {
  // Topics as ingest keeps them (NFC), so a topic in either normalisation
  // form matches the stories tagged with it.
  std::vector<std::string> topics = request.Params("topic");
  for (std::string& topic : topics) core::NormalizeToNfc(topic);
  return {request.Params("feed"), request.Params("instrument"), std::move(topics)};
}

}  // namespace

unsigned HttpStatus(ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_MALFORMED: return 400;
    case v1::ERROR_CODE_UNAUTHORIZED: return 401;
    case v1::ERROR_CODE_NOT_FOUND: return 404;
    case v1::ERROR_CODE_VERSION_CONFLICT: return 409;
    case v1::ERROR_CODE_TOO_LARGE: return 413;
    case v1::ERROR_CODE_INVALID_ARTICLE: return 422;
    case v1::ERROR_CODE_DIFF_MISMATCH: return 502;
    case v1::ERROR_CODE_UNAVAILABLE: return 503;
    default: return 500;
  }
}

struct Routes::Impl {
  Impl(const GatewayOptions& o, const Authenticator& a, LiveWire& l)
      : options(o),
        auth(a),
        live(l),
        workers(o.query_workers),
        clients(o.hub, o.query_timeout, o.curve) {}

  ~Impl() {
    {
      std::unique_lock lock(replays_mutex);
      stopping = true;
      replays_cv.notify_all();
      replays_cv.wait(lock, [&] { return active_replays == 0; });
    }
    workers.join();
  }

  void Handle(const std::shared_ptr<Exchange>& exchange) {
    const Request& request = exchange->request();
    if (request.method != "GET") {
      return exchange->Reply(
          ErrorResponse({v1::ERROR_CODE_MALFORMED, "only GET is served", 0}, 405));
    }
    const std::string& path = request.path;
    if (path == "/healthz") {
      return exchange->Reply(JsonResponse({{"status", "ok"},
                                           {"wire_seq", live.last_wire_seq()},
                                           {"stream_clients", live.clients()}}));
    }
    if (path.rfind("/v1/", 0) != 0) return ServeFile(*exchange);
    if (path == "/v1/openapi.json") return ServeFile(*exchange);
    // RFC 6750: the header, or access_token in the query (EventSource cannot set headers).
    std::string authorization = request.authorization;
    if (authorization.empty() && !request.Param("access_token").empty()) {
      authorization = "Bearer " + request.Param("access_token");
    }
    auto identity = auth.Authenticate(authorization);
    if (!identity) return exchange->Reply(ErrorResponse(identity.error()));
    if (path == "/v1/stream") return Stream(exchange, std::move(*identity));
    if (path == "/v1/replay") return Replay(exchange, std::move(*identity));
    if (path.rfind("/v1/articles/", 0) == 0) return Article(exchange, std::move(*identity));
    exchange->Reply(ErrorResponse({v1::ERROR_CODE_NOT_FOUND, "no such endpoint: " + path, 0}));
  }

  void ServeFile(Exchange& exchange) {
    std::string path = exchange.request().path;
    if (path == "/") path = "/index.html";
    if (!options.www_dir.empty() && path != "/v1/openapi.json") {
      if (path.find("..") == std::string::npos) {
        std::ifstream file(options.www_dir + path, std::ios::binary);
        if (file) {
          std::ostringstream bytes;
          bytes << file.rdbuf();
          return exchange.Reply({200, std::string(ContentTypeFor(path)), bytes.str(), {}});
        }
      }
    } else if (const Asset* asset = FindAsset(path)) {
      return exchange.Reply({200,
                             std::string(asset->content_type),
                             std::string(asset->bytes),
                             {{"Cache-Control", "no-cache"}}});
    }
    exchange.Reply(ErrorResponse({v1::ERROR_CODE_NOT_FOUND, "no such page: " + path, 0}));
  }

  void Stream(const std::shared_ptr<Exchange>& exchange, Identity identity) {
    const Request& request = exchange->request();
    std::string last = request.last_event_id;
    if (last.empty()) last = request.Param("last_event_id");
    std::optional<uint64_t> last_id;
    if (!last.empty()) {
      last_id = core::ParseNumber<uint64_t>(last);
      if (!last_id) {
        return exchange->Reply(
            ErrorResponse({v1::ERROR_CODE_MALFORMED,
                           "Last-Event-ID wants a wire sequence, not '" + last + "'", 0}));
      }
    }
    Selection selection = SelectionOf(request);
    if (auto topics = subscriber::ChannelTopics(ChannelsOf(selection)); !topics) {
      return exchange->Reply(ErrorResponse(topics.error()));
    }
    live.AddClient(exchange->StartStream("text/event-stream; charset=utf-8"), std::move(identity),
                   std::move(selection), last_id);
  }

  // /v1/articles/{id}[/history|/diff|/blame], answered on a worker.
  void Article(const std::shared_ptr<Exchange>& exchange, Identity identity) {
    std::string rest = exchange->request().path.substr(std::string("/v1/articles/").size());
    std::string view;
    for (const char* suffix : {"/history", "/diff", "/blame"}) {
      const std::string s(suffix);
      if (rest.size() > s.size() && rest.compare(rest.size() - s.size(), s.size(), s) == 0) {
        view = s.substr(1);
        rest.resize(rest.size() - s.size());
      }
    }
    if (rest.empty()) {
      return exchange->Reply(ErrorResponse({v1::ERROR_CODE_MALFORMED, "no article id", 0}));
    }
    net::post(workers, [this, exchange, identity = std::move(identity), id = std::move(rest),
                        view = std::move(view)] {
      auto client = clients.Acquire();
      if (!client) return exchange->Reply(ErrorResponse(client.error()));
      Response response = Answer(**client, exchange->request(), identity, id, view);
      clients.Release(std::move(*client));
      exchange->Reply(std::move(response));
    });
  }

  // Worker thread.
  Response Answer(subscriber::QueryClient& client, const Request& request, const Identity& identity,
                  const std::string& id, const std::string& view) {
    if (view.empty()) {
      Result<v1::ArticleReply> reply = Fail(v1::ERROR_CODE_INTERNAL, "");
      auto version = ParseVersion(request.Param("version"), "version");
      if (!version) return ErrorResponse(version.error());
      if (!request.Param("as_of").empty()) {
        auto as_of = ParseTime(request.Param("as_of"), "as_of");
        if (!as_of) return ErrorResponse(as_of.error());
        reply = client.GetArticleAsOf(id, *as_of);
      } else {
        reply = client.GetArticle(id, *version);
      }
      if (!reply) return ErrorResponse(reply.error());
      // Not granted reads as not there, as the daemon answers it.
      if (!identity.MayRead(reply->article().feed())) {
        if (*version != 0) return ErrorResponse(NoVersion(id, *version));
        if (!request.Param("as_of").empty()) return ErrorResponse(NothingOutAt(id));
        return ErrorResponse(NoArticle(id));
      }
      return JsonResponse(api::ArticleReplyJson(*reply));
    }
    if (view == "diff") {
      auto from = ParseVersion(request.Param("from"), "from");
      auto to = ParseVersion(request.Param("to"), "to");
      if (!from || !to) return ErrorResponse(!from ? from.error() : to.error());
      if (*from == 0) {
        return ErrorResponse({v1::ERROR_CODE_MALFORMED, "from wants a version number", 0});
      }
      auto diff = api::FetchDiff(client, id, *from, *to);
      if (!diff) return ErrorResponse(diff.error());
      if (!identity.MayRead(diff->base.feed()) || !identity.MayRead(diff->result.feed())) {
        return ErrorResponse(NoVersion(id, *from));
      }
      return JsonResponse(api::DiffJson(id, *diff));
    }
    if (view == "blame") {
      auto blame = api::FetchBlame(client, id);
      if (!blame) return ErrorResponse(blame.error());
      if (!identity.MayRead(blame->latest.feed())) return ErrorResponse(NoArticle(id));
      nlohmann::json lines = nlohmann::json::array();
      for (const auto& line : blame->lines) lines.push_back(api::BlameLineJson(id, line));
      return JsonResponse({{"article_id", id}, {"lines", lines}});
    }
    // history: the latest version says which feed the story is on.
    auto latest = client.GetArticle(id, 0);
    if (!latest) return ErrorResponse(latest.error());
    if (!identity.MayRead(latest->article().feed())) return ErrorResponse(NoArticle(id));
    auto history = client.GetHistory(id);
    if (!history) return ErrorResponse(history.error());
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& entry : history->entries()) {
      versions.push_back(api::HistoryEntryJson(history->article_id(), entry));
    }
    return JsonResponse({{"article_id", id}, {"versions", versions}});
  }

  // /v1/replay: NDJSON, one `replay --json` line per revision, on a thread
  // of its own (at most max_replays), paced by the client's socket.
  void Replay(const std::shared_ptr<Exchange>& exchange, Identity identity) {
    const Request& request = exchange->request();
    subscriber::ReplayOptions replay;
    replay.hub = options.hub;
    replay.curve = options.curve;
    replay.query_timeout = options.query_timeout;
    Selection selection = SelectionOf(request);
    replay.channels = ChannelsOf(selection);
    if (auto topics = subscriber::ChannelTopics(replay.channels); !topics) {
      return exchange->Reply(ErrorResponse(topics.error()));
    }
    auto from = ParseTime(request.Param("from"), "from");
    if (!from) return exchange->Reply(ErrorResponse(from.error()));
    replay.from = *from;
    if (!request.Param("to").empty()) {
      auto to = ParseTime(request.Param("to"), "to");
      if (!to) return exchange->Reply(ErrorResponse(to.error()));
      replay.to = *to;
    }
    {
      std::lock_guard lock(replays_mutex);
      if (active_replays >= options.max_replays) {
        Response busy = ErrorResponse(
            {v1::ERROR_CODE_UNAVAILABLE, "too many replays in progress; retry shortly", 0});
        busy.headers.emplace_back("Retry-After", "1");
        return exchange->Reply(std::move(busy));
      }
      ++active_replays;
    }
    auto opened = subscriber::Replayer::Open(replay);
    if (!opened) {
      EndReplay();
      return exchange->Reply(ErrorResponse(opened.error()));
    }
    auto stream = exchange->StartStream("application/x-ndjson");
    std::thread([this, stream, identity = std::move(identity),
                 replayer = std::shared_ptr<subscriber::Replayer>(std::move(*opened))] {
      RunReplay(*stream, identity, *replayer);
      stream->Close();
      EndReplay();
    }).detach();
  }

  void RunReplay(gateway::Stream& stream, const Identity& identity,
                 subscriber::Replayer& replayer) {
    struct Drained {
      std::mutex mutex;
      std::condition_variable cv;
    };
    auto drained = std::make_shared<Drained>();  // Outlives a late callback.
    stream.OnDrained([drained] { drained->cv.notify_all(); });
    while (!stream.closed() && !stopping) {
      {
        std::unique_lock lock(drained->mutex);
        if (stream.queued_bytes() > options.client_buffer_bytes / 2) {
          drained->cv.wait_for(lock, std::chrono::milliseconds(100));
          continue;
        }
      }
      auto delivery = replayer.Next();
      if (!delivery) {
        stream.Send(std::make_shared<const std::string>(
            nlohmann::json{{"error", api::ErrorJson(delivery.error())}}.dump() + "\n"));
        break;
      }
      if (!*delivery) break;
      if (!identity.MayRead((*delivery)->article().feed())) continue;
      stream.Send(std::make_shared<const std::string>(api::DeliveryJson(**delivery).dump() + "\n"));
    }
    stream.OnDrained(nullptr);
  }

  void EndReplay() {
    std::lock_guard lock(replays_mutex);
    --active_replays;
    replays_cv.notify_all();
  }

  const GatewayOptions& options;
  const Authenticator& auth;
  LiveWire& live;
  net::thread_pool workers;
  ClientPool clients;
  std::mutex replays_mutex;
  std::condition_variable replays_cv;
  unsigned active_replays = 0;
  std::atomic<bool> stopping{false};
};

Routes::Routes(const GatewayOptions& options, const Authenticator& auth, LiveWire& live)
    : impl_(std::make_unique<Impl>(options, auth, live)) {}
Routes::~Routes() = default;
void Routes::Handle(std::shared_ptr<Exchange> exchange) { impl_->Handle(exchange); }

}  // namespace newswire::gateway
