// Followers: real newswired processes in tiers (primary -> follower ->
// follower of the follower). Each copies its upstream's log byte for byte,
// through restarts and kill -9 under load, serves readers and fan-out the
// way the primary does, sends publishers to the primary, and releases
// embargoes only when the primary does.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <zmq.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/hub.h"
#include "newswire/publisher/publisher.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "process.h"
#include "result_assertions.h"
#include "store_dump.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using SteadyClock = std::chrono::steady_clock;

// The newest commit a node holds, by query.
uint64_t LastCommit(const std::string& hub) {
  auto client = subscriber::QueryClient::Connect(hub, 2s);
  if (!client) return 0;
  auto page = (*client)->ReadCommits(UINT64_MAX, 1);
  return page ? page->last_commit() : 0;
}

// Waits until `follower` holds every commit `primary` holds.
::testing::AssertionResult CaughtUp(const std::string& primary, const std::string& follower,
                                    std::chrono::seconds within = 30s) {
  const auto deadline = SteadyClock::now() + within;
  uint64_t want = 0, have = 0;
  while (SteadyClock::now() < deadline) {
    want = LastCommit(primary);
    have = LastCommit(follower);
    if (want > 0 && have == want) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(20ms);  // Polling a condition, with a deadline.
  }
  return ::testing::AssertionFailure()
         << follower << " holds commit " << have << " of " << primary << "'s " << want;
}

void ExpectVerified(const std::string& path) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto store, store::RevisionStore::Open(options));
  SCOPED_TRACE(path);
  ASSERT_OK(store->Verify());
}

class ReplicationTest : public ::testing::Test {
 protected:
  std::string Dir(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string Ipc(const std::string& name) const { return "ipc://" + dir_.path() + "/" + name; }

  std::unique_ptr<Daemon> Start(const std::string& name, const std::string& follow = "") {
    std::vector<std::string> args;
    if (!follow.empty()) args.insert(args.end(), {"--follow", follow});
    return std::make_unique<Daemon>(Dir(name), args, Ipc(name + ".hub"));
  }

  testing::TempDir dir_;
};

// Publishes under load while the follower restarts and is killed; every
// node ends with the same log, byte for byte, and a clean verify.
TEST_F(ReplicationTest, FollowersInTiersCopyThePrimaryByteForByteThroughRestartsAndKills) {
  auto primary = Start("primary");
  auto regional = Start("regional", primary->hub());
  auto edge = Start("edge", regional->hub());

  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> publishers;
  for (int t = 0; t < 2; ++t) {
    publishers.emplace_back([&, t] {
      publisher::PublisherOptions options;
      options.hub = primary->hub();
      options.publisher_id = "desk-" + std::to_string(t);
      auto publisher = publisher::Publisher::Connect(options);
      ASSERT_TRUE(publisher);
      for (int n = 0; !stop.load(); ++n) {
        auto article = testing::MakeArticle(testing::Numbered("t" + std::to_string(t) + "-", n % 7),
                                            testing::Numbered("revision ", n), 1 + n % 4);
        auto ack = (*publisher)->Publish(article, {.publisher_key = testing::Numbered("k", n)});
        ASSERT_TRUE(ack) << ack.error().ToString();
        acked.fetch_add(1);
      }
    });
  }
  auto wait_for_acks = [&](int count) {
    const auto deadline = SteadyClock::now() + 30s;
    while (acked.load() < count && SteadyClock::now() < deadline) std::this_thread::sleep_for(5ms);
    ASSERT_GE(acked.load(), count);
  };
  wait_for_acks(100);
  ASSERT_EQ(regional->Stop(), 0) << regional->Stderr();
  wait_for_acks(200);
  regional = Start("regional", primary->hub());
  wait_for_acks(300);
  regional->Kill9();
  wait_for_acks(400);
  regional = Start("regional", primary->hub());
  wait_for_acks(500);
  stop = true;
  for (auto& thread : publishers) thread.join();

  ASSERT_TRUE(CaughtUp(primary->hub(), regional->hub()));
  ASSERT_TRUE(CaughtUp(primary->hub(), edge->hub()));
  for (const auto* node : {regional.get(), edge.get()}) {
    auto compare = testing::Run({testing::NewswirePath(), "admin", "compare", "--hub",
                                 primary->hub(), "--hub", node->hub()});
    EXPECT_EQ(compare.exit_code, 0) << compare.out << compare.err;
    EXPECT_NE(compare.out.find("identical"), std::string::npos) << compare.out;
  }
  primary->Stop();
  regional->Stop();
  edge->Stop();
  const auto original = testing::DumpStore(Dir("primary"));
  EXPECT_GT(original.size(), 500u);
  for (const std::string node : {"regional", "edge"}) {
    EXPECT_TRUE(testing::DumpStore(Dir(node)) == original) << node << " differs from the primary";
    ExpectVerified(Dir(node));
  }
}

// A desk moved from the primary to a follower mid-stream resumes by wire
// sequence and sees every revision once, verified.
TEST_F(ReplicationTest, SubscriberMovedToAFollowerResumesWithoutGapOrDuplicate) {
  auto primary = Start("primary");
  auto follower = Start("follower", primary->hub());
  publisher::PublisherOptions publisher_options;
  publisher_options.hub = primary->hub();
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(publisher_options));
  auto publish = [&](int from, int to) {
    for (int n = from; n < to; ++n) {
      ASSERT_OK(publisher->Publish(
          testing::MakeArticle(testing::Numbered("story-", n % 5), testing::Numbered("r", n))));
    }
  };

