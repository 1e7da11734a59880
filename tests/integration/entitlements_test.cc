// Per-feed entitlements on every path, against a real secure daemon with
// real keys (README "Security"). Two feeds whose stories share an
// instrument (XTKS:9984) and a topic (markets): a reader granted only feed
// A never receives anything of feed B, by live fan-out on any channel,
// catch-up, gap repair, replay, snapshots, get, as-of, history or the
// stats channel; a publisher without the grant is unauthorized; a reload
// that narrows a grant cuts a live subscription at once and says why.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "articles.h"
#include "daemon.h"
#include "http_probe.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/core/hub.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/replayer.h"
#include "newswire/subscriber/snapshot.h"
#include "newswire/subscriber/subscriber.h"
#include "result_assertions.h"
#include "secure_keys.h"
#include "sync_points.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::Grant;

constexpr const char* kOpsToken = "ops-token-51c9";

std::vector<Grant> Grants(std::vector<std::string> desk_ab_reads = {"feed-a", "feed-b"}) {
  return {{"newsroom-a", {"publisher"}, {"feed-a"}, {}, ""},
          {"newsroom-b", {"publisher"}, {"feed-b"}, {}, ""},
          {"desk-a", {"subscriber"}, {}, {"feed-a"}, ""},
          {"desk-ab", {"subscriber"}, {}, std::move(desk_ab_reads), ""},
          {"ops", {"operator", "subscriber"}, {}, {"*"}, kOpsToken}};
}

// A story of `feed` on the shared instrument and topic.
v1::Article Story(const std::string& feed, const std::string& id, const std::string& headline) {
  auto article = testing::MakeArticle(id, headline);  // XTKS:9984, "markets".
  article.set_feed(feed);
  return article;
}

class EntitlementsTest : public ::testing::Test {
 protected:
  EntitlementsTest()
      : keys_(dir_.path() + "/keys", Grants()),
        daemon_(dir_.path() + "/store", keys_.DaemonFlags()) {}

  publisher::Publisher& PublisherOf(const std::string& name) {
    auto& slot = publishers_[name];
    if (!slot) {
      publisher::PublisherOptions options;
      options.hub = daemon_.hub();
      options.curve = keys_.Client(name);
      options.publisher_id = "claimed-" + name;  // Never what is recorded.
      slot = testing::Unwrap(publisher::Publisher::Connect(options), "publisher");
    }
    return *slot;
  }

  // Publishes `article` as `name`; its wire sequence.
  uint64_t Publish(const std::string& name, const v1::Article& article) {
    auto ack = PublisherOf(name).Publish(article);
    EXPECT_TRUE(ack) << ack.error().ToString();
    return ack ? ack->wire_seq() : 0;
  }

  // Stories in both feeds, interleaved; the wire sequences of each feed's.
  void PublishBothFeeds(int each) {
    for (int i = 0; i < each; ++i) {
      a_seqs_.insert(Publish("newsroom-a", Story("feed-a", testing::Numbered("a-", i), "A news")));
      b_seqs_.insert(Publish("newsroom-b", Story("feed-b", testing::Numbered("b-", i), "B news")));
    }
  }

  std::unique_ptr<subscriber::Subscriber> Subscribe(const std::string& name,
                                                    subscriber::SubscriberOptions options) {
    options.hub = daemon_.hub();
    options.curve = keys_.Client(name);
    return testing::Unwrap(subscriber::Subscriber::Connect(options), name.c_str());
  }

  std::unique_ptr<subscriber::QueryClient> Query(const std::string& name) {
    return testing::Unwrap(subscriber::QueryClient::Connect(daemon_.hub(), 5s, keys_.Client(name)),
                           "query client");
  }

