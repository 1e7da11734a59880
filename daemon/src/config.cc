#include "newswire/daemon/config.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include "newswire/core/article.h"

namespace newswire::daemon {
namespace {

// Reads the TOML file into CLI11's config items with toml++, so newswired
// takes full TOML while CLI11 applies and validates every value exactly as
// it does a flag. Keys are flag names with `_` for `-`.
class TomlConfig final : public CLI::Config {
 public:
  explicit TomlConfig(const CLI::App& app) : app_(app) {}

  std::string to_config(const CLI::App* app, bool defaults, bool descriptions,
                        std::string prefix) const override {
    return CLI::ConfigTOML().to_config(app, defaults, descriptions, std::move(prefix));
  }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    const std::string text{std::istreambuf_iterator<char>(input), {}};
    toml::table table;
    try {
      table = toml::parse(text);
    } catch (const toml::parse_error& e) {
      std::ostringstream where;
      where << e.source().begin;
      throw CLI::ConfigError(std::string(e.description()) + " at " + where.str());
    }
    std::vector<CLI::ConfigItem> settings;
    for (const auto& [key, node] : table) {
      settings.push_back(Item(std::string(key.str()), node));
    }
    return settings;
  }

 private:
  CLI::ConfigItem Item(const std::string& key, const toml::node& node) const {
    CLI::ConfigItem item;
    item.name = key;
    std::replace(item.name.begin(), item.name.end(), '_', '-');
    const CLI::Option* option = app_.get_option_no_throw("--" + item.name);
    if (!option || !option->get_configurable() || key.find('-') != std::string::npos) {
      throw CLI::ConfigError("unknown key '" + key + "'");
    }
    // Every setting is text, an integer or (a flag) a boolean; the file
    // says which it gave.
    const bool flag = option->get_expected_min() == 0;
    const bool text = option->get_type_name().rfind("TEXT", 0) == 0;
    if (auto boolean = node.value_exact<bool>(); boolean && flag) {
      item.inputs = {*boolean ? "true" : "false"};
    } else if (flag) {
      throw CLI::ConfigError(key + " must be true or false");
    } else if (auto value = node.value_exact<std::string>(); value && text) {
      item.inputs = {*value};
    } else if (auto number = node.value_exact<int64_t>(); number && !text) {
      item.inputs = {std::to_string(*number)};
    } else {
      throw CLI::ConfigError(key + " must be " + (text ? "a string" : "an integer"));
    }
    return item;
  }

  const CLI::App& app_;
};

// Values that need converting after parsing.
struct Raw {
  std::string durability = "sync";
  std::string payload = "smallest";
  int64_t heartbeat_ms = 1000;
  std::size_t fanout_queue_mb = 64;
  std::string acks = "primary";
};

// Followers and failover (README "Followers", "Failover").
void AddReplicationOptions(CLI::App& app, Config& config, Raw& raw) {
  DaemonOptions& d = config.daemon;
  app.add_option("--follow", d.follow,
                 "tcp://HOST:PORT of a daemon to follow: copy its log, serve queries and "
                 "fan-out, refuse publishes");
  app.add_option("--follow-key", d.follow_key_file,
                 "this node's CURVE secret key file for a secure upstream (a replica there; "
                 "with --follow-server-key)");
  app.add_option("--follow-server-key", d.follow_server_key_file,
                 "the upstream's CURVE public key file (a cluster's nodes share one key pair)");
  app.add_option("--advertise", d.advertise,
                 "hub publishers should use for this daemon as primary (empty: --listen)");
  app.add_option("--max-replication-lag-s", d.max_replication_lag_s,
                 "/healthz fails on a follower this far behind its upstream")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--etcd", d.etcd,
                 "http://HOST:PORT[,...] of etcd: run as a node of a cluster with failover");
  app.add_option("--cluster", d.cluster, "the cluster's name in etcd")->capture_default_str();
  app.add_option("--node-name", d.node_name, "this node's name in the cluster (empty: its hub)");
  app.add_option("--acks", raw.acks,
                 "primary (ack once the primary holds a publish) or quorum (once a majority of "
                 "--replicas nodes does)")
      ->check(CLI::IsMember({"primary", "quorum"}))
      ->capture_default_str();
  app.add_option("--replicas", d.replicas, "nodes in the replica set, for quorum acks")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
}

