#include "newswire/daemon/config.h"

#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "newswire/core/article.h"

namespace newswire::daemon {
namespace {

tl::unexpected<Error> Bad(const std::string& path, const std::string& what) {
  return Fail(v1::ERROR_CODE_MALFORMED, "config " + path + ": " + what);
}

}  // namespace

std::optional<bool> ParsePayload(std::string_view name) {
  if (name == "smallest") return true;
  if (name == "diff") return false;
  return std::nullopt;
}

Result<void> LoadConfigFile(const std::string& path, Config& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return Bad(path, std::string(e.description()) + " at " + where.str());
  }

  static const std::set<std::string, std::less<>> kKeys = {
      "listen",         "data_dir",       "durability", "block_cache_mb", "max_article_bytes",
      "max_batch",      "heartbeat_ms",   "log_level",  "log_format",     "fanout_hwm",
      "metrics_listen", "retention_days", "payload"};
  for (const auto& [key, value] : table) {
    if (!kKeys.count(key.str())) return Bad(path, "unknown key '" + std::string(key.str()) + "'");
  }

  auto text = [&](const char* key, std::string& out) -> Result<void> {
    if (auto node = table[key]; node) {
      auto value = node.value<std::string>();
      if (!value) return Bad(path, std::string(key) + " must be a string");
      out = *value;
    }
    return {};
  };
  auto number = [&](const char* key, int64_t min, int64_t max, auto& out) -> Result<void> {
    if (auto node = table[key]; node) {
      auto value = node.value<int64_t>();
      if (!value || *value < min || *value > max) {
        return Bad(path, std::string(key) + " must be an integer from " + std::to_string(min) +
                             " to " + std::to_string(max));
      }
      out = static_cast<std::remove_reference_t<decltype(out)>>(*value);
    }
    return {};
  };

  DaemonOptions& d = config.daemon;
  std::string durability, payload;
  int64_t heartbeat_ms = d.heartbeat_interval.count();
  for (auto result :
       {text("listen", d.listen), text("metrics_listen", d.metrics_listen),
        text("data_dir", d.data_dir), text("durability", durability), text("payload", payload),
        text("log_level", config.logging.level), text("log_format", config.logging.format),
        number("block_cache_mb", 1, 1 << 20, d.block_cache_mb),
        number("max_article_bytes", 1024, core::kLargestArticleBytes, d.max_article_bytes),
        number("max_batch", 1, 65536, d.max_batch), number("heartbeat_ms", 10, 60000, heartbeat_ms),
        number("fanout_hwm", 1, 10000000, d.fanout_hwm),
        number("retention_days", 0, 365000, d.retention_days)}) {
    if (!result) return result;
  }
  d.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  if (!durability.empty()) {
    auto mode = store::ParseDurability(durability);
    if (!mode) return Bad(path, "durability must be \"sync\" or \"async\"");
    d.durability = *mode;
  }
  if (!payload.empty()) {
    auto deltas = ParsePayload(payload);
    if (!deltas) return Bad(path, "payload must be \"smallest\" or \"diff\"");
    d.deltas = *deltas;
  }
  return {};
}

}  // namespace newswire::daemon
