// The HTTP/1.1 server under the gateway: Boost.Beast on one Asio
// io_context thread. Every connection is a few hundred bytes of state, not
// a thread, so thousands of Server-Sent Events clients cost little.
//
// A handler runs on the io thread and must not block: it answers at once
// with Reply, or hands the work to another thread, which answers later
// through the same Exchange (Reply and the Stream calls are thread-safe),
// or starts a Stream: a response whose body is written as it is produced
// (close-delimited, for text/event-stream and NDJSON).
//
// Private to the gateway.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace newswire::gateway {

struct Request {
  std::string method;
  std::string path;                               // Decoded, without the query.
  std::multimap<std::string, std::string> query;  // Decoded; a key may repeat.
  std::string authorization;                      // The Authorization header.
  std::string last_event_id;                      // The Last-Event-ID header.
  std::string accept;

  // The first value of a query parameter, or "".
  std::string Param(const std::string& key) const;
  // Every value of a parameter, comma-separated values split.
  std::vector<std::string> Params(const std::string& key) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A streamed response body. Send and Close may be called from any thread;
// the bytes go out in order. `queued_bytes` is what is accepted but not yet
// written to the socket: the producer's measure of a slow reader.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual void Send(std::shared_ptr<const std::string> chunk) = 0;
  // Ends the response once everything sent is written (or after `linger`).
  virtual void Close() = 0;
  virtual std::size_t queued_bytes() const = 0;
  virtual bool closed() const = 0;  // The client went away or Close was called.
  // Runs once, on the io thread, when the connection is gone.
  virtual void OnClosed(std::function<void()> callback) = 0;
  // Runs on the io thread whenever queued bytes drop after a write.
  virtual void OnDrained(std::function<void()> callback) = 0;
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const Request& request() const = 0;
  virtual void Reply(Response response) = 0;
  // Sends the status line and headers; the body follows through the Stream.
  virtual std::shared_ptr<Stream> StartStream(const std::string& content_type) = 0;
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

class HttpServer {
 public:
  // Binds host:port (0 picks a free port). Throws std::system_error when it
  // cannot bind.
  HttpServer(boost::asio::io_context& io, const std::string& host, uint16_t port, Handler handler);
  ~HttpServer();
  uint16_t port() const;
  void Start();  // Accepts connections on the io context.
  void Stop();   // Stops accepting (io thread).
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace newswire::gateway
