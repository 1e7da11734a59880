#include "live_wire.h"

#include <utility>  // Before Asio (Boost 1.74 needs std::exchange declared).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

namespace newswire::gateway {
namespace {

namespace net = boost::asio;
using std::chrono::milliseconds;

constexpr std::size_t kMaxInFlight = 4096;    // Events the hub thread may post ahead of io.
constexpr std::size_t kHeldArticles = 20000;  // Latest versions kept to diff against.
constexpr milliseconds kPoll{100};            // Threads look at their stop flag this often.

struct CatchUp {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable drained;
  std::thread thread;
};

struct Client {
  std::shared_ptr<Stream> stream;
  Identity identity;
  Selection selection;
  uint64_t cursor = 0;  // Every wire seq up to here was sent or did not match.
  uint64_t last_sent = 0;
  bool live = false;
  bool done = false;
  std::shared_ptr<CatchUp> catch_up;
};

class LiveWireImpl : public LiveWire {
 public:
  LiveWireImpl(net::io_context& io, GatewayOptions options)
      : io_(io), options_(std::move(options)), heartbeat_(io) {}

  Result<void> Open() {
    auto query =
        subscriber::QueryClient::Connect(options_.hub, options_.query_timeout, options_.curve);
    if (!query) return Fail(query.error());
    if (options_.curve) {
      // The gateway serves every reader within its own grants: it must
      // itself read everything.
      auto access = (*query)->GetAccess();
      if (!access) return Fail(access.error());
      if (!access->read().all()) {
        return Fail(v1::ERROR_CODE_UNAUTHORIZED,
                    "the gateway's key is " + access->identity() +
                        ", which does not read every feed: give it roles = [\"subscriber\"] and "
                        "read_feeds = [\"*\"] in the daemon's access file");
      }
    }
    v1::ReadLog head_request;
    head_request.set_from_seq(std::numeric_limits<uint64_t>::max());
    head_request.set_limit(1);
    auto head = (*query)->ReadLog(head_request);
    if (!head) return Fail(head.error());
    subscriber::SubscriberOptions sub;
    sub.hub = options_.hub;
    sub.curve = options_.curve;
    sub.since_wire_seq = head->last_seq() + 1;
    sub.query_timeout = options_.query_timeout;
    auto hub = subscriber::Subscriber::Connect(sub);
    if (!hub) return Fail(hub.error());
    first_seq_ = head->last_seq() + 1;
    first_seq_shared_ = first_seq_;
    last_seq_ = head->last_seq();
    hub_thread_ = std::thread([this, hub = std::move(*hub), query = std::move(*query)]() mutable {
      FollowHub(*hub, *query);
    });
    ScheduleHeartbeat();
    return {};
  }

  void AddClient(std::shared_ptr<Stream> stream, Identity identity, Selection selection,
                 std::optional<uint64_t> last_event_id) override {
    auto client = std::make_shared<Client>();
    client->stream = std::move(stream);
    client->identity = std::move(identity);
    client->selection = std::move(selection);
    client->cursor = last_event_id ? std::min(*last_event_id, last_seq_.load()) : last_seq_.load();
    client->last_sent = client->cursor;
    client->stream->Send(
        std::make_shared<const std::string>("retry: 2000\n: newswire-gateway, from wire #" +
                                            std::to_string(client->cursor + 1) + "\n\n"));
    clients_.push_back(client);
    client_count_ = clients_.size();
    std::weak_ptr<Client> weak = client;
    client->stream->OnClosed([this, weak] {
      if (auto c = weak.lock()) Drop(*c);
    });
    if (client->cursor + 1 >= first_seq_) {
      GoLive(client);
    } else {
      waiting_.push_back(client);
      StartCatchUps();
    }
  }

  uint64_t last_wire_seq() const override { return last_seq_.load(); }
  std::size_t clients() const override { return client_count_.load(); }

  void Stop() override {
    if (stopping_.exchange(true)) return;
    if (hub_thread_.joinable()) hub_thread_.join();
    std::lock_guard lock(catch_ups_mutex_);
    for (auto& c : catch_ups_) c->stop = true;
    for (auto& c : catch_ups_) {
      c->drained.notify_all();
      if (c->thread.joinable()) c->thread.join();
    }
  }

  ~LiveWireImpl() override { Stop(); }

