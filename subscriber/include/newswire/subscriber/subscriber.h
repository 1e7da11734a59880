// The subscriber library: follows channels of the live wire, rebuilds every
// article from the deltas and diffs it receives and checks each against its
// content hash, repairing from the query service when anything does not fit.
//
// Delivery guarantees: revisions come in order per channel, each once even
// when it arrives on several followed channels. A sequence gap (a drop at
// the high-water mark, a reconnect, a daemon restart, a lost last message
// revealed by a heartbeat) is filled from the query service before anything
// newer is delivered; only a gap that cannot be filled is reported, as a
// Gap notice. A late joiner (`since_*`) gets the history first, then live,
// with nothing missed or repeated where the two meet.
//
// On a secure daemon (SubscriberOptions::curve) a reader granted only some
// feeds cannot follow the wire, instrument or topic channels, which mix
// feeds: Connect asks the daemon what the key may read and follows, in their
// place, the feed channels and the feed-scoped instrument and topic
// channels of the feeds granted (ScopeTopics). A subscription the daemon
// refuses, or cuts after a reload of its access file, is an AccessDenied
// notice.
//
// A Subscriber owns its ZeroMQ context and sockets; use it from one thread.
// `Connect` returns once the daemon has confirmed every subscription.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "newswire/core/error.h"
#include "newswire/core/figures.h"
#include "newswire/security/curve.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::subscriber {

// Which channels to follow; all empty means the whole wire.
struct ChannelSelection {
  std::vector<std::string> feeds;        // e.g. "equities-asia"
  std::vector<std::string> instruments;  // "MIC:SYMBOL", e.g. "XTKS:9984"
  std::vector<std::string> topics;       // e.g. "M&A"; any normalisation form
};

// Channel topics for a selection (topic names brought to Unicode NFC, as
// ingest does); MALFORMED for a bad name (a topic must be one line of valid
// UTF-8 without '|' or control characters).
Result<std::vector<std::string>> ChannelTopics(const ChannelSelection& selection);

// The topics a reader with `access` follows for `topics`: the same ones
// when it may read every feed; otherwise the wire by the feed channels of
// the feeds granted, and each instrument and topic channel by its scoped
// channel in each of them (f/FEED/i/MIC:SYMBOL|). Feed channels stay (the
// daemon refuses one not granted). UNAUTHORIZED when it may read no feed.
Result<std::vector<std::string>> ScopeTopics(const std::vector<std::string>& topics,
                                             const v1::AccessReply& access);

struct SubscriberOptions {
  // One hub, or several separated by commas (a cluster's nodes, or a
  // primary and its followers): the subscriber follows the first that
  // answers and, when its live connection stays down for failover_after,
  // resumes on the next by wire sequence (a ConnectionChange with
  // switched_hub says so), with no gap and no duplicate.
  std::string hub = "tcp://127.0.0.1:7700";
  std::chrono::milliseconds failover_after{3000};
  ChannelSelection channels;
  // Start in the past: every revision from this wire sequence, or from this
  // wire time, then live. Unset: live only. A time after 2262 (the clock's
  // end, core/time.h) finds no history; one outside 0001..9999 is refused
  // by Connect with MALFORMED.
  std::optional<uint64_t> since_wire_seq;
  std::optional<google::protobuf::Timestamp> since_time;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds query_timeout{2000};
  // CURVE for a secure daemon (security::LoadCurveClient); unset: none.
  std::optional<security::CurveClient> curve;
  int receive_hwm = 100000;      // Live messages ZeroMQ queues before dropping.
  int receive_buffer_bytes = 0;  // The kernel's receive buffer (SO_RCVBUF); 0: its default.
  std::size_t max_held_articles = 100000;  // Latest versions kept for diffs.
};

// A rebuilt article, kept as the canonical bytes its content hash was
// checked over and parsed only when first asked for: a consumer that only
// records, relays or checks the wire (a recorder, a relay, a latency probe)
// never pays for the parse. The hash matched, so the bytes are the ones the
// daemon encoded from an article it validated, and they parse. Immutable and
// safe to share between threads.
class RebuiltArticle {
 public:
  RebuiltArticle();                                            // Empty: nothing rebuilt.
  explicit RebuiltArticle(std::string canonical);              // Verified bytes.
  RebuiltArticle(v1::Article article, std::string canonical);  // Both at hand.
  // Verified bytes already shared (the rebuilder's held version).
  explicit RebuiltArticle(std::shared_ptr<const std::string> canonical);

  const v1::Article& article() const;  // Parses on first use.
  const std::string& canonical() const { return *canonical_; }
  // The bytes alone, to keep without the parsed article (the rebuilder's
  // base for the next delta).
  const std::shared_ptr<const std::string>& shared_canonical() const { return canonical_; }

