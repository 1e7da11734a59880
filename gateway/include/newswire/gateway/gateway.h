// newswire-gateway: the wire over HTTP. A separate process on the client
// libraries (the subscriber library for the live stream, its gap repair and
// late join; the query client for REST), so the daemon's hot path never
// sees an HTTP client.
//
//   GET /v1/articles/{id}[?version=N|?as_of=RFC3339]   one version (as `newswire get --json`)
//   GET /v1/articles/{id}/history                      every version
//   GET /v1/articles/{id}/diff?from=N&to=M             word diff between any two versions
//   GET /v1/articles/{id}/blame                        version of each paragraph's text
//   GET /v1/replay?from=&to=&feed=&instrument=&topic=  NDJSON, as `newswire replay --json`
//   GET /v1/stream?feed=&instrument=&topic=            Server-Sent Events, resumable
//   GET /v1/openapi.json, GET /healthz, GET / (the wire monitor page)
//
// Errors are {"error": {"code", "message"}} with the wire's error code and
// the matching HTTP status. Threads: one io thread for every connection, a
// few workers for queries, one for the live subscriber, and one per catch-up
// or replay in progress (each bounded).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "newswire/core/error.h"
#include "newswire/gateway/auth.h"
#include "newswire/security/curve.h"

namespace newswire::gateway {

struct GatewayOptions {
  std::string hub = "tcp://127.0.0.1:7700";
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one.
  std::string access_file;  // The daemon's access file: bearer tokens and grants (auth.h).
  // The gateway's own CURVE key and the daemon's public key, for a secure
  // daemon (--key, --server-key). Its identity must read every feed: it
  // serves every reader, each within its own grants.
  std::string key_file, server_key_file;
  std::optional<security::CurveClient> curve;  // Loaded from them.
  std::string www_dir;  // Serve the page from this folder, not the built-in copy.
  std::chrono::milliseconds heartbeat{15000};         // SSE comment when nothing else went out.
  std::chrono::milliseconds query_timeout{3000};      // Per query to the daemon.
  std::size_t recent_events = 10000;                  // Held for Last-Event-ID resumes.
  std::size_t client_buffer_bytes = 4 * 1024 * 1024;  // Unsent per client before cut-off.
  unsigned query_workers = 4;
  unsigned max_catchups = 8;  // Concurrent Last-Event-ID catch-ups from the store.
  unsigned max_replays = 4;   // Concurrent /v1/replay streams.
};

class Gateway {
 public:
  // Connects to the hub's live wire (waits up to connect_timeout for the
  // daemon), binds the listen address and starts serving. UNAVAILABLE when
  // the daemon does not answer, MALFORMED for a bad address, access file or
  // port in use, UNAUTHORIZED when the daemon refuses the gateway's key or
  // its identity does not read every feed.
  static Result<std::unique_ptr<Gateway>> Start(const GatewayOptions& options,
                                                std::unique_ptr<Authenticator> auth);
  virtual ~Gateway() = default;

  virtual uint16_t port() const = 0;
  // Blocks until Stop (from another thread or a signal handler's flag).
  virtual void Wait() = 0;
  // Thread-safe; closes every connection.
  virtual void Stop() = 0;

 protected:
  Gateway() = default;
};

}  // namespace newswire::gateway
