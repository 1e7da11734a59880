// Hostile clients against a real daemon: what one client sends or asks
// for is bounded, the offender is dropped or refused, and everyone else is
// served as before.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <zmq.hpp>

#include "articles.h"
#include "daemon.h"
#include "http_probe.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/core/hub.h"
#include "newswire/core/process_stats.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "raw_zmtp.h"
#include "result_assertions.h"
#include "sync_points.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::MakeArticle;

std::unique_ptr<publisher::Publisher> NewPublisher(const std::string& hub) {
  publisher::PublisherOptions options;
  options.hub = hub;
  return testing::Unwrap(publisher::Publisher::Connect(options), "publisher");
}

// Waits (up to 10 s) until the daemon's metric `sample` reaches `at_least`.
double AwaitMetric(const std::string& metrics, const std::string& sample, double at_least) {
  double value = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    value = testing::ParsePrometheus(testing::Get(metrics, "/metrics"))[sample];
    if (value >= at_least) break;
    std::this_thread::sleep_for(20ms);  // Polling a gauge, with a deadline.
  }
  return value;
}

class HostileTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

// Replays page the log on every worker but one; the one left answers a
// `get` at once, however long the pages take.
TEST_F(HostileTest, AGetIsAnsweredWhileEveryPagingWorkerIsBusy) {
  testing::ManualClock clock(1'795'590'300LL * 1'000'000'000);
  testing::InProcessDaemon daemon(dir_.path() + "/store", clock);
  ASSERT_OK(NewPublisher(daemon.hub())->Publish(MakeArticle("story", "one")));
  std::mutex mutex;
  std::condition_variable changed;
  int paging = 0;
  bool release = false;
  testing::ArmedSyncPoint hold("query.read_log", [&] {
    std::unique_lock lock(mutex);
    ++paging;
    changed.notify_all();
    changed.wait_for(lock, 30s, [&] { return release; });
    return false;
  });
  std::vector<std::thread> replays;
  for (int i = 0; i < 6; ++i) {
    replays.emplace_back([&] {
      auto client = subscriber::QueryClient::Connect(daemon.hub(), 30s);
      if (!client) return;
      v1::ReadLog page;
      page.set_from_seq(1);
      EXPECT_TRUE((*client)->ReadLog(page));
    });
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return paging == 3; }))
        << "three of the four workers page the log";
  }
  ASSERT_OK_AND_ASSIGN(auto client, subscriber::QueryClient::Connect(daemon.hub(), 5s));
  auto got = client->GetArticle("story", 0);
  EXPECT_TRUE(got) << "the get waited behind the replays: " << got.error().ToString();
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(paging, 3) << "no fourth page ran meanwhile";
    release = true;
  }
  changed.notify_all();
  for (auto& thread : replays) thread.join();
}

// A subscription message of 16 MB once cost the daemon 1.6 GB; now ZeroMQ
// drops the sender at 512 bytes and the wire carries on.
TEST_F(HostileTest, AnOversizeSubscriptionDropsItsSenderNotTheWire) {
  testing::Daemon daemon(dir_.path() + "/store");
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  ASSERT_OK_AND_ASSIGN(auto reader, subscriber::Subscriber::Connect(options));
  const double rss_before = core::ReadProcessStats(daemon.pid())->resident_bytes;
  std::string subscription(16 << 20, 'x');
  subscription[0] = 1;  // "subscribe", then a 16 MB channel name.
  testing::RawZmtpPeer hostile(core::ParseHub(daemon.hub())->fanout, "SUB");
  hostile.Send(subscription);

  ASSERT_OK(NewPublisher(daemon.hub())->Publish(MakeArticle("story", "still serving")));
  auto notice = reader->Next(10s);
  ASSERT_OK(notice);
  ASSERT_TRUE(notice->has_value());
  ASSERT_TRUE(std::holds_alternative<subscriber::Delivery>(**notice));
  const double grown = core::ReadProcessStats(daemon.pid())->resident_bytes - rss_before;
  EXPECT_LT(grown, 48.0 * (1 << 20)) << "the daemon held on to the subscription";
}

