// newswired: the Newswire daemon. See README.md "Running the daemon".
#include <csignal>
#include <cstdio>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "newswire/daemon/config.h"
#include "newswire/daemon/wire_daemon.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

void SetUpLogging(const newswire::daemon::LoggingOptions& logging) {
  auto logger = spdlog::stderr_color_mt("newswired");
  spdlog::set_default_logger(logger);
  // Level and format were checked with the command line (config.cc).
  spdlog::set_level(spdlog::level::from_str(logging.level));
  if (logging.format == "json") {
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto command_line =
      newswire::daemon::ParseCommandLine(std::vector<std::string>(argv, argv + argc));
  if (command_line.exit_code) {
    (*command_line.exit_code == 0 ? std::cout : std::cerr)
        << (*command_line.exit_code == 0 ? "" : "newswired: ") << command_line.message << "\n";
    return *command_line.exit_code;
  }
  const auto& config = command_line.config;
  const auto& d = config.daemon;
  SetUpLogging(config.logging);

  auto daemon = newswire::daemon::WireDaemon::Start(d);
  if (!daemon) {
    spdlog::critical("cannot start: {}", daemon.error().message);
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  spdlog::info("serving hub {} (ingest, fan-out +1, query +2), metrics {}, store {}, durability {}",
               (*daemon)->hub(), (*daemon)->metrics_address(), d.data_dir,
               d.durability == newswire::store::Durability::kSync ? "sync" : "async");
  // One line on stdout says the daemon is ready, for scripts and tests.
  std::cout << "ready " << (*daemon)->hub() << " " << (*daemon)->metrics_address() << std::endl;
  (*daemon)->Run(g_stop);
  return 0;
}