  subscriber::SubscriberOptions options;
  options.hub = primary->hub();
  ASSERT_OK_AND_ASSIGN(auto on_primary, subscriber::Subscriber::Connect(options));
  publish(0, 40);
  std::vector<uint64_t> seen;
  auto take = [&](subscriber::Subscriber& from, uint64_t through) {
    const auto deadline = SteadyClock::now() + 20s;
    while ((seen.empty() || seen.back() < through) && SteadyClock::now() < deadline) {
      auto notice = from.Next(200ms);
      ASSERT_TRUE(notice) << notice.error().ToString();
      if (!*notice) continue;
      if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
        EXPECT_TRUE(delivery->verified) << delivery->problem;
        seen.push_back(delivery->event.wire_seq());
      }
      EXPECT_FALSE(std::holds_alternative<subscriber::Gap>(**notice));
    }
  };
  take(*on_primary, 25);
  const uint64_t resume = on_primary->last_delivered_wire_seq() + 1;
  on_primary.reset();
  publish(40, 80);

  options.hub = follower->hub();
  options.since_wire_seq = resume;
  ASSERT_OK_AND_ASSIGN(auto on_follower, subscriber::Subscriber::Connect(options));
  publish(80, 100);
  take(*on_follower, 100);
  ASSERT_EQ(seen.size(), 100u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
}

// A publish sent to a follower is refused with not_primary naming the
// primary; the publisher library sends it there under the same key.
TEST_F(ReplicationTest, PublishToAFollowerGoesToThePrimary) {
  auto primary = Start("primary");
  auto follower = Start("follower", primary->hub());
  auto edge = Start("edge", follower->hub());

  // On the wire: the follower's answer names the primary (once it has
  // learnt it from its upstream) and stores nothing.
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  ASSERT_OK_AND_ASSIGN(auto endpoints, core::ParseHub(follower->hub()));
  dealer.connect(endpoints.ingest);
  v1::PublishReply reply;
  const auto deadline = SteadyClock::now() + 10s;
  while (reply.error().primary_hub().empty() && SteadyClock::now() < deadline) {
    v1::PublishRequest request;
    request.set_request_id(7);
    *request.mutable_article() = testing::ExampleStory(1);
    dealer.send(zmq::buffer(request.SerializeAsString()), zmq::send_flags::none);
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_EQ(zmq::poll(&item, 1, 5s), 1);
    zmq::message_t message;
    ASSERT_TRUE(dealer.recv(message));
    ASSERT_TRUE(reply.ParseFromArray(message.data(), static_cast<int>(message.size())));
    EXPECT_EQ(reply.request_id(), 7u);
    EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_NOT_PRIMARY);
  }
  EXPECT_EQ(reply.error().primary_hub(), primary->hub());
  EXPECT_EQ(LastCommit(primary->hub()), 0u);

  // The CLI (the publisher library) follows it.
  auto published = testing::Run({testing::NewswirePath(), "publish", "--json", "--hub",
                                 follower->hub(), testing::ExamplesDir() + "/tokyo-talks/v1.json"});
  EXPECT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("\"wire_seq\":1"), std::string::npos) << published.out;

  // Through the library, from the follower of the follower: redirected.
  publisher::PublisherOptions options;
  options.hub = edge->hub();
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
  auto article = testing::ExampleStory(2);
  ASSERT_OK_AND_ASSIGN(auto ack, publisher->Publish(article, {.publisher_key = "redirected"}));
  EXPECT_EQ(ack.version(), 2u);
  ASSERT_OK_AND_ASSIGN(auto again, publisher->Publish(article, {.publisher_key = "redirected"}));
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.wire_seq(), ack.wire_seq());
  ASSERT_TRUE(CaughtUp(primary->hub(), edge->hub()));
  ASSERT_OK_AND_ASSIGN(auto query, subscriber::QueryClient::Connect(edge->hub(), 2s));
  ASSERT_OK_AND_ASSIGN(auto stored, query->GetArticle(article.id(), 0));
  EXPECT_EQ(stored.content_hash(), ack.content_hash());
}

