// Delivery guarantees with the real daemon: no gap, no duplicate, nothing
// wrong without being told — through drops, restarts and late joins.
#include <gtest/gtest.h>

#include <fstream>

#include "articles.h"
#include "daemon.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/process_stats.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/replayer.h"
#include "newswire/subscriber/subscriber.h"
#include "result_assertions.h"
#include "sync_points.h"

#if defined(__SANITIZE_ADDRESS__)
#define NEWSWIRE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NEWSWIRE_ASAN 1
#endif
#endif
#if NEWSWIRE_ASAN
// The sanitizer runtime's allocator interface (sanitizer/allocator_interface.h,
// which Debian's g++ does not ship).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::MakeArticle;
using testing::Numbered;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'795'590'300LL * kSecond;  // 2026-11-25T06:05:00Z

std::unique_ptr<publisher::Publisher> NewPublisher(const std::string& hub) {
  publisher::PublisherOptions options;
  options.hub = hub;
  return testing::Unwrap(publisher::Publisher::Connect(options), "connecting a publisher");
}

std::unique_ptr<subscriber::Subscriber> NewSubscriber(subscriber::SubscriberOptions options) {
  return testing::Unwrap(subscriber::Subscriber::Connect(options), "subscribing");
}

// Publishes `count` revisions pipelined (a window of acks in flight).
void PublishMany(const std::string& hub, int count, const std::string& prefix = "story",
                 int articles = 20) {
  auto publisher = NewPublisher(hub);
  int acked = 0, sent = 0;
  while (acked < count) {
    while (sent < count && sent - acked < 64) {
      auto article = MakeArticle(prefix + "-" + std::to_string(sent % articles),
                                 "revision " + std::to_string(sent), 1 + sent % 4);
      ASSERT_TRUE(publisher->Send(article));
      ++sent;
    }
    auto reply = publisher->Receive(10s);
    ASSERT_TRUE(reply) << reply.error().ToString();
    ASSERT_TRUE(reply->has_ack()) << reply->error().message();
    ++acked;
  }
}

// Reads revisions until `count` arrived; fails on any gap notice.
std::vector<subscriber::Delivery> Read(subscriber::Subscriber& subscriber, std::size_t count) {
  std::vector<subscriber::Delivery> out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto notice = subscriber.Next(200ms);
    EXPECT_TRUE(notice) << notice.error().ToString();
    if (!notice) break;
    if (!notice->has_value()) continue;
    auto* gap = std::get_if<subscriber::Gap>(&**notice);
    EXPECT_EQ(gap, nullptr) << "unrecovered gap on " << gap->channel;
    if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
      out.push_back(std::move(*delivery));
    }
  }
  EXPECT_EQ(out.size(), count) << "revisions missing at the deadline";
  return out;
}

void ExpectWireSeqs(const std::vector<subscriber::Delivery>& got, uint64_t first, uint64_t last) {
  ASSERT_EQ(got.size(), last - first + 1);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].event.wire_seq(), first + i) << "at " << i;
    EXPECT_TRUE(got[i].verified) << got[i].problem;
  }
}

class DeliveryTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(DeliveryTest, SlowSubscriberPastTheHighWaterMarkRecoversEveryRevision) {
  testing::Daemon daemon(dir_.path() + "/store", {"--durability", "async", "--fanout-hwm", "20"});
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  options.receive_hwm = 20;
  // A small kernel buffer: the overflow does not depend on the kernel's
  // defaults (TCP buffers may otherwise hold the whole burst).
  options.receive_buffer_bytes = 4096;
  auto subscriber = NewSubscriber(options);
  PublishMany(daemon.hub(), 1500);  // Nobody reads meanwhile: ZeroMQ drops.
  auto got = Read(*subscriber, 1500);
  ExpectWireSeqs(got, 1, 1500);
  EXPECT_GT(std::count_if(got.begin(), got.end(), [](auto& d) { return d.recovered; }), 0)
      << "the test meant to overflow the high-water mark";
}

