#include "reactor.h"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace newswire::daemon {
namespace {

constexpr std::chrono::milliseconds kStopCheck{100};

}  // namespace

void Reactor::OnReadable(std::string name, zmq::socket_t& socket, Handler handler, Wanted wanted) {
  readers_.push_back({std::move(name), socket.handle(), -1, std::move(handler), std::move(wanted)});
}

void Reactor::OnReadable(std::string name, int fd, Handler handler, Wanted wanted) {
  readers_.push_back({std::move(name), nullptr, fd, std::move(handler), std::move(wanted)});
}

void Reactor::Every(std::string name, std::chrono::milliseconds interval, Handler handler) {
  timers_.push_back({std::move(name), interval, std::move(handler), SteadyClock::now() + interval});
}

void Reactor::AfterEachRound(std::string name, Handler handler) {
  checks_.push_back({std::move(name), std::move(handler)});
}

void Reactor::Dispatch(const std::string& name, const Handler& handler) {
  try {
    handler();
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) spdlog::error("{}: {}", name, e.what());
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", name, e.what());
  }
}

void Reactor::Run(const std::atomic<bool>& stop) {
  std::vector<zmq::pollitem_t> items;
  std::vector<const Reader*> polled;
  while (!stop.load() && !stopped_) {
    auto now = SteadyClock::now();
    auto wait = kStopCheck;
    for (const auto& timer : timers_) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::max(timer.due - now, SteadyClock::duration::zero())));
    }
    items.clear();
    polled.clear();
    for (const auto& reader : readers_) {
      if (reader.wanted && !reader.wanted()) continue;
      items.push_back({reader.socket, reader.fd, ZMQ_POLLIN, 0});
      polled.push_back(&reader);
    }
    try {
      zmq::poll(items.data(), items.size(), wait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::error("poll: {}", e.what());
      continue;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].revents & ZMQ_POLLIN) Dispatch(polled[i]->name, polled[i]->handler);
    }
    for (auto& timer : timers_) {
      if (SteadyClock::now() < timer.due) continue;
      Dispatch(timer.name, timer.handler);
      timer.due = SteadyClock::now() + timer.interval;
    }
    for (const auto& check : checks_) Dispatch(check.name, check.handler);
  }
}

}  // namespace newswire::daemon
