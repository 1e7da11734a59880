// newswired: the Newswire daemon. See README.md "Running the daemon".
#include <csignal>
#include <cstdio>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "newswire/core/article.h"
#include "newswire/daemon/config.h"
#include "newswire/daemon/wire_daemon.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

bool SetUpLogging(const newswire::daemon::LoggingOptions& logging) {
  auto logger = spdlog::stderr_color_mt("newswired");
  spdlog::set_default_logger(logger);
  auto level = spdlog::level::from_str(logging.level);
  if (level == spdlog::level::off && logging.level != "off") {
    std::cerr << "newswired: unknown log level '" << logging.level << "'\n";
    return false;
  }
  spdlog::set_level(level);
  if (logging.format == "json") {
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else if (logging.format == "text") {
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  } else {
    std::cerr << "newswired: --log-format must be text or json\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using newswire::daemon::Config;
  Config config;
  CLI::App app{"newswired: the Newswire daemon (ingest, fan-out and query service)"};
  std::string config_path;
  std::string listen, data_dir, durability, log_level, log_format;
  std::size_t block_cache_mb = 0, max_article_bytes = 0, max_batch = 0;
  int64_t heartbeat_ms = 0;
  app.add_option("--config", config_path, "TOML file; its keys mirror these flags")
      ->check(CLI::ExistingFile);
  auto* listen_opt =
      app.add_option("--listen", listen,
                     "tcp://HOST:PORT: ingest on PORT, fan-out on PORT+1, queries on PORT+2 "
                     "(default tcp://127.0.0.1:7700; port 0 picks free ports)");
  auto* data_opt = app.add_option("--data-dir", data_dir, "store folder (default newswire-data)");
  auto* durability_opt = app.add_option(
      "--durability", durability, "sync (fsync before ack, default) or async (WAL, no fsync)");
  auto* level_opt = app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off");
  auto* format_opt = app.add_option("--log-format", log_format, "text or json");
  auto* cache_opt = app.add_option("--block-cache-mb", block_cache_mb, "RocksDB block cache (64)");
  auto* size_opt =
      app.add_option("--max-article-bytes", max_article_bytes, "article size limit (1048576)")
          ->check(CLI::Range(std::size_t{1024}, newswire::core::kLargestArticleBytes));
  auto* batch_opt = app.add_option("--max-batch", max_batch, "publishes per group commit (256)");
  auto* heartbeat_opt =
      app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval per channel (1000)");
  std::string metrics_listen;
  auto* metrics_opt = app.add_option("--metrics-listen", metrics_listen,
                                     "HOST:PORT for /metrics and /healthz (127.0.0.1:7780; "
                                     "port 0 picks one; empty turns it off)");
  int retention_days = 0;
  auto* retention_opt = app.add_option("--retention-days", retention_days,
                                       "remove revisions older than this (0: keep all, default)");
  std::string payload;
  auto* payload_opt = app.add_option("--payload", payload,
                                     "smallest (zstd delta, diff or full, default) or diff "
                                     "(never a delta: structured diffs, version 1 in full)");
  int fanout_hwm = 0;
  auto* hwm_opt = app.add_option("--fanout-hwm", fanout_hwm,
                                 "messages queued per subscriber before dropping (100000)");
  CLI11_PARSE(app, argc, argv);

  if (!config_path.empty()) {
    if (auto ok = newswire::daemon::LoadConfigFile(config_path, config); !ok) {
      std::cerr << "newswired: " << ok.error().message << "\n";
      return 2;
    }
  }
  // Flags override the file.
  auto& d = config.daemon;
  if (*listen_opt) d.listen = listen;
  if (*data_opt) d.data_dir = data_dir;
  if (*durability_opt) {
    auto mode = newswire::store::ParseDurability(durability);
    if (!mode) {
      std::cerr << "newswired: --durability must be sync or async\n";
      return 2;
    }
    d.durability = *mode;
  }
  if (*payload_opt) {
    auto deltas = newswire::daemon::ParsePayload(payload);
    if (!deltas) {
      std::cerr << "newswired: --payload must be smallest or diff\n";
      return 2;
    }
    d.deltas = *deltas;
  }
  if (*level_opt) config.logging.level = log_level;
  if (*format_opt) config.logging.format = log_format;
  if (*cache_opt) d.block_cache_mb = block_cache_mb;
  if (*size_opt) d.max_article_bytes = max_article_bytes;
  if (*batch_opt) d.max_batch = std::max<std::size_t>(1, max_batch);
  if (*heartbeat_opt)
    d.heartbeat_interval = std::chrono::milliseconds(std::max<int64_t>(10, heartbeat_ms));
  if (*metrics_opt) d.metrics_listen = metrics_listen;
  if (*retention_opt) d.retention_days = std::max(0, retention_days);
  if (*hwm_opt) d.fanout_hwm = std::max(1, fanout_hwm);
  if (!SetUpLogging(config.logging)) return 2;

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
