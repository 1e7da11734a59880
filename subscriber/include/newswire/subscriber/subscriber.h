// The subscriber library: follows channels of the live wire, rebuilds every
// article from the diffs it receives and checks each against its content
// hash, repairing from the query service when anything does not fit.
//
// A Subscriber owns its ZeroMQ context and sockets; use it from one thread.
// `Connect` returns once the daemon has confirmed every subscription (its
// first heartbeat on each channel), so nothing published after that is
// missed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "newswire/core/error.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::subscriber {

struct SubscriberOptions {
  std::string hub = "tcp://127.0.0.1:7700";
  // Channels to follow; all empty means the whole wire.
  std::vector<std::string> feeds;        // e.g. "equities-asia"
  std::vector<std::string> instruments;  // "MIC:SYMBOL", e.g. "XTKS:9984"
  std::vector<std::string> topics;       // e.g. "M&A"
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds query_timeout{2000};
};

// One revision as handed to the application.
struct Delivery {
  v1::RevisionEvent event;  // As received: the diff (or full article).
  v1::Article article;      // The article rebuilt at event.version().
  std::string channel;      // Channel topic it arrived on.
  uint64_t channel_seq = 0;
  std::size_t event_bytes = 0;  // Bytes of the message on the wire.
  bool verified = false;        // Rebuilt article matches event.content_hash().
  bool repaired = false;        // Diff did not fit; full version was fetched.
  std::string problem;          // Why it is unverified or was repaired.
};

// Revisions the subscriber knows it did not receive on a channel.
struct Gap {
  std::string channel;
  uint64_t first_missing = 0;
  uint64_t last_missing = 0;
};

struct Notice {
  std::optional<Delivery> revision;
  std::optional<Gap> gap;
};

class Subscriber {
 public:
  // Subscribes and waits for the daemon to confirm. UNAVAILABLE when it does
  // not within options.connect_timeout; MALFORMED for a bad hub or channel.
  static Result<std::unique_ptr<Subscriber>> Connect(const SubscriberOptions& options);

  virtual ~Subscriber() = default;

  // Waits up to `timeout` for the next revision or gap; nullopt on timeout.
  // Copies of a revision arriving on several channels are delivered once.
  virtual Result<std::optional<Notice>> Next(std::chrono::milliseconds timeout) = 0;

 protected:
  Subscriber() = default;
};

}  // namespace newswire::subscriber
