// newswire stats and newswire top: the daemon's stats channel, read off the
// wire itself (no HTTP needed).
#include <csignal>
#include <iostream>

#include <zmq.hpp>

#include "commands.h"
#include "newswire/core/channel.h"
#include "newswire/core/hub.h"
#include "newswire/core/unicode.h"
#include "newswire/security/curve.h"
#include "render.h"

namespace newswire::cli {
namespace {

constexpr std::string_view kStatsChannel = "s|";
std::atomic<bool> g_stop{false};

// The stats channel. A secure daemon sends its stats on "s|*|" (every
// figure, to operators) or "s|FEED,...|" (the figures of those feeds, to
// readers of only those); its notices to this key come on "c|NAME|".
class StatsReader {
 public:
  StatsReader(const std::string& fanout, const std::optional<security::CurveClient>& curve) {
    socket_.set(zmq::sockopt::linger, 0);
    if (curve) security::ApplyCurveClient(socket_, *curve);
    if (auto watch =
            security::HandshakeWatch::Attach(context_, socket_, fanout, curve.has_value())) {
      handshake_ = std::move(*watch);
    }
    socket_.connect(fanout);
    if (curve) socket_.set(zmq::sockopt::subscribe, "c|");  // Notices to this key.
    socket_.set(zmq::sockopt::subscribe, kStatsChannel);
  }

  // Why nothing came, when the handshake failed.
  std::optional<Error> Failure() { return handshake_ ? handshake_->Failure() : std::nullopt; }
  std::optional<Error> Suspected() { return handshake_ ? handshake_->Suspected() : std::nullopt; }

  // The next stats event, or nullopt after `timeout`. Heartbeats (empty
  // payloads) on the channel are skipped.
  std::optional<v1::StatsEvent> Next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || Failure()) return std::nullopt;
      zmq::pollitem_t items[] = {
          {socket_.handle(), 0, ZMQ_POLLIN, 0},
          {handshake_ ? handshake_->monitor().handle() : nullptr, -1, ZMQ_POLLIN, 0}};
      try {
        if (zmq::poll(items, handshake_ ? 2 : 1, left) == 0) return std::nullopt;
      } catch (const zmq::error_t&) {
        return std::nullopt;  // Interrupted: the caller checks its stop flag.
      }
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> parts;
      zmq::message_t part;
      do {
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
        parts.push_back(std::move(part));
      } while (parts.back().more());
      v1::StatsEvent stats;
      if (parts.size() == 3 && parts[2].size() > 0 &&
          core::KindOf(parts[0].to_string_view()) == core::ChannelKind::kStats &&
          stats.ParseFromArray(parts[2].data(), static_cast<int>(parts[2].size()))) {
        return stats;
      }
      v1::AccessNotice notice;
      if (parts.size() == 3 &&
          core::KindOf(parts[0].to_string_view()) == core::ChannelKind::kControl &&
          notice.ParseFromArray(parts[2].data(), static_cast<int>(parts[2].size()))) {
        refused_ = notice.reason();
        return std::nullopt;
      }
    }
  }

  // Why the daemon refused the stats channel, if it did.
  const std::string& refused() const { return refused_; }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::sub};
  std::unique_ptr<security::HandshakeWatch> handshake_;
  std::string refused_;
};

nlohmann::json StatsJson(const v1::StatsEvent& s) {
  auto counts = [](const auto& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : list) out.push_back({{"name", c.name()}, {"count", c.count()}});
    return out;
  };
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& r : s.recent()) {
    recent.push_back({{"article_id", r.article_id()},
                      {"version", r.version()},
                      {"urgency", r.urgency()},
                      {"headline", r.headline()},
                      {"kill", r.pubstatus() == v1::PUB_STATUS_CANCELED},
                      {"wire_time", FormatUtc(r.wire_time())}});
  }
  return {{"time", FormatUtc(s.time())},
          {"wire_seq", s.wire_seq()},
          {"revisions_per_s", s.revisions_per_s()},
          {"fanout_messages_per_s", s.fanout_messages_per_s()},
          {"connected_subscribers", s.connected_subscribers()},
          {"commit_p50_us", s.commit_p50_us()},
          {"commit_p99_us", s.commit_p99_us()},
          {"rejected_total", s.rejected_total()},
          {"store_bytes", s.store_bytes()},
          {"role", s.role()},
          {"upstream", s.upstream()},
          {"replication_lag_commits", s.replication_lag_commits()},
          {"replication_lag_commits_primary", s.replication_lag_commits_primary()},
          {"replication_lag_seconds", s.replication_lag_seconds()},
          {"replication_error", s.replication_error()},
          {"busiest_feeds", counts(s.busiest_feeds())},
          {"busiest_instruments", counts(s.busiest_instruments())},
          {"recent", recent}};
}