 private:
  std::shared_ptr<const std::string> canonical_;
  mutable std::once_flag parsed_;
  mutable v1::Article article_;
};

// One revision as handed to the application.
struct Delivery {
  v1::RevisionEvent event;  // As sent on the wire: the delta, diff or full article.
  // The article rebuilt at event.version(), shared by copies of this
  // Delivery. Never null: empty when nothing could be rebuilt (then
  // `verified` is false).
  std::shared_ptr<const RebuiltArticle> rebuilt = Nothing();
  std::string channel;  // Channel topic it arrived on (live only).
  uint64_t channel_seq = 0;
  std::size_t event_bytes = 0;  // Bytes of the live message (0 if recovered).
  bool verified = false;        // Rebuilt article matches event.content_hash().
  bool repaired = false;        // The diff did not fit; the full version was used.
  bool recovered = false;       // Came from the store (catch-up or gap fill).
  std::string problem;          // Why it was repaired or is unverified.
  // Wire time to hand-over, by this machine's clock: how late this revision
  // reached the application.
  std::chrono::nanoseconds lag{0};
  // The version before this one as the library held it (the base it
  // applied this revision to), for figure_changes(). Null for version 1,
  // and when the library did not hold it (a story first seen mid-way).
  std::shared_ptr<const RebuiltArticle> previous;

  // The rebuilt article (parsed on first use; these checks use it too).
  const v1::Article& article() const { return rebuilt->article(); }
  bool killed() const { return article().pubstatus() == v1::PUB_STATUS_CANCELED; }
  bool withheld() const { return article().pubstatus() == v1::PUB_STATUS_WITHHELD; }
  bool flash() const { return article().urgency() == 1; }
  bool correction() const;
  // The figures this revision added, removed or changed (core/figures.h:
  // numbers with their units and signs, where they are, a short context),
  // computed from `previous` and the rebuilt article on each call, not
  // carried on the wire (README "Figure changes"). Empty when the revision
  // is not verified or `previous` is null.
  std::vector<core::FigureChange> figure_changes() const;

  static const std::shared_ptr<const RebuiltArticle>& Nothing();  // The empty one.
};

// Revisions the subscriber knows it missed and could not recover.
struct Gap {
  std::string channel;
  uint64_t first_missing = 0;
  uint64_t last_missing = 0;
  std::string reason;
};

// The live connection went down or came back (ZeroMQ reconnects by itself).
struct ConnectionChange {
  bool connected = false;
  std::string endpoint;       // The fan-out endpoint; the hub when switched_hub.
  bool switched_hub = false;  // Now following another of several hubs.
};

// A secure daemon refused a channel, or stopped it when a reload of its
// access file narrowed this key's grants: nothing more comes on it.
struct AccessDenied {
  std::string channel;
  std::string reason;
};

// What Next hands the application: exactly one of a revision, a gap that
// could not be filled, a change of the live connection, or a channel the
// daemon no longer lets this key follow.
using Notice = std::variant<Delivery, Gap, ConnectionChange, AccessDenied>;

class Subscriber {
 public:
  // Subscribes and waits for the daemon to confirm. UNAVAILABLE when it does
  // not within options.connect_timeout; MALFORMED for a bad hub, channel
  // or since_time; UNAUTHORIZED, saying why, for a failed CURVE handshake or
  // a channel the key may not read.
  static Result<std::unique_ptr<Subscriber>> Connect(const SubscriberOptions& options);

  virtual ~Subscriber() = default;

  // Waits up to `timeout` for the next notice; nullopt on timeout. Errors:
  // UNAVAILABLE when the live socket fails (not when the daemon goes away:
  // that is a ConnectionChange, and ZeroMQ reconnects), or when catching
  // up (since_*) cannot read the store's history; UNAUTHORIZED when the
  // daemon refuses the key at a reconnect (it was removed from the access
  // file). Anything a peer sends
  // that is not a valid message is skipped or repaired, never an error;
  // what cannot be repaired is a Gap.
  virtual Result<std::optional<Notice>> Next(std::chrono::milliseconds timeout) = 0;

  // Highest wire sequence delivered so far (0 before any). Persist it and
  // pass it + 1 as since_wire_seq to resume after a restart.
  virtual uint64_t last_delivered_wire_seq() const = 0;

  // How far behind the wire the subscriber is: the latest sequence the
  // daemon announced in heartbeats minus the last one handled, summed over
  // the followed channels (0 when caught up), and the lag of the last
  // delivery.
  struct Lag {
    uint64_t sequences_behind = 0;
    std::chrono::nanoseconds last_delivery_lag{0};
  };
  virtual Lag lag() const = 0;

 protected:
  Subscriber() = default;
};

}  // namespace newswire::subscriber
