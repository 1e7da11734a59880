// The daemon's event loop. Each event source is a named handler registered
// once, as the zguide's clonesrv6 registers its sockets and timers with a
// reactor (czmq's zloop): readable sockets and file descriptors, timers,
// and checks after every round. Run polls them and calls each ready one;
// an exception a handler lets out is logged with its name and the loop
// goes on. Single-threaded: register before Run, and call Run once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace newswire::daemon {

class Reactor {
 public:
  using Handler = std::function<void()>;
  using Wanted = std::function<bool()>;

  // `handler` runs when `socket` (or `fd`) is readable, in registration
  // order, but only while `wanted` says so (null: always): back-pressure
  // is a source that is not polled.
  void OnReadable(std::string name, zmq::socket_t& socket, Handler handler, Wanted wanted = {});
  void OnReadable(std::string name, int fd, Handler handler, Wanted wanted = {});
  // `handler` runs every `interval` (steady clock), first one interval on.
  void Every(std::string name, std::chrono::milliseconds interval, Handler handler);
  // `handler` runs after every round of polling (at least every 100 ms):
  // for deadlines kept by a clock other than the steady one.
  void AfterEachRound(std::string name, Handler handler);

  // Polls and dispatches until `stop` is true or a handler called Stop
  // (checked every 100 ms at most).
  void Run(const std::atomic<bool>& stop);
  void Stop() { stopped_ = true; }

 private:
  using SteadyClock = std::chrono::steady_clock;
  struct Reader {
    std::string name;
    void* socket = nullptr;
    int fd = -1;
    Handler handler;
    Wanted wanted;
  };
  struct Timer {
    std::string name;
    std::chrono::milliseconds interval;
    Handler handler;
    SteadyClock::time_point due;
  };
  struct Check {
    std::string name;
    Handler handler;
  };

  void Dispatch(const std::string& name, const Handler& handler);

  std::vector<Reader> readers_;
  std::vector<Timer> timers_;
  std::vector<Check> checks_;
  bool stopped_ = false;
};

}  // namespace newswire::daemon