  // Deliveries until one of wire sequence `until` (or 20 s); checks each
  // is verified and of a feed in `feeds`.
  std::vector<subscriber::Delivery> ReadUntil(subscriber::Subscriber& subscriber, uint64_t until,
                                              const std::set<std::string>& feeds) {
    std::vector<subscriber::Delivery> out;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto notice = subscriber.Next(200ms);
      if (!notice) {
        ADD_FAILURE() << notice.error().ToString();
        break;
      }
      if (!*notice) continue;
      auto* delivery = std::get_if<subscriber::Delivery>(&**notice);
      if (!delivery) continue;
      EXPECT_TRUE(delivery->verified) << delivery->problem;
      EXPECT_TRUE(feeds.count(delivery->article().feed()))
          << "leaked " << delivery->article().id() << " of " << delivery->article().feed() << " on "
          << delivery->channel;
      out.push_back(*delivery);
      if (delivery->event.wire_seq() == until) break;
    }
    return out;
  }

  static std::set<uint64_t> WireSeqs(const std::vector<subscriber::Delivery>& deliveries) {
    std::set<uint64_t> out;
    for (const auto& d : deliveries) out.insert(d.event.wire_seq());
    return out;
  }

  testing::Completed Cli(std::vector<std::string> args, const std::string& as) {
    std::vector<std::string> argv = {testing::NewswirePath()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--hub", daemon_.hub()});
    auto flags = keys_.ClientFlags(as);
    argv.insert(argv.end(), flags.begin(), flags.end());
    return testing::Run(argv);
  }

  testing::TempDir dir_;
  testing::SecureKeys keys_;
  testing::Daemon daemon_;
  std::map<std::string, std::unique_ptr<publisher::Publisher>> publishers_;
  std::set<uint64_t> a_seqs_, b_seqs_;
};

// Live: the reader of A follows the instrument, the topic and "the wire"
// (the library follows feed A's own and scoped channels for them) and
// receives every revision of A, none of B; the reader of both receives
// both on the same instrument.
TEST_F(EntitlementsTest, LiveFanOutCarriesNothingOfAnotherFeedOnAnyChannel) {
  subscriber::SubscriberOptions instrument;
  instrument.channels.instruments = {"XTKS:9984"};
  instrument.channels.topics = {"markets"};
  auto desk_a = Subscribe("desk-a", instrument);
  auto desk_a_wire = Subscribe("desk-a", {});
  auto desk_ab = Subscribe("desk-ab", instrument);
  PublishBothFeeds(5);
  const uint64_t last = Publish("newsroom-a", Story("feed-a", "a-last", "A last"));
  a_seqs_.insert(last);

  EXPECT_EQ(WireSeqs(ReadUntil(*desk_a, last, {"feed-a"})), a_seqs_);
  EXPECT_EQ(WireSeqs(ReadUntil(*desk_a_wire, last, {"feed-a"})), a_seqs_);
  auto both = WireSeqs(ReadUntil(*desk_ab, last, {"feed-a", "feed-b"}));
  EXPECT_EQ(both.size(), a_seqs_.size() + b_seqs_.size());
}

// A client that does not use the library asks for the mixed channels and
// for B's: the daemon applies none of them and says why on its control
// channel; not one revision frame reaches it.
TEST_F(EntitlementsTest, ARawSubscriberGetsRefusalsNotRevisions) {
  auto hub = testing::Unwrap(core::ParseHub(daemon_.hub()), "hub");
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::sub);
  security::ApplyCurveClient(socket, keys_.Client("desk-a"));
  socket.connect(hub.fanout);
  const std::vector<std::string> asked = {
      "w|",        "i/XTKS:9984|",          "t/markets|",
      "f/feed-b|", "f/feed-b/i/XTKS:9984|", "f/feed-b/t/markets|"};
  socket.set(zmq::sockopt::subscribe, "c|");
  for (const auto& topic : asked) socket.set(zmq::sockopt::subscribe, topic);
  std::map<std::string, std::string> refused;
  auto read = [&](std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 100ms) == 0) continue;
      std::vector<zmq::message_t> parts;
      (void)zmq::recv_multipart(socket, std::back_inserter(parts));
      ASSERT_EQ(parts.size(), 3u);
      ASSERT_EQ(parts[0].to_string(), "c|desk-a|") << "a frame on " << parts[0].to_string();
      v1::AccessNotice notice;
      ASSERT_TRUE(notice.ParseFromArray(parts[2].data(), static_cast<int>(parts[2].size())));
      EXPECT_EQ(notice.code(), v1::ERROR_CODE_UNAUTHORIZED);
      refused[notice.channel()] = notice.reason();
      if (refused.size() == asked.size()) return;
    }
  };
  read(10s);
  ASSERT_EQ(refused.size(), asked.size());
  EXPECT_NE(refused["f/feed-b|"].find("not granted feed feed-b (reads feed-a)"), std::string::npos)
      << refused["f/feed-b|"];
  EXPECT_NE(refused["i/XTKS:9984|"].find("follow f/FEED/i/XTKS:9984|"), std::string::npos)
      << refused["i/XTKS:9984|"];
  PublishBothFeeds(3);
  read(1s);  // Any revision frame would fail the test here.
  EXPECT_GE(
      testing::ParsePrometheus(testing::Get(daemon_.metrics(), "/metrics", nullptr,
                                            kOpsToken))["newswire_subscriptions_denied_total"],
      static_cast<double>(asked.size()));
}