TEST_F(DeliveryTest, RestartedSubscriberResumesWithoutGapOrDuplicate) {
  testing::Daemon daemon(dir_.path() + "/store", {"--durability", "async"});
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  uint64_t cursor = 0;
  {
    auto first = NewSubscriber(options);
    PublishMany(daemon.hub(), 40);
    Read(*first, 25);  // Stops mid-stream; 15 more are queued and lost with it.
    cursor = first->last_delivered_wire_seq();
  }
  EXPECT_EQ(cursor, 25u);
  PublishMany(daemon.hub(), 10, "later");
  options.since_wire_seq = cursor + 1;
  auto resumed = NewSubscriber(options);
  ExpectWireSeqs(Read(*resumed, 25), 26, 50);
  PublishMany(daemon.hub(), 5, "live");
  ExpectWireSeqs(Read(*resumed, 5), 51, 55);
}

TEST_F(DeliveryTest, DaemonRestartDuringAStreamIsSurvivedWithoutGaps) {
  // Restarted on the same address: an ipc:// hub only this test can take.
  auto daemon = std::make_unique<testing::Daemon>(dir_.path() + "/store",
                                                  std::vector<std::string>{"--durability", "async"},
                                                  "ipc://" + dir_.path() + "/hub");
  const std::string hub = daemon->hub();
  subscriber::SubscriberOptions options;
  options.hub = hub;
  auto subscriber = NewSubscriber(options);
  PublishMany(hub, 10);
  ExpectWireSeqs(Read(*subscriber, 10), 1, 10);

  daemon->Kill9();
  daemon = std::make_unique<testing::Daemon>(
      dir_.path() + "/store", std::vector<std::string>{"--durability", "async"}, hub);
  PublishMany(hub, 10, "after");
  ExpectWireSeqs(Read(*subscriber, 10), 11, 20);
}

TEST_F(DeliveryTest, LateJoinerOnAnInstrumentGetsItsHistoryThenLive) {
  testing::Daemon daemon(dir_.path() + "/store", {"--durability", "async"});
  auto publisher = NewPublisher(daemon.hub());
  // Each publish changes its story (a re-send of the same text would be
  // an unchanged version, nothing sent).
  auto on = [](const std::string& id, const std::string& symbol, int take = 0) {
    auto article = MakeArticle(id, "about " + symbol + " take " + std::to_string(take));
    article.mutable_instruments(0)->set_symbol(symbol);
    article.mutable_instruments(0)->set_exchange("XNAS");
    return article;
  };
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(publisher->Publish(on("nvda-" + std::to_string(i % 2), "NVDA", i)));
    ASSERT_TRUE(publisher->Publish(on("nvdax-" + std::to_string(i), "NVDAX", i)));
  }
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  options.channels.instruments = {"XNAS:NVDA"};
  options.since_wire_seq = 1;
  auto subscriber = NewSubscriber(options);
  ASSERT_TRUE(publisher->Publish(on("nvdax-live", "NVDAX")));
  ASSERT_TRUE(publisher->Publish(on("nvda-live", "NVDA")));
  auto got = Read(*subscriber, 7);
  ASSERT_EQ(got.size(), 7u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(got[i].event.wire_seq(), 1 + 2 * i) << "history in wire order";
    EXPECT_TRUE(got[i].recovered);
    EXPECT_TRUE(got[i].verified) << got[i].problem;
  }
  EXPECT_EQ(got[6].event.article_id(), "nvda-live");
  EXPECT_FALSE(got[6].recovered);
  auto more = subscriber->Next(300ms);
  ASSERT_TRUE(more);
  EXPECT_FALSE(more->has_value() && std::holds_alternative<subscriber::Delivery>(**more))
      << "nothing else is on XNAS:NVDA";
}

TEST_F(DeliveryTest, KillAndCorrectionAreSurfaced) {
  testing::Daemon daemon(dir_.path() + "/store", {"--durability", "async"});
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  auto subscriber = NewSubscriber(options);
  auto publisher = NewPublisher(daemon.hub());
  auto story = MakeArticle("story", "Company X beats forecasts");
  ASSERT_TRUE(publisher->Publish(story));
  story.add_signals(v1::SIGNAL_CORRECTION);
  story.set_headline("Company X misses forecasts");
  ASSERT_TRUE(publisher->Publish(story));
  story.set_pubstatus(v1::PUB_STATUS_CANCELED);
  story.set_urgency(1);
  ASSERT_TRUE(publisher->Publish(story));
  auto got = Read(*subscriber, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0].killed() || got[0].correction());
  EXPECT_TRUE(got[1].correction());
  EXPECT_TRUE(got[2].killed());
  EXPECT_TRUE(got[2].flash());
  EXPECT_TRUE(got[2].verified);
}