// Every setting, with its one validation. `with_file` false takes --config
// as a plain string: used to tell whether a bad value came from the file.
void AddOptions(CLI::App& app, Config& config, Raw& raw, bool with_file) {
  DaemonOptions& d = config.daemon;
  if (with_file) {
    app.config_formatter(std::make_shared<TomlConfig>(app));
    app.set_config("--config", "",
                   "TOML file; its keys mirror these flags (data_dir for --data-dir)")
        ->check(CLI::ExistingFile);
    app.allow_config_extras(CLI::config_extras_mode::error);
  } else {
    app.add_option("--config", "TOML file")->configurable(false);
  }
  app.add_option("--listen", d.listen,
                 "tcp://HOST:PORT: ingest on PORT, fan-out on PORT+1, queries on PORT+2 "
                 "(port 0 picks free ports)")
      ->capture_default_str();
  app.add_option("--data-dir", d.data_dir, "store folder")->capture_default_str();
  app.add_option("--durability", raw.durability, "sync (fsync before ack) or async (WAL, no fsync)")
      ->check(CLI::IsMember({"sync", "async"}))
      ->capture_default_str();
  app.add_option("--payload", raw.payload,
                 "smallest (zstd delta, diff or full) or diff (never a delta: structured "
                 "diffs, version 1 in full)")
      ->check(CLI::IsMember({"smallest", "diff"}))
      ->capture_default_str();
  app.add_option("--log-level", config.logging.level, "trace|debug|info|warn|error|critical|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", config.logging.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--block-cache-mb", d.block_cache_mb, "RocksDB block cache")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--max-article-bytes", d.max_article_bytes, "article size limit")
      ->check(CLI::Range(std::size_t{1024}, core::kLargestArticleBytes))
      ->capture_default_str();
  app.add_option("--max-batch", d.max_batch, "publishes per group commit")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}))
      ->capture_default_str();
  app.add_option("--heartbeat-ms", raw.heartbeat_ms, "heartbeat interval per channel")
      ->check(CLI::Range(int64_t{10}, int64_t{60000}))
      ->capture_default_str();
  app.add_option("--fanout-hwm", d.fanout_hwm, "messages queued per subscriber before dropping")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--metrics-listen", d.metrics_listen,
                 "HOST:PORT for /metrics and /healthz (port 0 picks one; empty turns it off)")
      ->capture_default_str();
  app.add_option("--fanout-queue-mb", raw.fanout_queue_mb,
                 "bytes queued per subscriber before dropping, in MiB (lowers --fanout-hwm for "
                 "large events)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  app.add_option("--query-workers", d.query_workers,
                 "threads answering queries (one is kept for short requests)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{256}))
      ->capture_default_str();
  app.add_option("--backup-dir", d.backup_dir,
                 "folder backups requested through the daemon go into (empty: off)")
      ->capture_default_str();
  app.add_option("--retention-days", d.retention_days,
                 "remove revisions older than this (0 keeps all)")
      ->check(CLI::Range(0, 365'000))
      ->capture_default_str();
  app.add_option("--curve-secret-key", d.curve_secret_key_file,
                 "the daemon's CURVE secret key file (newswire keygen); with --access, turns "
                 "security on");
  app.add_option("--access", d.access_file,
                 "access file: identities by public key, roles and feed grants (re-read on "
                 "SIGHUP and `newswire admin reload`)");
  app.add_flag("--insecure", d.insecure,
               "listen beyond loopback without CURVE (anyone who reaches the ports may publish "
               "and read everything)");
  AddReplicationOptions(app, config, raw);
}

// Why parsing stopped: CLI11's exit code (0 for --help) and message.
struct Stop {
  int exit_code = 0;
  std::string message;
  bool file_unreadable = false;  // The config file is missing or unreadable.
  bool file_invalid = false;     // Its TOML, a key or a value's type.
};

// Parses into `config`; why it stopped, if it did.
std::optional<Stop> Parse(const std::vector<std::string>& args, Config& config, bool with_file,
                          std::string& help) {
  CLI::App app{"newswired: the Newswire daemon (ingest, fan-out and query service)", "newswired"};
  Raw raw;
  AddOptions(app, config, raw, with_file);
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::FileError& e) {
    return Stop{e.get_exit_code(), e.what(), true, false};
  } catch (const CLI::ConfigError& e) {
    return Stop{e.get_exit_code(), e.what(), false, true};
  } catch (const CLI::ParseError& e) {
    help = app.help();
    return Stop{e.get_exit_code(), e.what()};
  }
  config.daemon.durability = *store::ParseDurability(raw.durability);
  config.daemon.deltas = *ParsePayload(raw.payload);
  config.daemon.heartbeat_interval = std::chrono::milliseconds(raw.heartbeat_ms);
  config.daemon.fanout_queue_bytes = raw.fanout_queue_mb << 20;
  config.daemon.quorum_acks = raw.acks == "quorum";
  return std::nullopt;
}

// "--max-batch: Value 0 not in range ..." as the file says it: "max_batch: ...".
std::string AsFileKey(std::string message) {
  if (message.rfind("--", 0) != 0) return message;
  const std::size_t colon = message.find(':');
  auto name_end = message.begin() + static_cast<std::ptrdiff_t>(std::min(colon, message.size()));
  std::replace(message.begin(), name_end, '-', '_');
  return message.substr(2);
}

std::string ConfigPath(const std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) return args[i].substr(9);
  }
  return "";
}

}  // namespace

std::optional<bool> ParsePayload(std::string_view name) {
  if (name == "smallest") return true;
  if (name == "diff") return false;
  return std::nullopt;
}

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine out;
  std::string help;
  auto stop = Parse(args, out.config, /*with_file=*/true, help);
  if (!stop) return out;
  if (stop->exit_code == 0) {  // --help
    out.exit_code = 0;
    out.message = help;
    return out;
  }
  out.exit_code = 2;
  out.message = stop->message;
  const std::string path = ConfigPath(args);
  if (path.empty() || stop->file_unreadable || out.message.rfind("--config", 0) == 0) return out;
  // The same flags without the file: if they pass, the file was at fault.
  Config flags_only;
  std::string unused;
  if (stop->file_invalid || !Parse(args, flags_only, /*with_file=*/false, unused)) {
    out.message = "config " + path + ": " + AsFileKey(out.message);
  }
  return out;
}

}  // namespace newswire::daemon
