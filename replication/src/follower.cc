#include "newswire/replication/follower.h"

#include <spdlog/spdlog.h>

#include "newswire/core/channel.h"
#include "newswire/core/clock.h"
#include "newswire/core/hub.h"
#include "newswire/core/socket_monitor.h"
#include "newswire/subscriber/query_client.h"

namespace newswire::replication {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kMessagesPerRound = 1024;
constexpr std::chrono::seconds kRetryAfter{1};
constexpr std::chrono::seconds kProgressEvery{10};

class ZmqFollower final : public Follower {
 public:
  ZmqFollower(zmq::context_t& context, const FollowerOptions& options, store::RevisionStore& store,
              ReplicationStatus& status, Deliver deliver)
      : options_(options),
        store_(store),
        status_(status),
        deliver_(std::move(deliver)),
        socket_(context, zmq::socket_type::sub),
        monitor_(context, zmq::socket_type::pair),
        applied_(store.LastCommit()) {}

  Result<void> Start() {
    // On a secure wire, this socket and the query client's speak CURVE
    // with the follower's replica key, as any subscriber's do.
    if (options_.curve) security::ApplyCurveClient(socket_, *options_.curve);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
    socket_.set(zmq::sockopt::maxmsgsize, int64_t{256} << 20);
    const std::string address =
        "inproc://newswire-follower-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    if (zmq_socket_monitor(
            socket_.handle(), address.c_str(),
            ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | security::kHandshakeEvents) != 0) {
      return Fail(v1::ERROR_CODE_INTERNAL, "cannot monitor the follower's socket");
    }
    monitor_.connect(address);
    socket_.set(zmq::sockopt::subscribe, core::ReplicationChannel());
    if (options_.upstream.empty()) return {};
    return Connect(options_.upstream);
  }

  void Retarget(const std::string& upstream) override {
    if (upstream == hub_.address) return;
    if (!hub_.fanout.empty()) {
      try {
        socket_.disconnect(hub_.fanout);
      } catch (const zmq::error_t&) {
      }
    }
    hub_ = {};
    query_.reset();
    announced_ = applied_;
    // Nothing the old upstream sent may be taken for the new one's.
    for (zmq::message_t stale; socket_.recv(stale, zmq::recv_flags::dontwait);) {
    }
    if (upstream.empty()) return;
    if (auto ok = Connect(upstream); !ok) Stop(ok.error().message);
  }

  const std::string& upstream() const override { return hub_.address; }
  bool diverged() const override { return diverged_; }

  zmq::socket_t& socket() override { return socket_; }
  zmq::socket_t& monitor() override { return monitor_; }
  const std::string& stopped() const override { return stopped_; }

  void OnMessages() override {
    google::protobuf::RepeatedPtrField<v1::ReplicatedCommit> live;
    for (int i = 0; i < kMessagesPerRound; ++i) {
      zmq::message_t parts[3];
      std::size_t count = 0;
      zmq::message_t part;
      if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
      for (;;) {
        const bool more = part.more();
        if (count < 3) parts[count] = std::move(part);
        ++count;
        if (!more || !socket_.recv(part, zmq::recv_flags::dontwait)) break;
      }
      auto seq = count == 3 ? core::DecodeSequence(parts[1].to_string_view()) : std::nullopt;
      if (!seq || parts[0].to_string_view() != core::ReplicationChannel()) continue;
      announced_ = std::max(announced_, *seq);
      // A heartbeat, or nothing to take until the upstream is checked.
      if (parts[2].size() == 0 || !stopped_.empty() || check_prefix_ || !query_) continue;
      // Only the commit right after what is held (or queued to be) is
      // taken live; anything past a gap is read by CatchUp first.
      if (*seq != applied_ + static_cast<uint64_t>(live.size()) + 1) continue;
      v1::ReplicatedCommit commit;
      if (!commit.ParseFromArray(parts[2].data(), static_cast<int>(parts[2].size())) ||
          commit.commit() != *seq) {
        continue;  // Damaged on the way: CatchUp reads it again.
      }
      Learn(commit.primary_hub(), commit.primary_commit());
      *live.Add() = std::move(commit);
    }
    if (!live.empty()) Apply(live);
    Report();
  }

  void OnMonitorEvents() override {
    while (true) {
      zmq::message_t event, address;
      if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
      if (event.more()) (void)monitor_.recv(address, zmq::recv_flags::dontwait);
      const uint16_t id = core::MonitorEventId(event.to_string_view());
      if (auto failed =
              security::HandshakeFailure(id, core::MonitorEventValue(event.to_string_view()),
                                         hub_.fanout, options_.curve.has_value())) {
        LogRefusal(failed->message);
        continue;
      }
      if (id != ZMQ_EVENT_CONNECTED && id != ZMQ_EVENT_DISCONNECTED) continue;
      const bool connected = id == ZMQ_EVENT_CONNECTED;
      status_.Update([&](StatusSnapshot& s) { s.connected = connected; });
      if (connected) {
        spdlog::info("connected to upstream {}", hub_.address);
      } else {
        spdlog::warn("lost upstream {}; reconnecting", hub_.address);
      }
    }
  }

  void CatchUp() override {
    if (!stopped_.empty() || !query_) return;
    const auto now = SteadyClock::now();
    if (now < retry_at_) return;
    if (check_prefix_ && !CheckPrefix()) return;
    if (!primary_known_) {
      // Publishers are sent to the primary even before the first commit.
      auto head = query_->ReadCommits(UINT64_MAX, 1);
      if (!head && Refused(head.error())) return;
      if (head) Learn(head->primary_hub(), 0);
      if (!primary_known_) retry_at_ = now + kRetryAfter;
    }
    if (applied_ >= announced_) return;
    const uint64_t from = applied_ + 1;
    auto page = query_->ReadCommits(from, options_.page_commits);
    if (!page) {
      if (Refused(page.error())) return;
      if (page.error().code == v1::ERROR_CODE_NOT_FOUND) {
        Stop("the upstream " + hub_.address + " no longer holds commit " + std::to_string(from) +
             " (" + page.error().message +
             "): this follower cannot be completed from it; seed its store from a backup "
             "of the upstream (newswire admin backup) and start it again");
      } else {
        spdlog::warn("catching up from {}: {}", hub_.address, page.error().ToString());
        retry_at_ = now + kRetryAfter;
      }
      return;
    }
    Learn(page->primary_hub(), 0);
    if (page->commits().empty()) {
      if (page->last_commit() < applied_) {
        Stop("this store holds commit " + std::to_string(applied_) + " but the upstream " +
             hub_.address + " has only " + std::to_string(page->last_commit()) +
             ": it is not a copy of that upstream's log");
      }
      announced_ = page->last_commit();  // What was announced is not there (yet).
      return;
    }
    announced_ = std::max(announced_, page->last_commit());
    // The next page is read upstream while this one is written here.
    const uint64_t next = page->next_commit();
    if (next <= announced_) query_->PrefetchCommits(next, options_.page_commits);
    const uint64_t before = applied_;
    Apply(page->commits());
    Progress(before);
    Report();
  }

 private:
  Result<void> Connect(const std::string& upstream) {
    auto hub = core::ParseHub(upstream);
    if (!hub) return Fail(hub.error());
    auto query = subscriber::QueryClient::Connect(upstream, options_.query_timeout, options_.curve);
    if (!query) return Fail(query.error());
    hub_ = *hub;
    query_ = std::move(*query);
    socket_.connect(hub_.fanout);
    check_prefix_ = applied_ > 0;
    status_.Update([&](StatusSnapshot& s) {
      s.role = Role::kFollower;
      s.upstream = hub_.address;
      s.applied_commit = applied_;
    });
    spdlog::info("following {} from commit {}", hub_.address, applied_ + 1);
    return {};
  }

  // Before copying from an upstream, this store's newest commit must be
  // the upstream's commit of that index, byte for byte: otherwise this log
  // went past (or away from) the upstream's, as an old primary's does.
  bool CheckPrefix() {
    auto ours = store_.ReadCommits(applied_, 1);
    auto theirs = query_->ReadCommits(applied_, 1);
    if (!theirs && Refused(theirs.error())) return false;
    if (!theirs && theirs.error().code != v1::ERROR_CODE_NOT_FOUND) {
      retry_at_ = SteadyClock::now() + kRetryAfter;
      return false;  // Not reachable yet.
    }
    if (!ours || ours->commits().empty()) return false;
    if (theirs && !theirs->commits().empty() &&
        theirs->commits(0).record() == ours->commits(0).record()) {
      check_prefix_ = false;
      return true;
    }
    const uint64_t upstream_last = theirs ? theirs->last_commit() : 0;
    diverged_ = true;
    Stop("this store's log diverges from " + hub_.address + "'s: its commit " +
         std::to_string(applied_) +
         (upstream_last < applied_ ? " is past the upstream's newest, "
                                   : " is not the upstream's commit of that index (newest ") +
         std::to_string(upstream_last) + (upstream_last < applied_ ? "" : ")"));
    return false;
  }

  void Apply(const google::protobuf::RepeatedPtrField<v1::ReplicatedCommit>& commits) {
    auto applied = store_.ApplyCommits(commits);
    if (!applied) {
      if (applied.error().code == v1::ERROR_CODE_DIFF_MISMATCH) {
        Stop("copying from " + hub_.address + ": " + applied.error().message);
      } else {
        spdlog::error("copying from {}: {}", hub_.address, applied.error().ToString());
        retry_at_ = SteadyClock::now() + kRetryAfter;
      }
      return;
    }
    applied_ = store_.LastCommit();
    // The upstream may be waiting for a majority to hold these (quorum acks).
    if (query_)
      query_->ReportPosition(options_.name.empty() ? "follower" : options_.name, applied_);
    if (!applied->empty()) deliver_(std::move(*applied));
  }

  void Learn(const std::string& primary_hub, uint64_t primary_commit) {
    if (primary_hub.empty() && primary_commit == 0) return;
    primary_known_ |= !primary_hub.empty();
    status_.Update([&](StatusSnapshot& s) {
      if (!primary_hub.empty()) s.primary_hub = primary_hub;
      s.primary_commit = std::max(s.primary_commit, primary_commit);
    });
  }

  void Report() {
    const int64_t now = core::SystemClock().NowNs();
    status_.Update([&](StatusSnapshot& s) {
      s.applied_commit = applied_;
      s.upstream_commit = std::max(announced_, applied_);
      if (applied_ >= announced_) {
        s.behind_since_ns = 0;
      } else if (s.behind_since_ns == 0) {
        s.behind_since_ns = now;
      }
    });
  }

  void Progress(uint64_t before) {
    const auto now = SteadyClock::now();
    if (progress_at_ == SteadyClock::time_point()) {
      progress_at_ = now;
      progress_from_ = before;
      return;
    }
    if (now - progress_at_ < kProgressEvery && applied_ < announced_) return;
    const double seconds = std::chrono::duration<double>(now - progress_at_).count();
    spdlog::info("catching up from {}: commit {} of {} ({:.0f} commits/s), wire sequence {}",
                 hub_.address, applied_, announced_,
                 seconds > 0 ? static_cast<double>(applied_ - progress_from_) / seconds : 0.0,
                 store_.LastWireSeq());
    progress_at_ = applied_ < announced_ ? now : SteadyClock::time_point();
    progress_from_ = applied_;
  }

  // An upstream that refuses this follower (its key at the handshake, or
  // its role) will not change its mind before someone changes a key or an
  // access file: stop, saying what to fix. True when it refused.
  bool Refused(const Error& error) {
    if (error.code != v1::ERROR_CODE_UNAUTHORIZED) return false;
    Stop("the upstream " + hub_.address + " refuses this follower: " + error.message +
         (options_.curve ? " (--follow-key must be a key with the replica role in the upstream's "
                           "access file, --follow-server-key the upstream's public key)"
                         : " (a secure upstream needs --follow-key and --follow-server-key)"));
    return true;
  }

  // A failed handshake on the replication channel: logged (the query
  // client's answers stop the follower), at most every few seconds.
  void LogRefusal(const std::string& why) {
    const auto now = SteadyClock::now();
    if (now - refusal_logged_ < kRetryAfter * 5) return;
    refusal_logged_ = now;
    spdlog::error("replication channel of {}: {}", hub_.address, why);
  }

  void Stop(std::string why) {
    spdlog::critical("follower stopped: {}", why);
    stopped_ = std::move(why);
    status_.Update([&](StatusSnapshot& s) { s.error = stopped_; });
  }

  FollowerOptions options_;
  core::HubEndpoints hub_;
  std::unique_ptr<subscriber::QueryClient> query_;
  store::RevisionStore& store_;
  ReplicationStatus& status_;
  Deliver deliver_;
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  uint64_t applied_ = 0;    // Newest commit durable here.
  uint64_t announced_ = 0;  // Newest the upstream announced.
  std::string stopped_;
  bool diverged_ = false;
  bool check_prefix_ = false;  // Before the first copy from an upstream.
  bool primary_known_ = false;
  SteadyClock::time_point retry_at_;
  SteadyClock::time_point progress_at_;
  SteadyClock::time_point refusal_logged_;
  uint64_t progress_from_ = 0;
};

}  // namespace

Result<std::unique_ptr<Follower>> Follower::Create(zmq::context_t& context,
                                                   const FollowerOptions& options,
                                                   store::RevisionStore& store,
                                                   ReplicationStatus& status, Deliver deliver) {
  auto follower =
      std::make_unique<ZmqFollower>(context, options, store, status, std::move(deliver));
  if (auto ok = follower->Start(); !ok) return Fail(ok.error());
  return std::unique_ptr<Follower>(std::move(follower));
}

}  // namespace newswire::replication