TEST_F(HostileTest, ASubscriptionNamingNoChannelIsCountedAndIgnored) {
  testing::Daemon daemon(dir_.path() + "/store");
  zmq::context_t context;
  zmq::socket_t peer(context, zmq::socket_type::sub);
  peer.set(zmq::sockopt::linger, 0);
  peer.connect(core::ParseHub(daemon.hub())->fanout);
  peer.set(zmq::sockopt::subscribe, "no such channel");
  EXPECT_GE(AwaitMetric(daemon.metrics(), "newswire_refused_subscriptions_total", 1), 1);
}

// Memory the daemon holds after `count` publishes of ~100 KB articles that
// do not compress, with or without a subscriber that never reads.
double ResidentAfterLargePublishes(const std::string& dir, bool stuck_subscriber, int count,
                                   double* queue_limit) {
  testing::Daemon daemon(dir, {"--fanout-queue-mb", "4", "--durability", "async"});
  std::unique_ptr<testing::RawZmtpPeer> stuck;
  if (stuck_subscriber) {
    stuck = std::make_unique<testing::RawZmtpPeer>(core::ParseHub(daemon.hub())->fanout, "SUB");
    stuck->Send(std::string("\x01w|", 3));  // Subscribes to the whole wire, then never reads.
  }
  auto publisher = NewPublisher(daemon.hub());
  std::mt19937_64 random(7);
  for (int i = 0; i < count; ++i) {
    auto article = MakeArticle(testing::Numbered("large-", i), "large", 1);
    std::string text;
    while (text.size() < 100'000) text += std::to_string(random()) + " ";
    article.set_body(0, text);
    EXPECT_TRUE(publisher->Publish(article));
  }
  *queue_limit = testing::ParsePrometheus(
      testing::Get(daemon.metrics(), "/metrics"))["newswire_fanout_queue_limit_messages"];
  return core::ReadProcessStats(daemon.pid())->resident_bytes;
}

// A subscriber that stops reading holds at most its byte budget of events,
// not a count of messages whatever their size (once 976 MB against 470).
TEST_F(HostileTest, AStuckSubscriberHoldsAtMostItsByteBudget) {
  double limit = 0;
  const double without = ResidentAfterLargePublishes(dir_.path() + "/a", false, 300, &limit);
  const double with = ResidentAfterLargePublishes(dir_.path() + "/b", true, 300, &limit);
  EXPECT_LE(limit, 128) << "4 MiB of events of some 50 KB each (the zstd deltas)";
  EXPECT_LT(with - without, 16.0 * (1 << 20)) << "the stuck subscriber's queue grew past 4 MiB";
}

// Frames that protobuf refuses (invalid UTF-8 in a string field) used to
// print a raw library line each on stderr, whatever the log settings; now
// they are counted, and logged through the daemon's logger, rate-limited.
TEST_F(HostileTest, RefusedFramesAreCountedAndKeptOffStderr) {
  testing::Daemon daemon(dir_.path() + "/store", {"--log-level", "off"});
  zmq::context_t context;
  zmq::socket_t peer(context, zmq::socket_type::dealer);
  peer.set(zmq::sockopt::linger, 0);
  peer.connect(core::ParseHub(daemon.hub())->ingest);
  // PublishRequest field 2 (publisher_id) holding bytes that are not UTF-8.
  const std::string frame = std::string("\x08\x07\x12\x02\xff\xfe", 6);
  for (int i = 0; i < 100; ++i) peer.send(zmq::buffer(frame), zmq::send_flags::none);
  for (int i = 0; i < 100; ++i) {
    zmq::message_t reply;
    peer.set(zmq::sockopt::rcvtimeo, 5000);
    ASSERT_TRUE(peer.recv(reply)) << "every refusal is answered";
    v1::PublishReply parsed;
    ASSERT_TRUE(parsed.ParseFromArray(reply.data(), static_cast<int>(reply.size())));
    EXPECT_EQ(parsed.error().code(), v1::ERROR_CODE_MALFORMED);
  }
  auto metrics = testing::ParsePrometheus(testing::Get(daemon.metrics(), "/metrics"));
  EXPECT_EQ(metrics["newswire_refused_frames_total{service=\"ingest\",reason=\"not_a_request\"}"],
            100);
  EXPECT_GE(metrics["newswire_library_log_lines_total"], 100);
  daemon.Stop();
  EXPECT_EQ(daemon.Stderr().find("libprotobuf"), std::string::npos) << daemon.Stderr();
}

}  // namespace
}  // namespace newswire