// A live event that arrives damaged (it does not parse) is fetched from the
// store like a lost one: never dropped without a word.
TEST_F(DeliveryTest, ADamagedLiveEventIsRepairedFromTheStore) {
  testing::ManualClock clock(kStart);
  testing::InProcessDaemon daemon(dir_.path() + "/store", clock);
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  auto subscriber = NewSubscriber(options);
  auto publisher = NewPublisher(daemon.hub());
  std::atomic<int> sends{0};
  testing::ArmedSyncPoint damage("fanout.damage", [&] { return ++sends == 2; });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(publisher->Publish(MakeArticle(Numbered("s", i), "h")));
  auto got = Read(*subscriber, 3);
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].event.wire_seq(), i + 1);
    EXPECT_TRUE(got[i].verified) << got[i].problem;
    EXPECT_EQ(got[i].recovered, i == 1) << "only the damaged one came from the store";
  }
}

TEST_F(DeliveryTest, EmbargoedRevisionGoesOutAtItsTimeInOrder) {
  testing::ManualClock clock(kStart);
  testing::InProcessDaemon daemon(dir_.path() + "/store", clock);
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  auto subscriber = NewSubscriber(options);
  auto publisher = NewPublisher(daemon.hub());

  auto embargoed = [&](const std::string& id, int64_t until_ns) {
    auto article = MakeArticle(id, "results of " + id);
    article.mutable_embargoed()->set_seconds(until_ns / kSecond);
    return article;
  };
  auto late = publisher->Publish(embargoed("late", kStart + 7200 * kSecond));
  auto early = publisher->Publish(embargoed("early", kStart + 3600 * kSecond));
  ASSERT_TRUE(late && early);
  EXPECT_TRUE(late->has_embargoed_until());
  EXPECT_EQ(late->version(), 0u) << "versioned only when released";
  ASSERT_TRUE(publisher->Publish(MakeArticle("open", "not embargoed")));

  auto got = Read(*subscriber, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event.article_id(), "open");
  auto query = subscriber::QueryClient::Connect(daemon.hub(), 5s);
  ASSERT_OK(query);
  EXPECT_EQ((*query)->GetArticle("early", 0).error().code, v1::ERROR_CODE_NOT_FOUND)
      << "an embargoed story must not be readable early";

  clock.Set(kStart + 8000 * kSecond);  // Both embargoes have passed.
  got = Read(*subscriber, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].event.article_id(), "early");
  EXPECT_EQ(got[1].event.article_id(), "late");
  EXPECT_EQ(got[0].event.wire_seq(), 2u);
  EXPECT_GE(got[0].event.wire_time().seconds(), kStart / kSecond + 8000)
      << "wire time is the release time";
  auto as_of = (*query)->GetArticleAsOf("early", got[0].event.wire_time());
  ASSERT_TRUE(as_of);
}

TEST_F(DeliveryTest, ReplayOfARecordedHourAtTenTimesKeepsOrderAndSpacing) {
  testing::ManualClock daemon_clock(kStart);
  testing::InProcessDaemon daemon(dir_.path() + "/store", daemon_clock);
  auto publisher = NewPublisher(daemon.hub());
  std::vector<int64_t> offsets = {0, 40, 300, 301, 1200, 2400, 3599};  // Seconds into the hour.
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    daemon_clock.Set(kStart + offsets[i] * kSecond);
    ASSERT_TRUE(
        publisher->Publish(MakeArticle("s" + std::to_string(i % 3), "h" + std::to_string(i))));
  }
  daemon_clock.Set(kStart + 7200 * kSecond);
  ASSERT_TRUE(publisher->Publish(MakeArticle("after", "outside the range")));

  testing::ManualClock replay_clock(0);  // Pacing sleeps jump instead of waiting.
  subscriber::ReplayOptions options;
  options.hub = daemon.hub();
  options.from.set_seconds(kStart / kSecond);
  options.to = google::protobuf::Timestamp();
  options.to->set_seconds(kStart / kSecond + 3600);
  options.speed = 10;
  options.clock = &replay_clock;
  auto replayer = subscriber::Replayer::Open(options);
  ASSERT_TRUE(replayer);
  std::vector<int64_t> shown_at;
  while (true) {
    auto next = (*replayer)->Next();
    ASSERT_TRUE(next) << next.error().ToString();
    if (!*next) break;
    EXPECT_TRUE((*next)->verified);
    EXPECT_EQ((*next)->event.wire_seq(), shown_at.size() + 1);
    shown_at.push_back(replay_clock.NowNs());
  }
  ASSERT_EQ(shown_at.size(), offsets.size());
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(shown_at[i] - shown_at[0]), offsets[i] * kSecond / 10.0, 1e6)
        << "revision " << i << " out of its scaled time";
  }
}

