#include "newswire/subscriber/replayer.h"

#include "log_merger.h"
#include "newswire/core/article.h"
#include "newswire/core/time.h"
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

class LogReplayer final : public Replayer {
 public:
  LogReplayer(const ReplayOptions& options, std::unique_ptr<QueryClient> query,
              std::vector<std::string> channels, Snapshot snapshot)
      : options_(options),
        clock_(options.clock ? *options.clock : core::SystemClock()),
        query_(std::move(query)),
        snapshot_(std::move(snapshot)),
        merger_(*query_, std::move(channels), StartOf(options, snapshot_), {}, options.page_size),
        rebuilder_(query_.get(), options.max_held_articles) {
    // The snapshot's versions are what the next revisions apply to.
    for (const auto& story : snapshot_.stories) {
      rebuilder_.Hold(story.article_id(), story.version(),
                      std::make_shared<const std::string>(core::CanonicalBytes(story.article())));
    }
  }

  const Snapshot& snapshot() const override { return snapshot_; }

  Result<std::optional<Delivery>> Next() override {
    auto record = merger_.Next();
    if (!record) return Fail(record.error());
    if (!*record) return std::optional<Delivery>();
    const int64_t wire_time = core::ToClockNs((*record)->event().wire_time());
    if (options_.to && wire_time > core::ToClockNs(*options_.to)) return std::optional<Delivery>();
    if (options_.speed > 0) {
      // Original spacing, scaled: revision i is due at start + (t_i - t_0) / speed.
      if (!first_wire_time_) {
        first_wire_time_ = wire_time;
        start_ = clock_.NowNs();
      }
      const auto offset =
          static_cast<int64_t>(static_cast<double>(wire_time - *first_wire_time_) / options_.speed);
      clock_.SleepUntilNs(start_ + offset);
    }
    Delivery delivery = rebuilder_.Rebuild(**record);
    delivery.recovered = true;
    return std::optional(std::move(delivery));
  }

 private:
  ReplayOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<QueryClient> query_;
  Snapshot snapshot_;
  LogMerger merger_;
  Rebuilder rebuilder_;
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
