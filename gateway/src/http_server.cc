#include "http_server.h"

#include <utility>  // Before Asio: Boost 1.74's awaitable.hpp needs std::exchange.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace newswire::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(60);  // A keep-alive connection's wait.
constexpr auto kCloseLinger = std::chrono::seconds(5);   // Flushing a closed stream.
constexpr std::size_t kHeaderLimit = 16 * 1024;          // Request line and headers.
constexpr std::size_t kMaxBuffersPerWrite = 64;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (and '+' as a space in a query).
std::string Decode(std::string_view text, bool query) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else if (query && text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void ParseTarget(std::string_view target, Request& request) {
  const auto question = target.find('?');
  request.path = Decode(target.substr(0, question), false);
  if (question == std::string_view::npos) return;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    request.query.emplace(Decode(pair.substr(0, eq), true),
                          eq == std::string_view::npos ? "" : Decode(pair.substr(eq + 1), true));
  }
}

}  // namespace

std::string Request::Param(const std::string& key) const {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second;
}

std::vector<std::string> Request::Params(const std::string& key) const {
  std::vector<std::string> out;
  auto [begin, end] = query.equal_range(key);
  for (auto it = begin; it != end; ++it) {
    std::string_view rest = it->second;
    while (true) {
      const auto comma = rest.find(',');
      if (!rest.substr(0, comma).empty()) out.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return out;
}

// One connection: requests one after another (keep-alive), or one streamed
// response until either side closes. All state lives on the io thread;
// the public calls post to it.
class Session : public std::enable_shared_from_this<Session>, public Exchange, public Stream {
 public:
  Session(tcp::socket socket, std::shared_ptr<const Handler> handler,
          std::atomic<std::size_t>& open)
      : stream_(std::move(socket)),
        linger_(stream_.get_executor()),
        handler_(std::move(handler)),
        open_(open) {
    ++open_;
  }
  ~Session() override { --open_; }

  void Start() { ReadRequest(); }

  // Exchange.
  const Request& request() const override { return request_; }

  void Reply(Response response) override {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), response = std::move(response)]() mutable {
                self->WriteResponse(std::move(response));
              });
  }

  std::shared_ptr<Stream> StartStream(const std::string& content_type) override {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
                       "\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n"
                       "Connection: close\r\n\r\n";
    Send(std::make_shared<const std::string>(std::move(head)));
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->WatchForClose(); });
    return std::static_pointer_cast<Stream>(shared_from_this());
  }

  // Stream.
  void Send(std::shared_ptr<const std::string> chunk) override {
    queued_ += chunk->size();
    net::post(stream_.get_executor(), [self = shared_from_this(), chunk = std::move(chunk)] {
      if (self->gone_) {
        self->queued_ -= chunk->size();
        return;
      }
      self->queue_.push_back(chunk);
      self->WriteQueued();
    });
  }

  void Close() override {
    closing_ = true;
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->linger_.expires_after(kCloseLinger);
      self->linger_.async_wait([self](beast::error_code ec) {
        if (!ec) self->Shut();
      });
      self->WriteQueued();
    });
  }

  std::size_t queued_bytes() const override { return queued_.load(); }
  bool closed() const override { return closing_.load() || gone_.load(); }
  void OnClosed(std::function<void()> callback) override {
    net::post(stream_.get_executor(), [self = shared_from_this(), cb = std::move(callback)] {
      if (self->gone_) return cb();
      self->on_closed_ = cb;
    });
  }
  void OnDrained(std::function<void()> callback) override {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), cb = std::move(callback)] { self->on_drained_ = cb; });
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Shut();
                       self->Dispatch();
                     });
  }

  void Dispatch() {
    const auto& message = parser_->get();
    request_ = Request{};
    request_.method = std::string(message.method_string());
    const auto target = message.target();
    ParseTarget(std::string_view(target.data(), target.size()), request_);
    request_.authorization = std::string(message[http::field::authorization]);
    request_.last_event_id = std::string(message["Last-Event-ID"]);
    request_.accept = std::string(message[http::field::accept]);
    keep_alive_ = message.keep_alive();
    stream_.expires_never();
    (*handler_)(std::static_pointer_cast<Exchange>(shared_from_this()));
  }

  void WriteResponse(Response response) {
    if (gone_) return;
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    message->set(http::field::server, "newswire-gateway");
    message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    stream_.expires_after(kIdleTimeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) return self->Shut();
                        self->ReadRequest();
                      });
  }

  // A streamed response is close-delimited; a read that ends says the
  // client went away (it sends nothing more after its request).
  void WatchForClose() {
    stream_.socket().async_read_some(
        net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->Shut();
          self->WatchForClose();
        });
  }

  void WriteQueued() {
    if (writing_ || gone_) return;
    if (queue_.empty()) {
      if (closing_) Shut();
      return;
    }
    std::vector<net::const_buffer> buffers;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < queue_.size() && i < kMaxBuffersPerWrite; ++i) {
      buffers.emplace_back(net::buffer(*queue_[i]));
      bytes += queue_[i]->size();
    }
    writing_ = true;
    net::async_write(stream_.socket(), buffers,
                     [self = shared_from_this(), count = buffers.size(), bytes](
                         beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec) return self->Shut();
                       self->queue_.erase(self->queue_.begin(),
                                          self->queue_.begin() + static_cast<long>(count));
                       self->queued_ -= bytes;
                       if (self->on_drained_) self->on_drained_();
                       self->WriteQueued();
                     });
  }

  void Shut() {
    if (gone_.exchange(true)) return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    linger_.cancel();
    for (const auto& chunk : queue_) queued_ -= chunk->size();
    queue_.clear();
    if (auto cb = std::move(on_closed_)) cb();
    on_drained_ = nullptr;
  }

  beast::tcp_stream stream_;
  net::steady_timer linger_;
  std::shared_ptr<const Handler> handler_;
  std::atomic<std::size_t>& open_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  Request request_;
  bool keep_alive_ = false;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> closing_{false};
  std::atomic<bool> gone_{false};
  std::function<void()> on_closed_, on_drained_;
  char scratch_[512];
};

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& io, Handler h)
      : acceptor(io), handler(std::make_shared<const Handler>(std::move(h))) {}
  void Accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), self->handler, self->open)->Start();
      }
      self->Accept();
    });
  }
  tcp::acceptor acceptor;
  std::shared_ptr<const Handler> handler;
  std::atomic<std::size_t> open{0};
};

HttpServer::HttpServer(net::io_context& io, const std::string& host, uint16_t port, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(handler))) {
  tcp::endpoint endpoint(net::ip::make_address(host), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(net::socket_base::max_listen_connections);
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }
void HttpServer::Start() { impl_->Accept(); }
void HttpServer::Stop() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}
std::size_t HttpServer::open_connections() const { return impl_->open.load(); }

}  // namespace newswire::gateway
