#include "http_endpoints.h"

#include <charconv>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace newswire::daemon {
namespace {

// A follower's part of /healthz: where it copies from and how far behind.
std::string ReplicationJson(const replication::StatusSnapshot& status, int64_t now_ns) {
  if (status.role == replication::Role::kPrimary) return "";
  nlohmann::json part = {{"upstream", status.upstream},
                         {"primary", status.primary_hub},
                         {"upstream_connected", status.connected},
                         {"commit", status.applied_commit},
                         {"lag_commits", status.commits_behind_upstream()},
                         {"lag_commits_primary", status.commits_behind_primary()},
                         {"lag_s", status.seconds_behind(now_ns)}};
  if (!status.error.empty()) part["replication_error"] = status.error;
  std::string text = part.dump();
  text.front() = ',';
  text.pop_back();
  return text;
}

}  // namespace

HttpEndpoints::HttpEndpoints(store::RevisionStore& store, const Metrics& metrics,
                             const core::Clock& clock)
    : store_(store), metrics_(metrics), clock_(clock) {}

HttpEndpoints::~HttpEndpoints() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

Result<void> HttpEndpoints::Bind(const std::string& listen) {
  const auto colon = listen.rfind(':');
  uint16_t port = 0;
  const char* end = listen.data() + listen.size();
  if (colon == std::string::npos ||
      std::from_chars(listen.data() + colon + 1, end, port).ptr != end ||
      colon + 1 == listen.size()) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "metrics address must be HOST:PORT, not '" + listen + "'");
  }
  const std::string host = listen.substr(0, colon);
  server_ = std::make_unique<httplib::Server>();
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "cannot serve metrics on " + listen + " (port taken?)");
  }
  address_ = "http://" + host + ":" + std::to_string(bound);
  return {};
}

void HttpEndpoints::Start() {
  if (!server_) return;
  auto sees_all = [this](const httplib::Request& request) {
    return !sees_all_ || sees_all_(request.get_header_value("Authorization"));
  };
  server_->Get("/metrics",
               [this, sees_all](const httplib::Request& request, httplib::Response& response) {
                 if (!sees_all(request)) {
                   response.status = 401;
                   response.set_header("WWW-Authenticate", "Bearer");
                   response.set_content("an operator's bearer token is required\n", "text/plain");
                   return;
                 }
                 response.set_content(metrics_.RenderPrometheus(store_, clock_.NowNs()),
                                      "text/plain; version=0.0.4");
               });
  server_->Get("/healthz", [this, sees_all](const httplib::Request& request,
                                            httplib::Response& response) {
    auto probe = store_.Probe();
    const int64_t last = metrics_.last_commit_ns.load();
    const int64_t now = clock_.NowNs();
    const auto replication = metrics_.replication.Snapshot();
    // A follower too far behind, or stopped, must not take desks.
    const bool replicating =
        replication.role == replication::Role::kPrimary ||
        (replication.error.empty() && replication.seconds_behind(now) <= max_replication_lag_s_);
    const bool healthy = probe && replicating;
    response.status = healthy ? 200 : 503;
    if (!sees_all(request)) {  // Up or not, and nothing about the wire.
      response.set_content(healthy ? R"({"status":"ok"})" : R"({"status":"unhealthy"})",
                           "application/json");
      return;
    }
    std::string body =
        std::string("{\"status\":\"") + (healthy ? "ok" : "unhealthy") +
        "\",\"store_writable\":" + (probe ? "true" : "false") +
        ",\"sockets_bound\":true,\"wire_seq\":" + std::to_string(store_.LastWireSeq()) +
        ",\"last_commit_age_s\":" +
        (last == 0 ? std::string("null") : std::to_string((now - last) / 1'000'000'000)) +
        ",\"role\":\"" + replication.role_name() + "\"" + ReplicationJson(replication, now) + "}";
    response.set_content(body, "application/json");
  });
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the server runs: wait for it (bounded), or a
  // quick SIGTERM would leave the HTTP thread serving forever.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace newswire::daemon
