#include "daemon_security.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <spdlog/spdlog.h>

#include "newswire/core/hub.h"
#include "newswire/security/curve.h"
#include "query_guard.h"

namespace newswire::daemon {
namespace {

constexpr std::chrono::seconds kRefusalLogEvery{1};

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

// The article's id and feed (fields 1 and 2) from its encoded bytes,
// without parsing the rest: the store parses it once, later.
std::pair<std::string, std::string> IdAndFeed(std::string_view bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::string id, feed;
  while (uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if ((field == 1 || field == 2) &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      std::string value;
      if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length))) break;
      (field == 1 ? id : feed) = std::move(value);  // The last one wins, as in parsing.
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) break;
  }
  return {std::move(id), std::move(feed)};
}

Result<void> CheckListen(const DaemonOptions& options, bool secure) {
  auto hub = core::ParseHub(options.listen);
  if (!hub || hub->host.empty() || IsLoopback(hub->host)) return {};  // ipc:// or loopback.
  if (secure) return {};
  if (!options.insecure) {
    return Fail(v1::ERROR_CODE_UNAUTHORIZED,
                "refusing to listen on " + options.listen +
                    " without CURVE: anyone who reaches it could publish and read everything. "
                    "Give --curve-secret-key and --access, or --insecure to do it anyway");
  }
  spdlog::warn(
      "listening on {} WITHOUT CURVE (--insecure): anyone who reaches it can publish "
      "to and read every feed, in clear",
      options.listen);
  return {};
}

// The CURVE settings a follower or cluster node copies its upstream with,
// read at the start so that a missing or unreadable key stops it there.
Result<std::optional<security::CurveClient>> UpstreamCurve(const DaemonOptions& options,
                                                           bool secure) {
  const bool keyed = !options.follow_key_file.empty();
  const bool server_keyed = !options.follow_server_key_file.empty();
  const bool follows = !options.follow.empty() || !options.etcd.empty();
  if ((keyed || server_keyed) && !follows) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "--follow-key and --follow-server-key are for a follower (--follow) or a "
                "cluster node (--etcd)");
  }
  if (keyed != server_keyed) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "copying from a secure upstream needs both --follow-key (this node's secret key "
                "file, a replica in the upstream's access file) and --follow-server-key (the "
                "upstream's public key file)");
  }
  if (keyed) {
    auto curve = security::LoadCurveClient(options.follow_key_file, options.follow_server_key_file);
    if (!curve) return Fail(curve.error());
    return *curve;
  }
  if (secure && !options.etcd.empty()) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "a secure cluster node copies the primary over CURVE: give --follow-key (a "
                "replica in the cluster's access file) and --follow-server-key (the cluster's "
                "public key)");
  }
  auto upstream = core::ParseHub(options.follow);
  if (options.follow.empty() || !upstream || upstream->host.empty() || IsLoopback(upstream->host)) {
    return std::optional<security::CurveClient>();
  }
  if (!options.insecure) {
    return Fail(v1::ERROR_CODE_UNAUTHORIZED,
                "refusing to copy the wire from " + options.follow +
                    " without CURVE: every feed would cross the network in clear. Give "
                    "--follow-key and --follow-server-key, or --insecure to do it anyway");
  }
  spdlog::warn("copying the wire from {} WITHOUT CURVE (--insecure): every feed, in clear",
               options.follow);
  return std::optional<security::CurveClient>();
}

}  // namespace

