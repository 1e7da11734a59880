// The wire as of a moment (README "The wire as of a moment"): what a desk
// held at an instant, from a daemon whose clock the test moves, at
// instants just before and after a revision's wire time, an embargo
// release and a kill; paging; and a replay that starts from a snapshot
// delivering exactly what a live desk received from that moment.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <google/protobuf/util/time_util.h>

#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/core/article.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/replayer.h"
#include "newswire/subscriber/snapshot.h"
#include "process.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::MakeArticle;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'795'590'300LL * kSecond;  // 2026-11-25T06:05:00Z

google::protobuf::Timestamp At(int64_t ns) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(ns / kSecond);
  ts.set_nanos(static_cast<int32_t>(ns % kSecond));
  return ts;
}

int64_t Nanos(const google::protobuf::Timestamp& ts) { return ts.seconds() * kSecond + ts.nanos(); }

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::InProcessDaemon>(dir_.path() + "/store", clock_);
    publisher::PublisherOptions options;
    options.hub = daemon_->hub();
    ASSERT_OK_AND_ASSIGN(publisher_, publisher::Publisher::Connect(options));
    ASSERT_OK_AND_ASSIGN(query_, subscriber::QueryClient::Connect(daemon_->hub(), 5s));
  }

  // Publishes at the clock's time plus `advance_ns`; the ack.
  v1::PublishAck Publish(const v1::Article& article, int64_t advance_ns = kSecond) {
    clock_.Advance(advance_ns);
    return testing::Unwrap(publisher_->Publish(article, {}), "publish");
  }

  // "id vN" (with " KILLED") for each story of the snapshot, in id order.
  std::vector<std::string> Stories(int64_t as_of_ns, subscriber::ChannelSelection channels = {}) {
    subscriber::SnapshotRequest request;
    request.as_of = At(as_of_ns);
    request.channels = std::move(channels);
    auto snapshot = testing::Unwrap(subscriber::ReadSnapshot(*query_, request), "snapshot");
    std::vector<std::string> out;
    for (const auto& s : snapshot.stories) {
      out.push_back(s.article_id() + " v" + std::to_string(s.version()) +
                    (s.pubstatus() == v1::PUB_STATUS_CANCELED ? " KILLED" : ""));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{kStart};
  std::unique_ptr<testing::InProcessDaemon> daemon_;
  std::unique_ptr<publisher::Publisher> publisher_;
  std::unique_ptr<subscriber::QueryClient> query_;
};

using Strings = std::vector<std::string>;

TEST_F(SnapshotTest, JustBeforeAndAtARevisionsWireTime) {
  const auto a1 = Publish(MakeArticle("a", "first"));
  Publish(MakeArticle("b", "other story"));
  const auto a2 = Publish(MakeArticle("a", "second"));
  const int64_t t2 = Nanos(a2.wire_time());
  EXPECT_EQ(Stories(Nanos(a1.wire_time()) - 1), Strings{}) << "nothing was out yet";
  EXPECT_EQ(Stories(Nanos(a1.wire_time())), Strings{"a v1"});
  EXPECT_EQ(Stories(t2 - 1), (Strings{"a v1", "b v1"}));
  EXPECT_EQ(Stories(t2), (Strings{"a v2", "b v1"}));
  EXPECT_EQ(Stories(t2 + kSecond), (Strings{"a v2", "b v1"}));
}

TEST_F(SnapshotTest, AnEmbargoedStoryAppearsAtItsReleaseNotBefore) {
  Publish(MakeArticle("early", "out now"));
  auto held = MakeArticle("results", "results");
  const int64_t release = clock_.NowNs() + 60 * kSecond;
  *held.mutable_embargoed() = At(release);
  const auto ack = Publish(held);
  EXPECT_TRUE(ack.has_embargoed_until());
  EXPECT_EQ(Stories(release - 1), Strings{"early v1"}) << "held text is in no snapshot";
  clock_.Set(release);
  // Released by the daemon's clock: wait until the store has it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!query_->GetArticle("results", 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_OK_AND_ASSIGN(auto out, query_->GetArticle("results", 0));
  const int64_t released_at = Nanos(out.wire_time());
  EXPECT_GE(released_at, release);
  EXPECT_EQ(Stories(released_at - 1), Strings{"early v1"});
  EXPECT_EQ(Stories(released_at), (Strings{"early v1", "results v1"}));
}

TEST_F(SnapshotTest, AKilledStoryIsMarkedFromItsKillOn) {
  Publish(MakeArticle("k", "story"));
  auto kill = MakeArticle("k", "story");
  kill.set_pubstatus(v1::PUB_STATUS_CANCELED);
  const int64_t killed = Nanos(Publish(kill).wire_time());
  EXPECT_EQ(Stories(killed - 1), Strings{"k v1"});
  EXPECT_EQ(Stories(killed), Strings{"k v2 KILLED"});
}

TEST_F(SnapshotTest, FeedsInstrumentsAndTopicsSelectStoriesByTheirVersionThen) {
  auto nvda = MakeArticle("n", "chips");
  nvda.set_feed("equities-us");
  nvda.clear_topics();
  nvda.add_topics("chips");
  nvda.clear_instruments();
  auto* in = nvda.add_instruments();
  in->set_exchange("XNAS");
  in->set_symbol("NVDA");
  Publish(nvda);
  Publish(MakeArticle("j", "tokyo"));  // test-feed, XTKS:9984, topic markets.
  nvda.clear_instruments();            // Version 2 no longer mentions NVDA.
  const int64_t dropped = Nanos(Publish(nvda).wire_time());
  EXPECT_EQ(Stories(dropped - 1, {.instruments = {"XNAS:NVDA"}}), Strings{"n v1"});
  EXPECT_EQ(Stories(dropped, {.instruments = {"XNAS:NVDA"}}), Strings{});
  EXPECT_EQ(Stories(dropped, {.feeds = {"equities-us"}}), Strings{"n v2"});
  EXPECT_EQ(Stories(dropped, {.feeds = {"test-feed"}}), Strings{"j v1"});
  EXPECT_EQ(Stories(dropped, {.topics = {"markets"}}), Strings{"j v1"});
  EXPECT_EQ(Stories(dropped, {.feeds = {"equities-us"}, .topics = {"markets"}}),
            (Strings{"j v1", "n v2"}));
}

TEST_F(SnapshotTest, PagesTogetherHoldEveryStoryOnceAtOneInstant) {
  std::map<std::string, uint32_t> expected;
  for (int i = 0; i < 30; ++i) {
    const auto id = testing::Numbered("s", 100 + i);
    Publish(MakeArticle(id, "v1"));
    expected[id] = 1;
  }
  const int64_t instant = clock_.NowNs();
  for (int i = 0; i < 30; i += 3) {  // Revised after the instant: not seen.
    Publish(MakeArticle(testing::Numbered("s", 100 + i), "v2"));
  }
  Publish(MakeArticle("s999", "later story"));
  for (const std::string channel : {"", "f/test-feed|", "i/XTKS:9984|", "t/markets|"}) {
    v1::GetSnapshot query;
    query.set_channel(channel);
    *query.mutable_as_of() = At(instant);
    query.set_limit(7);
    std::map<std::string, uint32_t> seen;
    int pages = 0;
    do {
      ASSERT_OK_AND_ASSIGN(auto page, query_->ReadSnapshot(query));
      EXPECT_EQ(page.wire_seq(), 30u);
      EXPECT_LE(page.entries_size(), 7);
      for (const auto& e : page.entries()) {
        EXPECT_TRUE(seen.emplace(e.article_id(), e.version()).second) << e.article_id();
        EXPECT_EQ(e.feed(), "test-feed");
        EXPECT_LE(e.wire_seq(), 30u);
      }
      query.clear_as_of();
      query.set_at_wire_seq(page.wire_seq());
      query.set_page_token(page.next_page_token());
      ++pages;
    } while (!query.page_token().empty());
    EXPECT_EQ(seen, expected) << "channel " << channel;
    EXPECT_GE(pages, 5);
  }
}

TEST_F(SnapshotTest, BadRequestsGetTypedErrors) {
  Publish(MakeArticle("a", "story"));
  v1::GetSnapshot query;
  query.set_channel("s|");
  EXPECT_EQ(query_->ReadSnapshot(query).error().code, v1::ERROR_CODE_MALFORMED);
  query.set_channel("t/markets|");
  query.set_page_token("17");
  EXPECT_EQ(query_->ReadSnapshot(query).error().code, v1::ERROR_CODE_MALFORMED)
      << "a later page without its instant";
  query.set_at_wire_seq(1);
  query.set_page_token("not a token");
  EXPECT_EQ(query_->ReadSnapshot(query).error().code, v1::ERROR_CODE_MALFORMED);
}

// Real newswired processes from here on.

TEST(SnapshotReplayTest, ReplayWithASnapshotDeliversWhatALiveDeskReceivedFromThatMoment) {
  testing::TempDir dir;
  testing::Daemon daemon(dir.path() + "/store");
  publisher::PublisherOptions publisher_options;
  publisher_options.hub = daemon.hub();
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(publisher_options));
  auto publish = [&](const v1::Article& a) {
    return testing::Unwrap(publisher->Publish(a, {}), "publish");
  };
  // A desk follows live from the start.
  subscriber::SubscriberOptions live_options;
  live_options.hub = daemon.hub();
  ASSERT_OK_AND_ASSIGN(auto live, subscriber::Subscriber::Connect(live_options));
  // Before the moment: stories the desk comes to hold.
  auto v2 = testing::ExampleStory(2);
  v2.clear_version();
  publish(testing::ExampleStory(1));
  publish(v2);
  for (int i = 0; i < 5; ++i) publish(MakeArticle(testing::Numbered("old", i), "before"));
  // After: a correction, revisions of held stories, a kill, a new story.
  auto v3 = v2;
  for (auto& p : *v3.mutable_body()) {
    if (auto at = p.find("3.2%"); at != std::string::npos) p.replace(at, 4, "3.4%");
  }
  const auto first_after = publish(v3);
  for (int i = 0; i < 5; ++i) {
    auto a = MakeArticle(testing::Numbered("old", i), "revised");
    if (i == 2) a.set_pubstatus(v1::PUB_STATUS_CANCELED);
    publish(a);
  }
  const auto last = publish(MakeArticle("new", "after"));

  std::vector<subscriber::Delivery> received;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((received.empty() || received.back().event.wire_seq() < last.wire_seq()) &&
         std::chrono::steady_clock::now() < deadline) {
    auto notice = live->Next(100ms);
    ASSERT_TRUE(notice);
    if (*notice) {
      auto* d = std::get_if<subscriber::Delivery>(&**notice);
      if (d && d->event.wire_seq() >= first_after.wire_seq()) received.push_back(*d);
    }
  }
  ASSERT_EQ(received.size(), 7u);
  ASSERT_EQ(received.front().event.wire_seq(), first_after.wire_seq());

  subscriber::ReplayOptions options;
  options.hub = daemon.hub();
  options.from = first_after.wire_time();
  options.with_snapshot = true;
  ASSERT_OK_AND_ASSIGN(auto replayer, subscriber::Replayer::Open(options));
  const auto& snapshot = replayer->snapshot();
  EXPECT_EQ(snapshot.wire_seq, first_after.wire_seq() - 1);
  EXPECT_EQ(snapshot.stories.size(), 6u);  // The example story at v2 and five others.
  for (const auto& live_delivery : received) {
    ASSERT_OK_AND_ASSIGN(auto next, replayer->Next());
    ASSERT_TRUE(next);
    const auto& replayed = *next;
    EXPECT_EQ(replayed.event.SerializeAsString(), live_delivery.event.SerializeAsString())
        << "the event exactly as it came";
    EXPECT_TRUE(replayed.verified);
    EXPECT_FALSE(replayed.repaired) << replayed.problem << ": the snapshot held its base";
    EXPECT_EQ(replayed.rebuilt->canonical(), live_delivery.rebuilt->canonical());
    EXPECT_EQ(replayed.killed(), live_delivery.killed());
    std::vector<std::string> a, b;
    for (const auto& c : replayed.figure_changes()) a.push_back(core::FigureChangeLine(c));
    for (const auto& c : live_delivery.figure_changes()) b.push_back(core::FigureChangeLine(c));
    EXPECT_EQ(a, b);
  }
  ASSERT_OK_AND_ASSIGN(auto end, replayer->Next());
  EXPECT_FALSE(end);
  EXPECT_EQ(received.front().figure_changes().size(), 1u) << "3.2% -> 3.4%";
}