 private:
  // The hub thread: the whole wire, rebuilt and verified once, handed to io.
  void FollowHub(subscriber::Subscriber& hub, subscriber::QueryClient& query) {
    EventBuilder builder(&query, kHeldArticles);
    while (!stopping_) {
      auto notice = hub.Next(kPoll);
      if (!notice) {
        spdlog::error("live wire: {}", notice.error().ToString());
        continue;
      }
      if (!*notice) continue;
      std::shared_ptr<const WireEvent> event;
      if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
        event = builder.Build(*delivery);
      } else if (auto* gap = std::get_if<subscriber::Gap>(&**notice)) {
        event = EventBuilder::Gap(*gap);
      } else if (auto* change = std::get_if<subscriber::ConnectionChange>(&**notice)) {
        spdlog::warn("live wire: {} {}", change->connected ? "reconnected to" : "lost",
                     change->endpoint);
      }
      if (!event) continue;
      {
        // Bounded hand-over: past it the subscriber's own queue (and its gap
        // repair) absorbs the burst.
        std::unique_lock lock(in_flight_mutex_);
        in_flight_cv_.wait_for(lock, kPoll * 10, [&] { return in_flight_ < kMaxInFlight; });
        ++in_flight_;
      }
      net::post(io_, [this, event] {
        {
          std::lock_guard lock(in_flight_mutex_);
          --in_flight_;
        }
        in_flight_cv_.notify_one();
        OnEvent(event);
      });
    }
  }

  // io thread from here on, unless said otherwise.
  void OnEvent(const std::shared_ptr<const WireEvent>& event) {
    if (event->wire_seq == 0) {  // A gap notice: every client is told.
      for (auto& c : clients_) {
        if (!c->done) c->stream->Send(event->text);
      }
      return;
    }
    recent_.push_back(event);
    if (recent_.size() > options_.recent_events) recent_.pop_front();
    first_seq_ = recent_.front()->wire_seq;
    first_seq_shared_ = first_seq_;
    last_seq_ = event->wire_seq;
    for (auto it = clients_.begin(); it != clients_.end();) {
      if ((*it)->done) {
        it = clients_.erase(it);
        continue;
      }
      if ((*it)->live) Offer(**it, *event, /*cut_when_full=*/true);
      ++it;
    }
    client_count_ = clients_.size();
  }

  void Offer(Client& c, const WireEvent& event, bool cut_when_full) {
    if (c.done || event.wire_seq <= c.cursor) return;
    c.cursor = event.wire_seq;
    if (!c.selection.Matches(event) || !c.identity.MayRead(event.feed)) return;
    if (cut_when_full && c.stream->queued_bytes() > options_.client_buffer_bytes) {
      return CutOff(c);
    }
    c.stream->Send(event.text);
    c.last_sent = event.wire_seq;
  }

  void CutOff(Client& c) {
    nlohmann::json data = {
        {"reason", "the client read too slowly: " + std::to_string(c.stream->queued_bytes()) +
                       " bytes were waiting"},
        {"last_event_id", c.last_sent},
        {"resume", "reconnect with Last-Event-ID: " + std::to_string(c.last_sent)}};
    c.stream->Send(std::make_shared<const std::string>(SseEvent("cutoff", 0, data.dump())));
    c.stream->Close();
    ++cut_off_;
    spdlog::info("stream: cut off a slow client at wire #{}", c.last_sent);
    Drop(c);
  }

  void Drop(Client& c) {
    c.done = true;
    if (c.catch_up) {
      c.catch_up->stop = true;
      c.catch_up->drained.notify_all();
    }
  }

  void GoLive(const std::shared_ptr<Client>& c) {
    for (const auto& event : recent_) {
      if (event->wire_seq > c->cursor) Offer(*c, *event, /*cut_when_full=*/true);
    }
    c->live = true;
  }

