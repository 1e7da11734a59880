// newswired's settings: command-line flags and one TOML file (`--config`)
// whose keys are the flags' names with `_` for `-` (`data_dir` for
// `--data-dir`). CLI11 reads both into the same options, so each value has
// one validation whichever way it came; a flag given on the command line
// wins over the file. toml++ reads the file (full TOML: errors say line and
// column); unknown keys, tables, values of the wrong type or range are
// refused naming the file and the key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newswire/core/error.h"
#include "newswire/daemon/wire_daemon.h"

namespace newswire::daemon {

struct LoggingOptions {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text or json
};

struct Config {
  DaemonOptions daemon;
  LoggingOptions logging;
};

// What newswired's command line asks for: run with `config`, or exit at once
// with `exit_code` after printing `message` (the help text, exit code 0, on
// stdout; a usage or config error, exit code 2, on stderr).
struct CommandLine {
  Config config;
  std::optional<int> exit_code;
  std::string message;
};

// Parses `args` (args[0] is the program name). Pure apart from reading the
// config file; call from any thread.
CommandLine ParseCommandLine(const std::vector<std::string>& args);

// The `payload` setting: "smallest" (zstd deltas allowed) is true, "diff"
// (structured diffs only) false; nullopt for anything else.
std::optional<bool> ParsePayload(std::string_view name);

}  // namespace newswire::daemon
