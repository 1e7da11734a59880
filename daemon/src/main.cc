// newswired: the Newswire daemon. See README.md "Running the daemon".
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

#ifdef NEWSWIRE_TCMALLOC
#include <gperftools/malloc_extension.h>
#else
#include <malloc.h>
#endif

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "newswire/daemon/config.h"
#include "newswire/daemon/wire_daemon.h"

namespace {

std::atomic<bool> g_stop{false};
newswire::daemon::WireDaemon* g_daemon = nullptr;

void OnSignal(int) { g_stop.store(true); }
void OnHangUp(int) {
  if (g_daemon) g_daemon->RequestAccessReload();
}

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

// Gives memory the allocator keeps for reuse back to the system (after a
// subscriber's queue is freed).
void ReleaseFreeMemory() {
#ifdef NEWSWIRE_TCMALLOC
  MallocExtension::instance()->ReleaseFreeMemory();
#else
  malloc_trim(0);
#endif
}

// The same command line, on the addresses actually bound (port 0 picked
// free ports, which clients now use).
std::vector<std::string> SameAddresses(int argc, char** argv, const std::string& hub,
                                       const std::string& metrics) {
  std::vector<std::string> args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--listen" || arg == "--metrics-listen") {
      ++i;  // And its value.
      continue;
    }
    if (arg.rfind("--listen=", 0) == 0 || arg.rfind("--metrics-listen=", 0) == 0) continue;
    args.push_back(arg);
  }
  args.insert(args.end(), {"--listen", hub, "--metrics-listen",
                           metrics.empty() ? "" : metrics.substr(metrics.find("//") + 2)});
  return args;
}

}  // namespace

// An old primary's store that wrote past what the new primary holds: kept
// whole (a compliance record of what was truncated), never deleted; the
// next start copies the new primary's log into a fresh store.
int KeepDivergedStoreAside(const std::string& data_dir) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::string aside =
      data_dir + ".diverged-" +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  std::error_code error;
  std::filesystem::rename(data_dir, aside, error);
  if (error) {
    spdlog::critical("cannot move the diverged store {} aside: {}", data_dir, error.message());
    return 1;
  }
  spdlog::critical(
      "the diverged store is kept at {} (its revisions past the new primary's log were never "
      "copied; newswire admin verify --data-dir reads it); start again to copy the new "
      "primary's log",
      aside);
  return 3;
}

int main(int argc, char** argv) {
  // Everything the daemon writes (the store, its backups, ACKED) is the
  // owner's alone: held embargoed text is in there.
  umask(077);
  auto command_line =
      newswire::daemon::ParseCommandLine(std::vector<std::string>(argv, argv + argc));
  if (command_line.exit_code) {
    (*command_line.exit_code == 0 ? std::cout : std::cerr)
        << (*command_line.exit_code == 0 ? "" : "newswired: ") << command_line.message << "\n";
    return *command_line.exit_code;
  }
  auto config = command_line.config;
  auto& d = config.daemon;
  d.release_memory = ReleaseFreeMemory;
  SetUpLogging(config.logging);

  auto daemon = newswire::daemon::WireDaemon::Start(d);
  if (!daemon) {
    spdlog::critical("cannot start: {}", daemon.error().message);
    return 1;
  }
  g_daemon = daemon->get();
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGHUP, OnHangUp);
  spdlog::info("serving hub {} (ingest, fan-out +1, query +2), metrics {}, store {}, durability {}",
               (*daemon)->hub(), (*daemon)->metrics_address(), d.data_dir,
               d.durability == newswire::store::Durability::kSync ? "sync" : "async");
  // One line on stdout says the daemon is ready, for scripts and tests.
  std::cout << "ready " << (*daemon)->hub() << " " << (*daemon)->metrics_address() << std::endl;
  (*daemon)->Run(g_stop);
  if ((*daemon)->restart_requested() && !g_stop.load()) {
    auto args = SameAddresses(argc, argv, (*daemon)->hub(), (*daemon)->metrics_address());
    g_daemon = nullptr;
    daemon->reset();  // Closes the store (and every socket) first.
    spdlog::info("starting again on {}", d.data_dir);
    spdlog::shutdown();
    std::vector<char*> again;
    for (auto& arg : args) again.push_back(arg.data());
    again.push_back(nullptr);
    execv("/proc/self/exe", again.data());
    std::perror("newswired: cannot start again");
    return 1;
  }
  if (auto failure = (*daemon)->failure(); !failure.empty()) {
    spdlog::critical("stopped: {}", failure);
    if ((*daemon)->diverged()) {
      daemon->reset();  // Closes the store.
      return KeepDivergedStoreAside(d.data_dir);
    }
    return 1;
  }
  return 0;
}
