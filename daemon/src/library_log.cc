#include "library_log.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

namespace newswire::daemon {
namespace {

std::atomic<uint64_t> g_lines{0};
std::mutex g_mutex;
std::chrono::steady_clock::time_point g_last_logged{};
uint64_t g_suppressed = 0;

void Handle(google::protobuf::LogLevel level, const char* /*file*/, int /*line*/,
            const std::string& message) {
  g_lines.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(g_mutex);
  const auto now = std::chrono::steady_clock::now();
  if (now - g_last_logged < std::chrono::seconds(1)) {
    ++g_suppressed;
    return;
  }
  g_last_logged = now;
  const auto spd =
      level >= google::protobuf::LOGLEVEL_ERROR ? spdlog::level::warn : spdlog::level::debug;
  if (g_suppressed > 0) {
    spdlog::log(spd, "protobuf: {} ({} similar lines in the last second not shown)", message,
                g_suppressed);
  } else {
    spdlog::log(spd, "protobuf: {}", message);
  }
  g_suppressed = 0;
}

}  // namespace

void RouteLibraryLogs() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&Handle); });
}

uint64_t LibraryLogLines() { return g_lines.load(std::memory_order_relaxed); }

}  // namespace newswire::daemon