// Late join from the first revision, and replay: the same grants, through
// the query service.
TEST_F(EntitlementsTest, CatchUpAndReplayCarryOnlyGrantedFeeds) {
  PublishBothFeeds(10);
  subscriber::SubscriberOptions late;
  late.channels.instruments = {"XTKS:9984"};
  late.since_wire_seq = 1;
  auto catching_up = Subscribe("desk-a", late);
  EXPECT_EQ(WireSeqs(ReadUntil(*catching_up, *a_seqs_.rbegin(), {"feed-a"})), a_seqs_);
  const std::set<uint64_t> all_a = a_seqs_;

  subscriber::ReplayOptions replay;
  replay.hub = daemon_.hub();
  replay.curve = keys_.Client("desk-a");
  replay.channels.instruments = {"XTKS:9984"};
  replay.from.set_seconds(0);
  auto replayer = testing::Unwrap(subscriber::Replayer::Open(replay), "replayer");
  std::set<uint64_t> replayed;
  while (true) {
    ASSERT_OK_AND_ASSIGN(auto next, replayer->Next());
    if (!next) break;
    EXPECT_EQ(next->article().feed(), "feed-a");
    replayed.insert(next->event.wire_seq());
  }
  EXPECT_EQ(replayed, all_a);
}

// Snapshots: the whole wire, the instrument and the topic both feeds
// share, and a feed's own channel, as of now. A reader of A holds A's
// stories and nothing of B, by the library, the CLI and a replay that
// starts from a snapshot; asked raw for a channel that mixes feeds or for
// B's, the daemon refuses. Readers of both feeds (by name or by "*") hold
// both.
TEST_F(EntitlementsTest, SnapshotsHoldOnlyGrantedFeeds) {
  PublishBothFeeds(3);
  std::set<std::string> a_ids, all_ids;
  for (int i = 0; i < 3; ++i) {
    a_ids.insert(testing::Numbered("a-", i));
    all_ids.insert(testing::Numbered("a-", i));
    all_ids.insert(testing::Numbered("b-", i));
  }
  subscriber::ChannelSelection wire, instrument, topic, feed_a;
  instrument.instruments = {"XTKS:9984"};
  topic.topics = {"markets"};
  feed_a.feeds = {"feed-a"};
  auto stories = [&](const std::string& who, const subscriber::ChannelSelection& channels) {
    auto query = Query(who);
    subscriber::SnapshotRequest request;
    request.channels = channels;
    request.with_articles = true;
    request.page_size = 2;  // Several pages per channel.
    request.access = testing::Unwrap(query->GetAccess(), "access");
    auto snapshot = testing::Unwrap(subscriber::ReadSnapshot(*query, request), "snapshot");
    EXPECT_EQ(snapshot.wire_seq, *b_seqs_.rbegin());
    std::set<std::string> ids;
    for (const auto& story : snapshot.stories) {
      EXPECT_EQ(story.feed(), story.article().feed());
      ids.insert(story.article_id());
    }
    return ids;
  };
  for (const auto* channels : {&wire, &instrument, &topic, &feed_a}) {
    EXPECT_EQ(stories("desk-a", *channels), a_ids);
  }
  for (const auto* channels : {&wire, &instrument, &topic}) {
    EXPECT_EQ(stories("desk-ab", *channels), all_ids);
    EXPECT_EQ(stories("ops", *channels), all_ids);
  }

  auto desk = Query("desk-a");
  for (const char* channel :
       {"", "w|", "i/XTKS:9984|", "t/markets|", "f/feed-b|", "f/feed-b/t/markets|"}) {
    v1::GetSnapshot raw;
    raw.set_channel(channel);
    raw.set_with_full(true);
    auto page = desk->ReadSnapshot(raw);
    ASSERT_FALSE(page) << channel << " gave " << page->entries_size() << " stories";
    EXPECT_EQ(page.error().code, v1::ERROR_CODE_UNAUTHORIZED) << channel;
  }

  auto cli = Cli({"snapshot", "--instrument", "XTKS:9984", "--json"}, "desk-a");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::set<std::string> cli_ids;
  std::istringstream lines(cli.out);
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line);
    if (json.contains("article_id")) cli_ids.insert(json["article_id"].get<std::string>());
  }
  EXPECT_EQ(cli_ids, a_ids);

  subscriber::ReplayOptions replay;
  replay.hub = daemon_.hub();
  replay.curve = keys_.Client("desk-a");
  replay.channels = topic;
  replay.from.set_seconds(4'000'000'000);  // After everything: all of it is the snapshot.
  replay.with_snapshot = true;
  auto replayer = testing::Unwrap(subscriber::Replayer::Open(replay), "replayer");
  std::set<std::string> replay_ids;
  for (const auto& story : replayer->snapshot().stories) replay_ids.insert(story.article_id());
  EXPECT_EQ(replay_ids, a_ids);
  ASSERT_OK_AND_ASSIGN(auto next, replayer->Next());
  EXPECT_FALSE(next);
}

