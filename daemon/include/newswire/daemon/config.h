// Daemon configuration: one TOML file whose keys mirror the command-line
// flags (listen, data_dir, durability, ...); flags override the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "newswire/core/error.h"
#include "newswire/daemon/wire_daemon.h"

namespace newswire::daemon {

struct LoggingOptions {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "text";  // text or json
};

struct Config {
  DaemonOptions daemon;
  LoggingOptions logging;
};

// Reads `path` over `config`: keys the file sets replace the values in
// `config`. MALFORMED, naming the file and key, for a syntax error, an
// unknown key, or a value of the wrong type or range.
Result<void> LoadConfigFile(const std::string& path, Config& config);

// The `payload` setting: "smallest" (zstd deltas allowed) is true, "diff"
// (structured diffs only) false; nullopt for anything else.
std::optional<bool> ParsePayload(std::string_view name);

}  // namespace newswire::daemon