TEST_F(DeliveryTest, ReplayAtOneTimesNeverShowsTextBeforeItsTime) {
  testing::ManualClock daemon_clock(kStart);
  testing::InProcessDaemon daemon(dir_.path() + "/store", daemon_clock);
  auto publisher = NewPublisher(daemon.hub());
  for (int i = 0; i < 4; ++i) {
    daemon_clock.Set(kStart + i * kSecond / 10);  // 100 ms apart.
    ASSERT_TRUE(publisher->Publish(MakeArticle("s", "version " + std::to_string(i + 1))));
  }
  subscriber::ReplayOptions options;
  options.hub = daemon.hub();
  options.from.set_seconds(kStart / kSecond);
  options.speed = 1;  // Real time, on the real clock.
  auto replayer = subscriber::Replayer::Open(options);
  ASSERT_TRUE(replayer);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    auto next = (*replayer)->Next();
    ASSERT_TRUE(next && *next);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, std::chrono::milliseconds(100 * i) - 2ms) << "version " << i + 1 << " early";
    EXPECT_EQ((*next)->article().headline(), "version " + std::to_string(i + 1));
  }
}

// The client's memory in use. Under AddressSanitizer the heap's live bytes:
// its quarantine keeps freed memory resident on purpose (up to 256 MiB), so
// the resident size grows with the number of allocations, not with what the
// replay holds.
long MemoryInUseKb() {
#if NEWSWIRE_ASAN
  return static_cast<long>(__sanitizer_get_current_allocated_bytes() / 1024);
#else
  return static_cast<long>(core::ReadProcessStats().value_or(core::ProcessStats{}).resident_bytes /
                           1024);
#endif
}

TEST_F(DeliveryTest, HundredThousandRevisionReplayAtMaxSpeedKeepsClientMemoryBounded) {
  constexpr int kRevisions = 100000;
  {
    // Written straight into the store: this test is about reading it back.
    store::StoreOptions store_options;
    store_options.path = dir_.path() + "/store";
    store_options.durability = store::Durability::kAsync;
    auto store = store::RevisionStore::Open(store_options);
    ASSERT_TRUE(store);
    for (int batch = 0; batch < kRevisions / 500; ++batch) {
      std::vector<store::PublishInput> inputs;
      for (int i = 0; i < 500; ++i) {
        const int n = batch * 500 + i;
        inputs.push_back(
            {"bulk", "", 0, MakeArticle(Numbered("s", n % 1000), Numbered("rev ", n), 3)});
      }
      for (auto& result : (*store)->Publish(std::move(inputs), kStart + batch)) ASSERT_TRUE(result);
    }
  }
  testing::Daemon daemon(dir_.path() + "/store");
  subscriber::ReplayOptions options;
  options.hub = daemon.hub();
  options.from.set_seconds(0);
  auto replayer = subscriber::Replayer::Open(options);
  ASSERT_TRUE(replayer);
  const long before_kb = MemoryInUseKb();
  long peak_kb = before_kb;
  uint64_t expected = 1;
  while (true) {
    auto next = (*replayer)->Next();
    ASSERT_TRUE(next) << next.error().ToString();
    if (!*next) break;
    ASSERT_EQ((*next)->event.wire_seq(), expected++);
    ASSERT_TRUE((*next)->verified) << (*next)->problem;
    if (expected % 10000 == 0) peak_kb = std::max(peak_kb, MemoryInUseKb());
  }
  EXPECT_EQ(expected - 1, static_cast<uint64_t>(kRevisions));
  EXPECT_LT(peak_kb - before_kb, 64 * 1024) << "replay memory must not grow with the history";
}

}  // namespace
}  // namespace newswire
