#include "newswire/gateway/config.h"

#include <toml++/toml.h>

namespace newswire::gateway {
namespace {

template <typename T>
Result<void> ReadCount(const toml::node& node, const std::string& where, T& out, int64_t least) {
  auto value = node.value<int64_t>();
  if (!value || *value < least) {
    return Fail(v1::ERROR_CODE_MALFORMED, where + " wants an integer >= " + std::to_string(least));
  }
  out = static_cast<T>(*value);
  return {};
}

}  // namespace

Result<void> LoadConfigFile(const std::string& path, GatewayOptions& options) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return Fail(v1::ERROR_CODE_MALFORMED, path + ": " + std::string(error.description()));
  }
  for (const auto& [key_name, node] : table) {
    const std::string key(key_name.str());
    const std::string where = path + ": " + key;
    auto text = [&](std::string& out) -> Result<void> {
      auto value = node.value<std::string>();
      if (!value) return Fail(v1::ERROR_CODE_MALFORMED, where + " wants a string");
      out = *value;
      return {};
    };
    int64_t ms = 0;
    Result<void> ok;
    if (key == "hub")
      ok = text(options.hub);
    else if (key == "listen")
      ok = text(options.listen);
    else if (key == "access_file")
      ok = text(options.access_file);
    else if (key == "key_file")
      ok = text(options.key_file);
    else if (key == "server_key_file")
      ok = text(options.server_key_file);
    else if (key == "www_dir")
      ok = text(options.www_dir);
    else if (key == "heartbeat_ms") {
      ok = ReadCount(node, where, ms, 100);
      options.heartbeat = std::chrono::milliseconds(ms);
    } else if (key == "query_timeout_ms") {
      ok = ReadCount(node, where, ms, 10);
      options.query_timeout = std::chrono::milliseconds(ms);
    } else if (key == "recent_events")
      ok = ReadCount(node, where, options.recent_events, 1);
    else if (key == "client_buffer_bytes") {
      ok = ReadCount(node, where, options.client_buffer_bytes, 4096);
    } else if (key == "query_workers")
      ok = ReadCount(node, where, options.query_workers, 1);
    else if (key == "max_catchups")
      ok = ReadCount(node, where, options.max_catchups, 1);
    else if (key == "max_replays")
      ok = ReadCount(node, where, options.max_replays, 1);
    else
      return Fail(v1::ERROR_CODE_MALFORMED, where + ": unknown key");
    if (!ok) return ok;
  }
  return {};
}

}  // namespace newswire::gateway