// A held embargo reaches the follower as held text it never serves; the
// follower fans it out only once the primary released it, with the
// primary's wire time.
TEST_F(ReplicationTest, FollowerReleasesAnEmbargoOnlyWhenThePrimaryDoes) {
  auto primary = Start("primary");
  auto follower = Start("follower", primary->hub());
  subscriber::SubscriberOptions options;
  options.hub = follower->hub();
  ASSERT_OK_AND_ASSIGN(auto desk, subscriber::Subscriber::Connect(options));

  publisher::PublisherOptions publisher_options;
  publisher_options.hub = primary->hub();
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(publisher_options));
  auto article = testing::MakeArticle("results", "Quarterly results");
  const auto embargo = std::chrono::system_clock::now() + 1500ms;
  const int64_t embargo_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(embargo.time_since_epoch()).count();
  article.mutable_embargoed()->set_seconds(embargo_ns / 1'000'000'000);
  article.mutable_embargoed()->set_nanos(static_cast<int32_t>(embargo_ns % 1'000'000'000));
  ASSERT_OK_AND_ASSIGN(auto held, publisher->Publish(article));
  ASSERT_TRUE(held.has_embargoed_until());
  ASSERT_TRUE(CaughtUp(primary->hub(), follower->hub()));
  ASSERT_OK_AND_ASSIGN(auto query, subscriber::QueryClient::Connect(follower->hub(), 2s));
  auto early = query->GetArticle("results", 0);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, v1::ERROR_CODE_NOT_FOUND);

  std::optional<subscriber::Delivery> released;
  const auto deadline = SteadyClock::now() + 15s;
  while (!released && SteadyClock::now() < deadline) {
    auto notice = desk->Next(200ms);
    ASSERT_TRUE(notice);
    if (!*notice) continue;
    if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) released = *delivery;
  }
  ASSERT_TRUE(released);
  const auto& t = released->event.wire_time();
  EXPECT_GE(t.seconds() * 1'000'000'000 + t.nanos(), embargo_ns);
  ASSERT_OK_AND_ASSIGN(auto primary_query, subscriber::QueryClient::Connect(primary->hub(), 2s));
  ASSERT_OK_AND_ASSIGN(auto on_primary, primary_query->GetArticle("results", 0));
  EXPECT_EQ(on_primary.wire_time().seconds(), t.seconds());
  EXPECT_EQ(on_primary.wire_time().nanos(), t.nanos());
  EXPECT_EQ(on_primary.content_hash(), released->event.content_hash());
}

// A store that is not a copy of the upstream's log is never mixed with
// it: the follower stops with the reason, and newswired exits 1.
TEST_F(ReplicationTest, FollowerOfAnotherWireStopsWithAClearError) {
  auto other = Start("other");
  auto primary = Start("primary");
  for (auto* node : {other.get(), primary.get()}) {
    publisher::PublisherOptions options;
    options.hub = node->hub();
    ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
    ASSERT_OK(publisher->Publish(testing::MakeArticle("a", node == other.get() ? "One" : "Two")));
  }
  ASSERT_EQ(other->Stop(), 0);
  // The other wire's store, told to follow this primary.
  auto follower = std::make_unique<Daemon>(
      Dir("other"), std::vector<std::string>{"--follow", primary->hub()}, Ipc("other2.hub"));
  ASSERT_OK(publisher::Publisher::Connect({.hub = primary->hub()})
                .value()
                ->Publish(testing::MakeArticle("b", "Three")));
  // It exits by itself (a zombie until reaped by Stop).
  const auto deadline = SteadyClock::now() + 15s;
  auto exited = [&] {
    std::string stat = testing::ReadFile("/proc/" + std::to_string(follower->pid()) + "/stat");
    const auto paren = stat.rfind(')');
    return paren == std::string::npos || stat.substr(paren + 2, 1) == "Z";
  };
  while (SteadyClock::now() < deadline && !exited()) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(follower->Stop(), 1);
  EXPECT_NE(follower->Stderr().find("diverges"), std::string::npos) << follower->Stderr();
}

}  // namespace
}  // namespace newswire