  void ScheduleHeartbeat() {
    heartbeat_.expires_after(options_.heartbeat);
    heartbeat_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      auto beat = std::make_shared<const std::string>(": heartbeat, wire #" +
                                                      std::to_string(last_seq_.load()) + "\n\n");
      for (auto& c : clients_) {
        if (c->done) continue;
        if (c->live && c->stream->queued_bytes() > options_.client_buffer_bytes) {
          CutOff(*c);
        } else {
          c->stream->Send(beat);
        }
      }
      ScheduleHeartbeat();
    });
  }

  // Catch-ups: at most max_catchups threads, the rest wait their turn.
  void StartCatchUps() {
    while (active_catch_ups_ < options_.max_catchups && !waiting_.empty()) {
      auto client = waiting_.front();
      waiting_.pop_front();
      if (client->done) continue;
      ++active_catch_ups_;
      auto catch_up = std::make_shared<CatchUp>();
      client->catch_up = catch_up;
      std::weak_ptr<CatchUp> weak = catch_up;
      client->stream->OnDrained([weak] {
        if (auto c = weak.lock()) c->drained.notify_all();
      });
      {
        std::lock_guard lock(catch_ups_mutex_);
        catch_ups_.push_back(catch_up);
      }
      catch_up->thread = std::thread([this, client, catch_up, from = client->cursor + 1] {
        RunCatchUp(client, *catch_up, from);
      });
    }
  }

  // Catch-up thread: the wire from `from`, until the recent events cover it.
  void RunCatchUp(std::shared_ptr<Client> client, CatchUp& control, uint64_t from) {
    uint64_t passed = from - 1;
    std::string failure;
    subscriber::SubscriberOptions options;
    options.hub = options_.hub;
    options.curve = options_.curve;
    options.since_wire_seq = from;
    options.query_timeout = options_.query_timeout;
    auto sub = subscriber::Subscriber::Connect(options);
    auto query =
        subscriber::QueryClient::Connect(options_.hub, options_.query_timeout, options_.curve);
    if (!sub || !query) failure = (!sub ? sub.error() : query.error()).ToString();
    if (failure.empty()) {
      EventBuilder builder(query->get(), kHeldArticles);
      const std::size_t resume_below = options_.client_buffer_bytes / 2;
      while (!control.stop && !stopping_ && passed + 1 < first_seq_shared_.load()) {
        {
          std::unique_lock lock(control.mutex);
          if (client->stream->queued_bytes() > resume_below) {
            control.drained.wait_for(lock, kPoll);
            continue;
          }
        }
        auto notice = (*sub)->Next(kPoll);
        if (!notice) {
          failure = notice.error().ToString();
          break;
        }
        if (!*notice) continue;
        std::shared_ptr<const WireEvent> event;
        if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
          event = builder.Build(*delivery);
          passed = event->wire_seq;
        } else if (auto* gap = std::get_if<subscriber::Gap>(&**notice)) {
          event = EventBuilder::Gap(*gap);
        }
        if (event) net::post(io_, [this, client, event] { OfferCatchUp(*client, event); });
      }
    }
    net::post(io_, [this, client, passed, failure] { FinishCatchUp(client, passed, failure); });
  }

  void OfferCatchUp(Client& c, const std::shared_ptr<const WireEvent>& event) {
    if (event->wire_seq == 0) {
      if (!c.done) c.stream->Send(event->text);
      return;
    }
    Offer(c, *event, /*cut_when_full=*/false);
  }

  void FinishCatchUp(const std::shared_ptr<Client>& c, uint64_t passed,
                     const std::string& failure) {
    auto catch_up = std::move(c->catch_up);
    if (catch_up->thread.joinable()) catch_up->thread.join();
    {
      std::lock_guard lock(catch_ups_mutex_);
      catch_ups_.remove(catch_up);
    }
    --active_catch_ups_;
    if (!c->done && !failure.empty()) {
      nlohmann::json data = {{"code", "unavailable"}, {"message", "catch-up failed: " + failure}};
      c->stream->Send(std::make_shared<const std::string>(SseEvent("error", 0, data.dump())));
      c->stream->Close();
      Drop(*c);
    } else if (!c->done) {
      c->cursor = std::max(c->cursor, passed);
      if (c->cursor + 1 >= first_seq_) {
        GoLive(c);
      } else {
        waiting_.push_front(c);  // The recent events moved on meanwhile.
      }
    }
    StartCatchUps();
  }

  net::io_context& io_;
  const GatewayOptions options_;
  net::steady_timer heartbeat_;
  std::atomic<bool> stopping_{false};
  std::thread hub_thread_;
  std::mutex in_flight_mutex_;
  std::condition_variable in_flight_cv_;
  std::size_t in_flight_ = 0;

  // io thread.
  std::deque<std::shared_ptr<const WireEvent>> recent_;
  uint64_t first_seq_ = 1;  // Oldest wire seq the recent events hold (or the next one).
  std::list<std::shared_ptr<Client>> clients_;
  std::deque<std::shared_ptr<Client>> waiting_;
  unsigned active_catch_ups_ = 0;
  uint64_t cut_off_ = 0;

  // Any thread.
  std::atomic<uint64_t> first_seq_shared_{1};
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<std::size_t> client_count_{0};
  std::mutex catch_ups_mutex_;
  std::list<std::shared_ptr<CatchUp>> catch_ups_;
};

}  // namespace

Result<std::unique_ptr<LiveWire>> LiveWire::Start(net::io_context& io,
                                                  const GatewayOptions& options) {
  auto live = std::make_unique<LiveWireImpl>(io, options);
  if (auto ok = live->Open(); !ok) return Fail(ok.error());
  return std::unique_ptr<LiveWire>(std::move(live));
}

}  // namespace newswire::gateway