TEST(SnapshotCliTest, SnapshotAsOfPrintsTheStoriesThenLive) {
  testing::TempDir dir;
  testing::Daemon daemon(dir.path() + "/store");
  publisher::PublisherOptions publisher_options;
  publisher_options.hub = daemon.hub();
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(publisher_options));
  ASSERT_OK_AND_ASSIGN(auto first, publisher->Publish(MakeArticle("a", "first"), {}));
  auto kill = MakeArticle("b", "second");
  ASSERT_OK(publisher->Publish(kill, {}));
  kill.set_pubstatus(v1::PUB_STATUS_CANCELED);
  ASSERT_OK(publisher->Publish(kill, {}));
  const std::string as_of = google::protobuf::util::TimeUtil::ToString(first.wire_time());
  auto run = testing::Run({testing::NewswirePath(), "snapshot", "--hub", daemon.hub(), "--json",
                           "--as-of", as_of, "--feed", "test-feed"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream lines(run.out);
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(parsed.size(), 2u) << run.out;
  EXPECT_EQ(parsed[0]["snapshot"]["wire_seq"], 1);
  EXPECT_EQ(parsed[1]["article_id"], "a");
  EXPECT_EQ(parsed[1]["feed"], "test-feed");
  auto now =
      testing::Run({testing::NewswirePath(), "snapshot", "--hub", daemon.hub(), "--no-color"});
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_NE(now.out.find("the wire up to #3"), std::string::npos) << now.out;
  EXPECT_NE(now.out.find("b v2  test-feed"), std::string::npos) << now.out;
  EXPECT_NE(now.out.find("KILLED"), std::string::npos) << now.out;
  auto bad = testing::Run(
      {testing::NewswirePath(), "snapshot", "--hub", daemon.hub(), "--as-of", "yesterday"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace newswire