namespace newswire {
namespace {

// acks = "quorum": a publish is acked (and fanned out) only once a majority
// of the replica set, the primary counted, holds it durably.
TEST_F(ReplicationTest, QuorumAcksWaitForAMajorityToHoldTheRevision) {
  auto primary = std::make_unique<Daemon>(
      Dir("primary"), std::vector<std::string>{"--acks", "quorum", "--replicas", "3"},
      Ipc("primary.hub"));
  publisher::PublisherOptions options;
  options.hub = primary->hub();
  options.attempt_timeout = 500ms;
  options.attempts = 1;
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
  // Alone, the primary is no majority of three: no ack, nothing fanned out.
  auto alone =
      publisher->Publish(testing::MakeArticle("q", "Held for a majority"), {.publisher_key = "q1"});
  ASSERT_FALSE(alone);
  EXPECT_EQ(alone.error().code, v1::ERROR_CODE_UNAVAILABLE);

  // One follower makes two of three: the same publish (same key) is acked,
  // with what the primary had committed.
  auto follower = Start("follower", primary->hub());
  options.attempt_timeout = 5s;
  ASSERT_OK_AND_ASSIGN(auto retry, publisher::Publisher::Connect(options));
  ASSERT_OK_AND_ASSIGN(auto ack, retry->Publish(testing::MakeArticle("q", "Held for a majority"),
                                                {.publisher_key = "q1"}));
  EXPECT_EQ(ack.wire_seq(), 1u);
  EXPECT_GE(LastCommit(follower->hub()), 1u);
  ASSERT_OK_AND_ASSIGN(auto next, retry->Publish(testing::MakeArticle("q2", "Then at once")));
  EXPECT_EQ(next.wire_seq(), 2u);
}

}  // namespace
}  // namespace newswire

namespace newswire {
namespace {

// A subscriber given several hubs moves to the next when the node it
// follows dies, and resumes there by wire sequence: every revision once,
// verified, in order, and the switch said.
TEST_F(ReplicationTest, ASubscriberOfSeveralHubsMovesOnWhenItsNodeDies) {
  auto primary = Start("primary");
  auto follower = Start("follower", primary->hub());
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect({.hub = primary->hub()}));
  auto publish = [&](int from, int to) {
    for (int n = from; n < to; ++n) {
      ASSERT_OK(publisher->Publish(
          testing::MakeArticle(testing::Numbered("story-", n % 5), testing::Numbered("r", n))));
    }
  };
  subscriber::SubscriberOptions options;
  options.hub = follower->hub() + "," + primary->hub();
  options.failover_after = 500ms;
  ASSERT_OK_AND_ASSIGN(auto subscriber, subscriber::Subscriber::Connect(options));

  std::vector<uint64_t> seen;
  std::vector<std::string> switched_to;
  auto take = [&](uint64_t through) {
    const auto deadline = SteadyClock::now() + 20s;
    while ((seen.empty() || seen.back() < through) && SteadyClock::now() < deadline) {
      auto notice = subscriber->Next(200ms);
      ASSERT_TRUE(notice) << notice.error().ToString();
      if (!*notice) continue;
      if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
        EXPECT_TRUE(delivery->verified) << delivery->problem;
        seen.push_back(delivery->event.wire_seq());
      } else if (auto* change = std::get_if<subscriber::ConnectionChange>(&**notice)) {
        if (change->switched_hub) switched_to.push_back(change->endpoint);
      }
      EXPECT_FALSE(std::holds_alternative<subscriber::Gap>(**notice));
    }
  };
  publish(0, 30);
  take(30);
  follower->Kill9();
  publish(30, 60);  // While the subscriber's node is gone.
  take(60);
  publish(60, 70);
  take(70);
  ASSERT_EQ(seen.size(), 70u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
  EXPECT_EQ(switched_to, std::vector<std::string>{primary->hub()});
  EXPECT_EQ(subscriber->last_delivered_wire_seq(), 70u);
}

}  // namespace
}  // namespace newswire
