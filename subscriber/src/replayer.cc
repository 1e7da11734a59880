#include "newswire/subscriber/replayer.h"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "log_merger.h"
#include "newswire/core/article.h"
#include "newswire/core/time.h"
#include "rebuild_pool.h"
#include "rebuilder.h"

namespace newswire::subscriber {
namespace {

// Right after the snapshot when there is one, so nothing is missed or
// repeated where the two meet; else the first revision at `from`.
LogMerger::Start StartOf(const ReplayOptions& options, const Snapshot& snapshot) {
  if (options.with_snapshot) return LogMerger::Start{snapshot.wire_seq + 1, std::nullopt};
  return LogMerger::Start{0, options.from};
}

// The wire just before `from`: revisions with an earlier wire time.
Result<Snapshot> SnapshotBefore(QueryClient& query, const ReplayOptions& options,
                                std::optional<v1::AccessReply> access) {
  SnapshotRequest request;
  request.channels = options.channels;
  request.access = std::move(access);
  request.with_articles = true;
  request.page_size = options.page_size;
  google::protobuf::Timestamp before = options.from;
  if (before.nanos() > 0) {
    before.set_nanos(before.nanos() - 1);
  } else {
    before.set_seconds(before.seconds() - 1);
    before.set_nanos(999'999'999);
  }
  request.as_of = before;
  return ReadSnapshot(query, request);
}

// 0: one fewer than the CPUs this process may run on (the caller, merging
// pages, needs a core of its own: on two cores extra threads only contend
// with it), at least 1 and at most 4 (beyond that the caller is the bound).
std::size_t RebuildThreads(std::size_t wanted) {
  if (wanted > 0) return wanted;
  // The CPUs this process may run on (a container's or taskset's share),
  // not every CPU of the host.
  cpu_set_t allowed;
  const std::size_t cores = sched_getaffinity(0, sizeof allowed, &allowed) == 0
                                ? static_cast<std::size_t>(CPU_COUNT(&allowed))
                                : std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(cores > 1 ? cores - 1 : 1, 1, 4);
}

class LogReplayer final : public Replayer {
 public:
  LogReplayer(const ReplayOptions& options, std::unique_ptr<QueryClient> query,
              std::vector<std::string> channels, Snapshot snapshot)
      : options_(options),
        clock_(options.clock ? *options.clock : core::SystemClock()),
        query_(std::move(query)),
        snapshot_(std::move(snapshot)),
        merger_(*query_, std::move(channels), StartOf(options, snapshot_), {}, options.page_size) {
    const std::size_t threads = RebuildThreads(options.rebuild_threads);
    if (threads == 1) {
      rebuilder_.emplace(query_.get(), options.max_held_articles);
    } else {
      // Two pages in flight: one being rebuilt while the next is read.
      const std::size_t window = std::max<std::size_t>(2 * std::size_t{options.page_size}, 16);
      pool_.emplace(threads, options.max_held_articles, window);
    }
    // The snapshot's versions are what the next revisions apply to.
    for (const auto& story : snapshot_.stories) {
      auto canonical = std::make_shared<const std::string>(core::CanonicalBytes(story.article()));
      if (pool_) {
        pool_->Hold(story.article_id(), story.version(), std::move(canonical));
      } else {
        rebuilder_->Hold(story.article_id(), story.version(), std::move(canonical));
      }
    }
  }

  const Snapshot& snapshot() const override { return snapshot_; }

  Result<std::optional<Delivery>> Next() override {
    if (pool_) return NextFromPool();
    auto record = merger_.Next();
    if (!record) return Fail(record.error());
    if (!*record || PastTheEnd(**record)) return std::optional<Delivery>();
    Pace((*record)->event().wire_time());
    Delivery delivery = rebuilder_->Rebuild(**record);
    delivery.recovered = true;
    return std::optional(std::move(delivery));
  }

 private:
  bool PastTheEnd(const v1::LogRecord& record) const {
    return options_.to &&
           core::ToClockNs(record.event().wire_time()) > core::ToClockNs(*options_.to);
  }

  // Waits until a revision with `wire_time` is due: at start + (t_i - t_0) /
  // speed, its original spacing scaled.
  void Pace(const google::protobuf::Timestamp& time) {
    if (options_.speed <= 0) return;
    const int64_t wire_time = core::ToClockNs(time);
    if (!first_wire_time_) {
      first_wire_time_ = wire_time;
      start_ = clock_.NowNs();
    }
    const auto offset =
        static_cast<int64_t>(static_cast<double>(wire_time - *first_wire_time_) / options_.speed);
    clock_.SleepUntilNs(start_ + offset);
  }

  // Tops the pool's window up from the merger once half of it is taken
  // (so the workers get records in batches), then hands out the oldest in
  // wire order; a merger error comes after what was read before it.
  Result<std::optional<Delivery>> NextFromPool() {
    if (pool_->InFlight() <= pool_->Window() / 2) {
      while (!ended_ && !error_ && pool_->InFlight() < pool_->Window()) {
        auto record = merger_.Next();
        if (!record) {
          error_ = std::move(record.error());
        } else if (!*record || PastTheEnd(**record)) {
          ended_ = true;
        } else {
          pool_->Submit(std::move(**record));
        }
      }
    }
    if (pool_->InFlight() == 0) {
      if (!error_) return std::optional<Delivery>();
      Error error = std::move(*error_);
      error_.reset();  // The next call reads on from where it failed.
      return Fail(std::move(error));
    }
    Delivery delivery = pool_->Take([this](const std::string& article_id, uint32_t version) {
      return query_->GetArticle(article_id, version);
    });
    Pace(delivery.event.wire_time());
    return std::optional(std::move(delivery));
  }

  ReplayOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<QueryClient> query_;
  Snapshot snapshot_;
  LogMerger merger_;
  std::optional<Rebuilder> rebuilder_;  // One thread: rebuilt on the caller's.
  std::optional<RebuildPool> pool_;     // Several.
  bool ended_ = false;                  // The merger is done, or past `to`.
  std::optional<Error> error_;          // From the merger, after what is in flight.
  std::optional<int64_t> first_wire_time_;
  int64_t start_ = 0;
};

}  // namespace

Result<std::unique_ptr<Replayer>> Replayer::Open(const ReplayOptions& options) {
  if (options.speed < 0) return Fail(v1::ERROR_CODE_MALFORMED, "replay speed must be positive");
  if (auto ok = core::CheckTimestamp("from", options.from); !ok) return Fail(ok.error());
  if (options.to) {
    if (auto ok = core::CheckTimestamp("to", *options.to); !ok) return Fail(ok.error());
  }
  auto channels = ChannelTopics(options.channels);
  if (!channels) return Fail(channels.error());
  auto query = QueryClient::Connect(options.hub, options.query_timeout, options.curve);
  if (!query) return Fail(query.error());
  std::optional<v1::AccessReply> access;
  if (options.curve) {
    auto asked = (*query)->GetAccess();
    if (!asked) return Fail(asked.error());
    auto scoped = ScopeTopics(*channels, *asked);
    if (!scoped) return Fail(scoped.error());
    channels = std::move(scoped);
    access = std::move(*asked);
  }
  Snapshot snapshot;
  if (options.with_snapshot) {
    auto read = SnapshotBefore(**query, options, std::move(access));
    if (!read) return Fail(read.error());
    snapshot = std::move(*read);
  }
  return std::unique_ptr<Replayer>(std::make_unique<LogReplayer>(
      options, std::move(*query), std::move(*channels), std::move(snapshot)));
}

}  // namespace newswire::subscriber