Result<std::unique_ptr<DaemonSecurity>> DaemonSecurity::Create(const DaemonOptions& options,
                                                               zmq::context_t& context,
                                                               Metrics& metrics) {
  const bool keyed = !options.curve_secret_key_file.empty();
  const bool accessed = !options.access_file.empty();
  if (keyed != accessed) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "security needs both --curve-secret-key (the daemon's secret key file) and "
                "--access (the access file)");
  }
  if (auto ok = CheckListen(options, keyed); !ok) return Fail(ok.error());
  auto upstream = UpstreamCurve(options, keyed);
  if (!upstream) return Fail(upstream.error());
  std::unique_ptr<DaemonSecurity> security;
  if (!keyed) {
    security.reset(new DaemonSecurity(AccessControl::Open()));
    security->metrics_ = &metrics;
    security->upstream_curve_ = std::move(*upstream);
    return security;
  }
  auto key = security::ReadSecretKeyFile(options.curve_secret_key_file);
  if (!key) return Fail(key.error());
  auto access = AccessControl::Load(options.access_file);
  if (!access) return Fail(access.error());
  security.reset(new DaemonSecurity(std::move(*access)));
  security->metrics_ = &metrics;
  security->server_key_ = std::move(*key);
  security->upstream_curve_ = std::move(*upstream);
  auto zap = ZapHandler::Bind(context, *security->access_, metrics);
  if (!zap) return Fail(zap.error());
  security->zap_ = std::move(*zap);
  security->gate_ = std::make_unique<SubscriptionGate>(*security->access_, metrics);
  spdlog::info("security on: CURVE key {}, access file {} ({} identities)",
               security->server_key_->public_key, options.access_file,
               security->access_->policy()->identities().size());
  return security;
}

void DaemonSecurity::ConfigureServer(zmq::socket_t& socket) {
  if (server_key_) security::ApplyCurveServer(socket, *server_key_);
}

void DaemonSecurity::ConfigureFanout(Fanout& fanout) {
  if (!server_key_) return;
  security::ApplyCurveServer(fanout.socket(), *server_key_);
  fanout.Guard(gate_.get());
}

Result<void> DaemonSecurity::Start() {
  if (zap_) zap_->Start();
  return {};
}

std::optional<Error> DaemonSecurity::AuthorizePublish(const zmq::message_t& payload,
                                                      store::PublishInput& input) {
  if (!secure()) return std::nullopt;
  const Viewer viewer = access_->ViewerOf(payload);
  auto [id, feed] = input.article_bytes.empty()
                        ? std::pair{input.article.id(), input.article.feed()}
                        : IdAndFeed(input.article_bytes);
  // An article with no feed is the store's to refuse (invalid_article).
  if (viewer.identity() && (feed.empty() || viewer.MayPublish(feed))) {
    input.publisher_id = viewer.name();  // Never what the client claims.
    return std::nullopt;
  }
  metrics_->rejected[v1::ERROR_CODE_UNAUTHORIZED].fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ >= kRefusalLogEvery) {
    last_refusal_log_ = now;
    spdlog::warn("refused a publish by {} to feed {} (article {}): not granted", viewer.name(),
                 feed, id);
  }
  const std::string why = !viewer.identity() ? "this key is no longer in the daemon's access file"
                          : viewer.identity()->Has(security::Role::kPublisher)
                              ? "not granted to publish to feed " + feed + " (publishes to " +
                                    viewer.identity()->publish.Describe() + ")"
                              : viewer.name() + " is not a publisher";
  return Error{v1::ERROR_CODE_UNAUTHORIZED, why, 0};
}

std::optional<std::string> DaemonSecurity::GuardQuery(const std::string& user_id,
                                                      const v1::QueryRequest& request,
                                                      const store::RevisionStore& store) {
  const Viewer viewer = access_->ViewerOfKey(user_id.empty() ? nullptr : user_id.c_str());
  return daemon::GuardQuery(viewer, request, store, *access_, *metrics_);
}

void DaemonSecurity::AfterRound(Fanout& fanout, const std::function<void()>& await_closed) {
  if (reload_requested_.exchange(false)) {
    if (auto reloaded = access_->Reload(); !reloaded) {
      spdlog::error("access file reload (SIGHUP) failed; the grants in force stay: {}",
                    reloaded.error().message);
    }
  }
  if (gate_) gate_->CheckReload(fanout, await_closed);
}

void DaemonSecurity::SendGroupStats(Fanout& fanout, const StatsChannel& stats,
                                    const std::string& full) {
  if (gate_) gate_->SendGroupStats(fanout, stats, full);
}

bool DaemonSecurity::SeesAllFigures(std::string_view authorization) const {
  return access_->ViewerOfBearer(authorization).SeesAllFigures();
}

}  // namespace newswire::daemon
