// newswire-gateway: the wire over HTTP (REST, Server-Sent Events and the
// wire monitor page). See README.md "The HTTP gateway".
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "newswire/gateway/config.h"
#include "newswire/gateway/gateway.h"

namespace {

std::atomic<bool> g_stop{false};

// One descriptor per stream client: take the hard limit, not the default 1024.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using newswire::gateway::GatewayOptions;
  GatewayOptions options;
  CLI::App app{"newswire-gateway: the wire over HTTP (REST, Server-Sent Events, a web page)"};
  std::string config_path, hub, listen, access_file, www_dir, log_level = "info";
  int64_t heartbeat_ms = 0;
  std::size_t client_buffer = 0, recent = 0;
  app.add_option("--config", config_path, "TOML file; its keys mirror these flags")
      ->check(CLI::ExistingFile);
  auto* hub_opt =
      app.add_option("--hub", hub, "the daemon, tcp://HOST:PORT (tcp://127.0.0.1:7700)");
  auto* listen_opt = app.add_option(
      "--listen", listen, "HOST:PORT to serve HTTP on (127.0.0.1:8080; port 0 picks one)");
  auto* access_opt =
      app.add_option("--access-file", access_file,
                     "the daemon's access file: bearer tokens and feed grants; none: open access");
  std::string key_file, server_key_file;
  auto* key_opt =
      app.add_option("--key", key_file, "the gateway's CURVE secret key file, for a secure daemon")
          ->envname("NEWSWIRE_KEY");
  auto* server_key_opt =
      app.add_option("--server-key", server_key_file, "the daemon's public key file")
          ->envname("NEWSWIRE_SERVER_KEY");
  auto* www_opt = app.add_option("--www-dir", www_dir, "serve the page from this folder");
  auto* heartbeat_opt =
      app.add_option("--heartbeat-ms", heartbeat_ms, "SSE heartbeat comment interval (15000)");
  auto* buffer_opt = app.add_option("--client-buffer-bytes", client_buffer,
                                    "unsent bytes before a stream client is cut off (4194304)");
  auto* recent_opt =
      app.add_option("--recent-events", recent, "events kept for Last-Event-ID resumes (10000)");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off");
  CLI11_PARSE(app, argc, argv);

  if (!config_path.empty()) {
    if (auto ok = newswire::gateway::LoadConfigFile(config_path, options); !ok) {
      std::cerr << "newswire-gateway: " << ok.error().message << "\n";
      return 2;
    }
  }
  if (*hub_opt) options.hub = hub;
  if (*listen_opt) options.listen = listen;
  if (*access_opt) options.access_file = access_file;
  if (*key_opt) options.key_file = key_file;
  if (*server_key_opt) options.server_key_file = server_key_file;
  auto curve = newswire::security::LoadCurveClient(options.key_file, options.server_key_file);
  if (!curve) {
    std::cerr << "newswire-gateway: " << curve.error().message << "\n";
    return 2;
  }
  options.curve = std::move(*curve);
  if (*www_opt) options.www_dir = www_dir;
  if (*heartbeat_opt) options.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  if (*buffer_opt) options.client_buffer_bytes = client_buffer;
  if (*recent_opt) options.recent_events = recent;
  if (options.heartbeat.count() < 100 || options.client_buffer_bytes < 4096 ||
      options.recent_events < 1) {
    std::cerr << "newswire-gateway: --heartbeat-ms >= 100, --client-buffer-bytes >= 4096 and "
                 "--recent-events >= 1, please\n";
    return 2;
  }

  spdlog::set_default_logger(spdlog::stderr_color_mt("newswire-gateway"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  RaiseFileLimit();

  std::unique_ptr<newswire::gateway::Authenticator> auth;
  if (options.access_file.empty()) {
    auth = newswire::gateway::Authenticator::Open();
  } else {
    auto loaded = newswire::gateway::Authenticator::FromAccessFile(options.access_file);
    if (!loaded) {
      std::cerr << "newswire-gateway: " << loaded.error().message << "\n";
      return 2;
    }
    auth = std::move(*loaded);
  }
  auto gateway = newswire::gateway::Gateway::Start(options, std::move(auth));
  if (!gateway) {
    std::cerr << "newswire-gateway: " << gateway.error().ToString() << "\n";
    return gateway.error().code == newswire::v1::ERROR_CODE_UNAVAILABLE ? 3 : 2;
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::cout << "ready http://" << host << ":" << (*gateway)->port() << std::endl;
  spdlog::info("serving http://{}:{} for {}{}", host, (*gateway)->port(), options.hub,
               options.access_file.empty() ? " (open access)" : "");

  std::signal(SIGINT, [](int) { g_stop.store(true); });
  std::signal(SIGTERM, [](int) { g_stop.store(true); });
  std::signal(SIGPIPE, SIG_IGN);
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*gateway)->Stop();
  spdlog::info("stopped");
  return 0;
}