std::string Screen(const std::string& hub, const v1::StatsEvent& s, const Style& style) {
  char line[256];
  std::string out;
  out += std::string(style.Bold()) + "newswire top  " + hub + "  " + FormatUtc(s.time()) +
         std::string(style.Reset()) + "\n\n";
  std::snprintf(line, sizeof line,
                "  ingest %10.0f rev/s    fan-out %10.0f msg/s    subscribers %lld\n",
                s.revisions_per_s(), s.fanout_messages_per_s(),
                static_cast<long long>(s.connected_subscribers()));
  out += line;
  std::snprintf(line, sizeof line,
                "  commit p50 %8.0f us    commit p99 %8.0f us    rejected %llu    wire #%llu\n",
                s.commit_p50_us(), s.commit_p99_us(),
                static_cast<unsigned long long>(s.rejected_total()),
                static_cast<unsigned long long>(s.wire_seq()));
  out += line;
  out += "  store " + Thousands(s.store_bytes()) + " B";
  if (s.role() == "follower") {
    std::snprintf(line, sizeof line,
                  "    follower of %s: %llu commits (%.1f s) behind, %llu behind the primary",
                  s.upstream().c_str(),
                  static_cast<unsigned long long>(s.replication_lag_commits()),
                  s.replication_lag_seconds(),
                  static_cast<unsigned long long>(s.replication_lag_commits_primary()));
    out += line;
    if (!s.replication_error().empty()) {
      out += "\n  " + std::string(style.Red()) + "replication stopped: " + s.replication_error() +
             std::string(style.Reset());
    }
  } else if (!s.role().empty()) {
    out += "    " + s.role();
  }
  out += "\n\n";
  auto table = [&](const char* title, const auto& counts) {
    out += std::string(style.Bold()) + "  " + title + std::string(style.Reset()) + "\n";
    if (counts.empty()) out += "    (quiet)\n";
    for (const auto& c : counts) {
      std::snprintf(line, sizeof line, "    %-28s %8llu\n", c.name().c_str(),
                    static_cast<unsigned long long>(c.count()));
      out += line;
    }
  };
  table("busiest feeds (last second)", s.busiest_feeds());
  table("busiest instruments (last second)", s.busiest_instruments());
  out += std::string(style.Bold()) + "\n  latest revisions" + std::string(style.Reset()) + "\n";
  for (const auto& r : s.recent()) {
    std::string mark = r.pubstatus() == v1::PUB_STATUS_CANCELED ? std::string(style.Red()) + "KILL "
                       : r.urgency() == 1                       ? std::string(style.Red()) + "FLASH"
                                          : "u" + std::to_string(r.urgency()) + "   ";
    std::string headline = core::TruncateToWidth(r.headline(), 50);
    out += "    " + FormatUtc(r.wire_time()).substr(11, 12) + "  " + mark +
           std::string(style.Reset()) + "  " + r.article_id() + " v" + std::to_string(r.version()) +
           "  " + headline + "\n";
  }
  return out;
}

}  // namespace

int RunStats(const CommonOptions& common) {
  auto hub = core::ParseHub(common.hub);
  if (!hub) {
    std::cerr << "newswire stats: " << hub.error().ToString() << "\n";
    return 2;
  }
  StatsReader reader(hub->fanout, common.curve);
  // Stats come once a second: wait a little longer than that.
  auto stats = reader.Next(std::max(common.timeout, std::chrono::milliseconds(2500)));
  if (!stats) {
    if (auto failure = reader.Suspected()) {
      std::cerr << "newswire stats: " << failure->ToString() << "\n";
      return 1;
    }
    if (!reader.refused().empty()) {
      std::cerr << "newswire stats: the daemon refused: " << reader.refused() << "\n";
      return 1;
    }
    std::cerr << "newswire stats: no stats event from " << hub->fanout << "\n";
    return 3;
  }
  if (common.json) {
    std::cout << StatsJson(*stats).dump() << std::endl;
  } else {
    std::cout << Screen(common.hub, *stats, Style{common.color});
  }
  return 0;
}

int RunTop(const CommonOptions& common, uint64_t iterations) {
  auto hub = core::ParseHub(common.hub);
  if (!hub) {
    std::cerr << "newswire top: " << hub.error().ToString() << "\n";
    return 2;
  }
  StatsReader reader(hub->fanout, common.curve);
  std::signal(SIGINT, [](int) { g_stop.store(true); });
  std::signal(SIGTERM, [](int) { g_stop.store(true); });
  const Style style{common.color};
  uint64_t shown = 0;
  // The alternate screen keeps the user's scrollback; home + clear redraws
  // in place instead of scrolling.
  std::cout << "\033[?1049h" << std::flush;
  while (!g_stop.load() && (iterations == 0 || shown < iterations)) {
    auto stats = reader.Next(std::chrono::milliseconds(3000));
    std::cout << "\033[H\033[2J";
    if (!stats) {
      std::cout << "newswire top  " << common.hub << "\n\n  waiting for stats from the daemon...\n";
    } else {
      std::cout << Screen(common.hub, *stats, style);
      ++shown;
    }
    std::cout << std::flush;
  }
  std::cout << "\033[?1049l" << std::flush;
  return 0;
}

}  // namespace newswire::cli
