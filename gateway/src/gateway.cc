#include "newswire/gateway/gateway.h"

#include <utility>  // Before Asio (Boost 1.74 needs std::exchange declared).

#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "http_server.h"
#include "live_wire.h"
#include "newswire/core/numbers.h"
#include "routes.h"

namespace newswire::gateway {
namespace {

namespace net = boost::asio;

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Fail(v1::ERROR_CODE_MALFORMED, "--listen wants HOST:PORT, not '" + listen + "'");
  }
  if (auto port = core::ParseNumber<uint16_t>(std::string_view(listen).substr(colon + 1))) {
    return std::pair{listen.substr(0, colon), *port};
  }
  return Fail(v1::ERROR_CODE_MALFORMED, "--listen wants HOST:PORT, not '" + listen + "'");
}

class GatewayImpl : public Gateway {
 public:
  GatewayImpl(const GatewayOptions& options, std::unique_ptr<Authenticator> auth)
      : options_(options), auth_(std::move(auth)), work_(net::make_work_guard(io_)) {}

  Result<void> Open() {
    auto listen = ParseListen(options_.listen);
    if (!listen) return Fail(listen.error());
    auto live = LiveWire::Start(io_, options_);
    if (!live) return Fail(live.error());
    live_ = std::move(*live);
    routes_ = std::make_unique<Routes>(options_, *auth_, *live_);
    try {
      server_ = std::make_unique<HttpServer>(
          io_, listen->first, listen->second,
          [routes = routes_.get()](std::shared_ptr<Exchange> exchange) {
            routes->Handle(std::move(exchange));
          });
    } catch (const std::exception& error) {
      return Fail(v1::ERROR_CODE_MALFORMED,
                  "cannot listen on " + options_.listen + ": " + error.what());
    }
    server_->Start();
    io_thread_ = std::thread([this] { io_.run(); });
    return {};
  }

  ~GatewayImpl() override { Stop(); }

  uint16_t port() const override { return server_->port(); }

  void Wait() override {
    std::unique_lock lock(mutex_);
    stopped_cv_.wait(lock, [&] { return stopped_; });
  }

  void Stop() override {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    if (live_) live_->Stop();  // Joins the subscriber and catch-up threads.
    io_.stop();                // No handler runs after this; connections close with io_.
    if (io_thread_.joinable()) io_thread_.join();
    routes_.reset();  // Waits for queries and replays in progress.
    std::lock_guard lock(mutex_);
    stopped_ = true;
    stopped_cv_.notify_all();
  }

 private:
  GatewayOptions options_;
  std::unique_ptr<Authenticator> auth_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::unique_ptr<LiveWire> live_;
  std::unique_ptr<Routes> routes_;
  std::unique_ptr<HttpServer> server_;
  std::thread io_thread_;
  std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& options,
                                                std::unique_ptr<Authenticator> auth) {
  auto gateway = std::make_unique<GatewayImpl>(options, std::move(auth));
  if (auto ok = gateway->Open(); !ok) return Fail(ok.error());
  return std::unique_ptr<Gateway>(std::move(gateway));
}

}  // namespace newswire::gateway
