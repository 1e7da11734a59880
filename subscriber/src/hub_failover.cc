// A subscriber over several hubs (the nodes of a cluster, or a primary and
// its followers): it follows one, and when that one's live connection stays
// down past options.failover_after (or its socket fails), it resumes on the
// next by wire sequence. Every node holds the same log with the same
// sequences and events (README "Followers"), so resuming from the last
// delivered wire sequence + 1 gives no gap and no duplicate.
#include "hub_failover.h"

#include <algorithm>

#include "newswire/core/clock.h"

namespace newswire::subscriber {
namespace {

using SteadyClock = std::chrono::steady_clock;

class HubFailover final : public Subscriber {
 public:
  HubFailover(SubscriberOptions options, std::vector<std::string> hubs, std::size_t current,
              std::unique_ptr<Subscriber> inner)
      : options_(std::move(options)),
        hubs_(std::move(hubs)),
        current_(current),
        inner_(std::move(inner)) {}

  Result<std::optional<Notice>> Next(std::chrono::milliseconds timeout) override {
    const auto deadline = SteadyClock::now() + timeout;
    while (true) {
      auto wait = std::max(std::chrono::milliseconds(0), Until(deadline));
      if (down_since_)
        wait = std::min(wait, std::max(std::chrono::milliseconds(0),
                                       Until(*down_since_ + options_.failover_after)));
      auto notice = inner_->Next(wait);
      if (!notice && notice.error().code != v1::ERROR_CODE_UNAVAILABLE) return notice;
      if (notice && *notice) {
        Observe(**notice);
        return notice;
      }
      const bool failed = !notice;
      const bool down_too_long =
          down_since_ && SteadyClock::now() >= *down_since_ + options_.failover_after;
      if (failed || down_too_long) {
        if (auto switched = SwitchHub()) return std::optional<Notice>(std::move(*switched));
        if (failed) return notice;  // No hub answers: the caller decides.
      }
      if (SteadyClock::now() >= deadline) return std::optional<Notice>();
    }
  }

  uint64_t last_delivered_wire_seq() const override {
    return std::max(last_delivered_, inner_->last_delivered_wire_seq());
  }

  Lag lag() const override { return inner_->lag(); }

 private:
  static std::chrono::milliseconds Until(SteadyClock::time_point when) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(when - SteadyClock::now());
  }

  void Observe(const Notice& notice) {
    if (const auto* delivery = std::get_if<Delivery>(&notice)) {
      last_delivered_ = std::max(last_delivered_, delivery->event.wire_seq());
    } else if (const auto* change = std::get_if<ConnectionChange>(&notice)) {
      if (change->connected) {
        down_since_.reset();
      } else if (!down_since_) {
        down_since_ = SteadyClock::now();
      }
    }
  }

  // Tries every other hub in turn, then the current one afresh; resumes
  // after the last delivered revision (or as first asked, before any). None
  // answering: keeps the old connection (ZeroMQ still retries it) and tries
  // again after another failover_after.
  std::optional<ConnectionChange> SwitchHub() {
    SubscriberOptions options = options_;
    if (const uint64_t last = last_delivered_wire_seq(); last > 0) {
      options.since_wire_seq = last + 1;
      options.since_time.reset();
    }
    for (std::size_t tried = 1; tried <= hubs_.size(); ++tried) {
      const std::size_t next = (current_ + tried) % hubs_.size();
      options.hub = hubs_[next];
      auto connected = Subscriber::Connect(options);
      if (!connected) continue;
      last_delivered_ = last_delivered_wire_seq();
      inner_ = std::move(*connected);
      current_ = next;
      down_since_.reset();
      return ConnectionChange{true, hubs_[next], /*switched_hub=*/true};
    }
    down_since_ = SteadyClock::now();
    return std::nullopt;
  }

  SubscriberOptions options_;
  std::vector<std::string> hubs_;
  std::size_t current_;
  std::unique_ptr<Subscriber> inner_;
  uint64_t last_delivered_ = 0;
  std::optional<SteadyClock::time_point> down_since_;  // Live connection lost at.
};

}  // namespace

std::vector<std::string> SplitHubs(const std::string& hubs) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = hubs.find(',', start);
    out.push_back(hubs.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

Result<std::unique_ptr<Subscriber>> ConnectToAnyHub(const SubscriberOptions& options) {
  const std::vector<std::string> hubs = SplitHubs(options.hub);
  Error last{v1::ERROR_CODE_UNAVAILABLE, "no hub given", 0};
  for (std::size_t i = 0; i < hubs.size(); ++i) {
    SubscriberOptions one = options;
    one.hub = hubs[i];
    auto connected = Subscriber::Connect(one);
    if (connected) {
      return std::unique_ptr<Subscriber>(
          std::make_unique<HubFailover>(options, hubs, i, std::move(*connected)));
    }
    if (connected.error().code != v1::ERROR_CODE_UNAVAILABLE) return Fail(connected.error());
    last = connected.error();
  }
  return Fail(last);
}

}  // namespace newswire::subscriber