// Gap repair: every event the fan-out sends is damaged on the way, so the
// reader of A repairs each from the store, on its scoped channels; nothing
// of B comes back with them.
TEST(GapRepairEntitlementsTest, RepairsFromTheStoreCarryOnlyGrantedFeeds) {
  testing::TempDir dir;
  testing::SecureKeys keys(dir.path() + "/keys", Grants());
  testing::ManualClock clock(1'795'590'300LL * 1'000'000'000);
  testing::InProcessDaemon daemon(dir.path() + "/store", clock, [&](auto& options) {
    options.curve_secret_key_file = keys.KeyFile("daemon");
    options.access_file = keys.AccessFile();
  });
  auto publisher_of = [&](const std::string& name) {
    publisher::PublisherOptions options;
    options.hub = daemon.hub();
    options.curve = keys.Client(name);
    return testing::Unwrap(publisher::Publisher::Connect(options), "publisher");
  };
  auto newsroom_a = publisher_of("newsroom-a");
  auto newsroom_b = publisher_of("newsroom-b");
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  options.curve = keys.Client("desk-a");
  options.channels.instruments = {"XTKS:9984"};
  options.channels.topics = {"markets"};
  auto desk = testing::Unwrap(subscriber::Subscriber::Connect(options), "subscriber");

  testing::ArmedSyncPoint damage("fanout.damage", [] { return true; });
  std::set<uint64_t> a_seqs;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(newsroom_b->Publish(Story("feed-b", testing::Numbered("b-", i), "B")));
    ASSERT_OK_AND_ASSIGN(auto ack,
                         newsroom_a->Publish(Story("feed-a", testing::Numbered("a-", i), "A")));
    a_seqs.insert(ack.wire_seq());
  }
  std::set<uint64_t> delivered;
  for (auto until = std::chrono::steady_clock::now() + 20s;
       delivered.size() < a_seqs.size() && std::chrono::steady_clock::now() < until;) {
    ASSERT_OK_AND_ASSIGN(auto notice, desk->Next(200ms));
    if (!notice) continue;
    ASSERT_FALSE(std::holds_alternative<subscriber::Gap>(*notice))
        << std::get<subscriber::Gap>(*notice).reason;
    auto* delivery = std::get_if<subscriber::Delivery>(&*notice);
    if (!delivery) continue;
    EXPECT_EQ(delivery->article().feed(), "feed-a") << "leaked by repair";
    EXPECT_TRUE(delivery->recovered) << "not repaired from the store";
    EXPECT_TRUE(delivery->verified);
    delivered.insert(delivery->event.wire_seq());
  }
  EXPECT_EQ(delivered, a_seqs);
}

// An article of a feed not granted is not found, in the very words a
// missing one gets, however it is asked for; channels not granted are
// refused without naming any article.
TEST_F(EntitlementsTest, QueriesAnswerAnUngrantedArticleAsAMissingOne) {
  PublishBothFeeds(1);
  auto desk = Query("desk-a");
  auto same_as_missing = [](const Error& hidden, const Error& missing) {
    EXPECT_EQ(hidden.code, v1::ERROR_CODE_NOT_FOUND);
    EXPECT_EQ(hidden.code, missing.code);
    std::string expected = missing.message;
    expected.replace(expected.find("nope"), 4, "b-0");
    EXPECT_EQ(hidden.message, expected);
  };
  google::protobuf::Timestamp now;
  now.set_seconds(4'000'000'000);
  same_as_missing(desk->GetArticle("b-0", 0).error(), desk->GetArticle("nope", 0).error());
  same_as_missing(desk->GetArticle("b-0", 1).error(), desk->GetArticle("nope", 1).error());
  same_as_missing(desk->GetArticleAsOf("b-0", now).error(),
                  desk->GetArticleAsOf("nope", now).error());
  same_as_missing(desk->GetHistory("b-0").error(), desk->GetHistory("nope").error());
  ASSERT_OK(desk->GetArticle("a-0", 0));
  ASSERT_OK(Query("desk-ab")->GetArticle("b-0", 0));

  for (const char* channel :
       {"", "i/XTKS:9984|", "t/markets|", "f/feed-b|", "f/feed-b/i/XTKS:9984|"}) {
    v1::ReadLog read;
    read.set_channel(channel);
    read.set_from_seq(1);
    auto page = desk->ReadLog(read);
    ASSERT_FALSE(page) << channel;
    EXPECT_EQ(page.error().code, v1::ERROR_CODE_UNAUTHORIZED) << channel;
  }
  v1::ReadLog scoped;
  scoped.set_channel("f/feed-a/i/XTKS:9984|");
  scoped.set_from_seq(1);
  scoped.set_with_full(true);
  ASSERT_OK_AND_ASSIGN(auto page, desk->ReadLog(scoped));
  ASSERT_EQ(page.records_size(), 1);
  EXPECT_EQ(page.records(0).event().article_id(), "a-0");
}

// A publish to a feed not granted is refused, counted and logged without
// its text; nothing of it is stored; the recorded publisher is the key's
// identity whatever the request claims; another feed's story, out or held
// under embargo, cannot be killed or replaced from a granted feed.
TEST_F(EntitlementsTest, PublishingOutsideTheGrantIsUnauthorizedAndChangesNothing) {
  auto refused = PublisherOf("newsroom-a").Publish(Story("feed-b", "b-fake", "Secret words"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_EQ(refused.error().message, "not granted to publish to feed feed-b (publishes to feed-a)");
  auto not_publisher = PublisherOf("desk-ab").Publish(Story("feed-a", "a-fake", "x"));
  ASSERT_FALSE(not_publisher);
  EXPECT_EQ(not_publisher.error().message, "desk-ab is not a publisher");
  auto ops = Query("ops");
  EXPECT_EQ(ops->GetArticle("b-fake", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_GE(testing::ParsePrometheus(
                testing::Get(daemon_.metrics(), "/metrics", nullptr,
                             kOpsToken))["newswire_publish_rejected_total{code=\"unauthorized\"}"],
            2);
  EXPECT_TRUE(
      daemon_.WaitForLog("refused a publish by newsroom-a to feed feed-b (article b-fake)", 10s));
  EXPECT_EQ(daemon_.Stderr().find("Secret words"), std::string::npos)
      << "the article's text was logged";

  Publish("newsroom-b", Story("feed-b", "b-story", "B's story"));
  auto held = Story("feed-b", "b-held", "B's embargoed story");
  held.mutable_embargoed()->set_seconds(4'000'000'000);
  ASSERT_OK_AND_ASSIGN(auto held_ack, PublisherOf("newsroom-b").Publish(held));
  EXPECT_TRUE(held_ack.has_embargoed_until());
  for (const char* id : {"b-story", "b-held"}) {
    auto kill = Story("feed-a", id, "killed");
    kill.set_pubstatus(v1::PUB_STATUS_CANCELED);
    auto killed = PublisherOf("newsroom-a").Publish(kill);
    ASSERT_FALSE(killed) << id;
    EXPECT_EQ(killed.error().code, v1::ERROR_CODE_INVALID_ARTICLE) << id;
  }
  ASSERT_OK_AND_ASSIGN(auto story, ops->GetArticle("b-story", 0));
  EXPECT_EQ(story.article().pubstatus(), v1::PUB_STATUS_USABLE);
  // Held text is readable by nobody before its time, operators included.
  EXPECT_EQ(ops->GetArticle("b-held", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
  ASSERT_OK_AND_ASSIGN(auto history, ops->GetHistory("b-story"));
  EXPECT_EQ(history.entries(0).publisher_id(), "newsroom-b");
}

// A reload that takes feed B from a live reader: its subscription to B
// stops at once (the daemon closes the fan-out connections, they come back
// under the new grants), it is told why, and A keeps coming. Then SIGHUP
// gives B back; a broken file changes nothing.
TEST_F(EntitlementsTest, AReloadThatNarrowsAGrantCutsTheLiveSubscription) {
  subscriber::SubscriberOptions both;
  both.channels.feeds = {"feed-a", "feed-b"};
  auto desk = Subscribe("desk-ab", both);
  const uint64_t b_before = Publish("newsroom-b", Story("feed-b", "b-1", "before"));
  ReadUntil(*desk, b_before, {"feed-a", "feed-b"});

  keys_.Rewrite(Grants({"feed-a"}));
  auto reloaded = Cli({"admin", "reload"}, "ops");
  ASSERT_EQ(reloaded.exit_code, 0) << reloaded.err;
  EXPECT_NE(reloaded.out.find("re-read its access file: 5 identities"), std::string::npos);

  std::optional<subscriber::AccessDenied> denied;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!denied && std::chrono::steady_clock::now() < deadline) {
    ASSERT_OK_AND_ASSIGN(auto notice, desk->Next(200ms));
    if (!notice) continue;
    ASSERT_FALSE(std::holds_alternative<subscriber::Delivery>(*notice))
        << "a revision after the reload";
    if (auto* d = std::get_if<subscriber::AccessDenied>(&*notice)) denied = *d;
  }
  ASSERT_TRUE(denied) << "the reader was not told";
  EXPECT_EQ(denied->channel, "f/feed-b|");
  EXPECT_NE(denied->reason.find("feed-b"), std::string::npos) << denied->reason;
  EXPECT_NE(denied->reason.find("reload"), std::string::npos) << denied->reason;

  Publish("newsroom-b", Story("feed-b", "b-2", "after"));
  const uint64_t a_after = Publish("newsroom-a", Story("feed-a", "a-2", "after"));
  auto after = ReadUntil(*desk, a_after, {"feed-a"});
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.back().event.wire_seq(), a_after);
  EXPECT_EQ(Query("desk-ab")->GetArticle("b-1", 0).error().code, v1::ERROR_CODE_NOT_FOUND);

  keys_.Rewrite(Grants());
  ASSERT_EQ(::kill(daemon_.pid(), SIGHUP), 0);
  bool widened = false;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !widened && std::chrono::steady_clock::now() < until;) {
    auto access = Query("desk-ab")->GetAccess();
    widened = access && access->read().feeds_size() == 2;
    if (!widened) std::this_thread::sleep_for(20ms);  // Polling, with a deadline.
  }
  EXPECT_TRUE(widened) << "SIGHUP did not reload";

  std::ofstream(keys_.AccessFile(), std::ios::app) << "\n[[identity]]\nname = 7\n";
  auto broken = Cli({"admin", "reload"}, "ops");
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("access.toml: identity 6"), std::string::npos) << broken.err;
  ASSERT_OK(Query("desk-ab")->GetArticle("b-1", 0));  // The grants in force stayed.
}

// The stats channel (and so `top`) shows a reader of A only A's
// headlines and figures; an operator sees both feeds.
TEST_F(EntitlementsTest, StatsShowEachReaderOnlyItsFeeds) {
  PublishBothFeeds(2);
  auto stats_of = [&](const std::string& who) {
    auto run = Cli({"stats", "--json"}, who);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.exit_code == 0 ? nlohmann::json::parse(run.out) : nlohmann::json();
  };
  auto desk = stats_of("desk-a");
  ASSERT_FALSE(desk.is_null());
  std::set<std::string> desk_recent;
  for (const auto& r : desk["recent"]) desk_recent.insert(r["article_id"]);
  EXPECT_EQ(desk_recent, (std::set<std::string>{"a-0", "a-1"}));
  EXPECT_EQ(desk["connected_subscribers"], 0) << "not a per-feed figure";
  auto ops = stats_of("ops");
  std::set<std::string> ops_recent;
  for (const auto& r : ops["recent"]) ops_recent.insert(r["article_id"]);
  EXPECT_EQ(ops_recent, (std::set<std::string>{"a-0", "a-1", "b-0", "b-1"}));
  EXPECT_EQ(ops["wire_seq"], 4);
  auto refused = Cli({"stats"}, "newsroom-a");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("the stats channel is for subscribers and operators"),
            std::string::npos)
      << refused.err;
}

// Embargoed text is out for nobody before its time, by any path: held,
// the reader of its feed finds nothing by get, log, stats or live; at the
// release it comes out like any revision.
TEST(EmbargoEntitlementsTest, EmbargoedTextIsReadableByNoPathBeforeItsRelease) {
  testing::TempDir dir;
  testing::SecureKeys keys(dir.path() + "/keys", Grants());
  testing::ManualClock clock(1'795'590'300LL * 1'000'000'000);
  testing::InProcessDaemon daemon(dir.path() + "/store", clock, [&](auto& options) {
    options.curve_secret_key_file = keys.KeyFile("daemon");
    options.access_file = keys.AccessFile();
  });
  publisher::PublisherOptions options;
  options.hub = daemon.hub();
  options.curve = keys.Client("newsroom-a");
  auto publisher = testing::Unwrap(publisher::Publisher::Connect(options), "publisher");
  subscriber::SubscriberOptions live;
  live.hub = daemon.hub();
  live.curve = keys.Client("desk-a");
  live.channels.instruments = {"XTKS:9984"};
  auto desk = testing::Unwrap(subscriber::Subscriber::Connect(live), "subscriber");
  auto query = testing::Unwrap(
      subscriber::QueryClient::Connect(daemon.hub(), 5s, keys.Client("ops")), "query");

  auto held = Story("feed-a", "results", "Q3 results: record profit");
  held.mutable_embargoed()->set_seconds(clock.NowNs() / 1'000'000'000 + 3600);
  ASSERT_OK_AND_ASSIGN(auto ack, publisher->Publish(held));
  ASSERT_TRUE(ack.has_embargoed_until());
  ASSERT_OK(publisher->Publish(Story("feed-a", "other", "other news")));
  EXPECT_EQ(query->GetArticle("results", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(query->GetHistory("results").error().code, v1::ERROR_CODE_NOT_FOUND);
  v1::ReadLog feed;
  feed.set_channel("f/feed-a|");
  feed.set_from_seq(1);
  feed.set_with_full(true);
  ASSERT_OK_AND_ASSIGN(auto page, query->ReadLog(feed));
  ASSERT_EQ(page.records_size(), 1);
  EXPECT_EQ(page.records(0).event().article_id(), "other");
  std::vector<std::string> seen;
  for (int i = 0; i < 3 && seen.size() < 1; ++i) {
    ASSERT_OK_AND_ASSIGN(auto notice, desk->Next(1s));
    if (notice && std::holds_alternative<subscriber::Delivery>(*notice)) {
      seen.push_back(std::get<subscriber::Delivery>(*notice).article().id());
    }
  }
  EXPECT_EQ(seen, std::vector<std::string>{"other"});

  clock.Advance(3601LL * 1'000'000'000);
  std::optional<subscriber::Delivery> released;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !released && std::chrono::steady_clock::now() < until;) {
    ASSERT_OK_AND_ASSIGN(auto notice, desk->Next(200ms));
    if (notice && std::holds_alternative<subscriber::Delivery>(*notice)) {
      released = std::get<subscriber::Delivery>(*notice);
    }
  }
  ASSERT_TRUE(released);
  EXPECT_EQ(released->article().headline(), "Q3 results: record profit");
  ASSERT_OK(query->GetArticle("results", 0));
}

}  // namespace
}  // namespace newswire
