// Followers on a secure wire (README "Security", "Followers"), with real
// daemons and real keys: the replication channel r|, ReadCommits and
// ReportPosition are for keys with the replica role, and anything else is
// refused and counted; a follower reaches its upstream with its own
// replica key (--follow-key, --follow-server-key) and serves its own
// readers under its own access file, with the same per-feed entitlements
// as the primary.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "articles.h"
#include "daemon.h"
#include "http_probe.h"
#include "newswire/core/channel.h"
#include "newswire/core/hub.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/snapshot.h"
#include "newswire/subscriber/subscriber.h"
#include "process.h"
#include "result_assertions.h"
#include "secure_keys.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::Grant;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kOpsToken = "ops-token-90d2";

std::vector<Grant> PrimaryGrants() {
  return {{"newsroom-a", {"publisher"}, {"feed-a"}, {}, ""},
          {"newsroom-b", {"publisher"}, {"feed-b"}, {}, ""},
          {"desk-a", {"subscriber"}, {}, {"feed-a"}, ""},
          {"ops", {"operator", "subscriber"}, {}, {"*"}, kOpsToken},
          {"edge", {"replica"}, {}, {}, ""}};
}

// The follower's own access file: its readers, none of the primary's
// publishers (it takes no publishes), and the same grants for desk-a.
std::vector<Grant> FollowerGrants() {
  return {{"desk-a", {"subscriber"}, {}, {"feed-a"}, ""},
          {"ops", {"operator", "subscriber"}, {}, {"*"}, kOpsToken}};
}

// A story of `feed` on the instrument and topic both feeds share.
v1::Article Story(const std::string& feed, const std::string& id, const std::string& headline) {
  auto article = testing::MakeArticle(id, headline);  // XTKS:9984, "markets".
  article.set_feed(feed);
  return article;
}

// Copies the key pairs of `names` into `dir`, so that one desk holds one
// key on both nodes.
void ShareKeys(const testing::SecureKeys& from, const std::string& dir,
               const std::vector<std::string>& names) {
  std::filesystem::create_directories(dir);
  for (const auto& name : names) {
    for (const char* ext : {".key", ".pub"}) {
      std::filesystem::copy_file(from.dir() + "/" + name + ext, dir + "/" + name + ext);
    }
  }
}

double Metric(const testing::Daemon& daemon, const std::string& sample) {
  return testing::ParsePrometheus(
      testing::Get(daemon.metrics(), "/metrics", nullptr, kOpsToken))[sample];
}

// Waits (up to 10 s) until the sample reaches `at_least`.
double AwaitMetric(const testing::Daemon& daemon, const std::string& sample, double at_least) {
  double value = 0;
  for (auto until = SteadyClock::now() + 10s; SteadyClock::now() < until;) {
    value = Metric(daemon, sample);
    if (value >= at_least) break;
    std::this_thread::sleep_for(20ms);  // Polling a counter, with a deadline.
  }
  return value;
}

// Waits (up to 15 s) for a daemon that stops by itself; its exit code.
int ExitCode(testing::Daemon& daemon) {
  auto exited = [&] {
    std::string stat = testing::ReadFile("/proc/" + std::to_string(daemon.pid()) + "/stat");
    const auto paren = stat.rfind(')');
    return paren == std::string::npos || stat.substr(paren + 2, 1) == "Z";
  };
  for (auto until = SteadyClock::now() + 15s; SteadyClock::now() < until && !exited();) {
    std::this_thread::sleep_for(20ms);  // Polling the process, with a deadline.
  }
  return daemon.Stop();
}

class SecureReplicationTest : public ::testing::Test {
 protected:
  SecureReplicationTest()
      : keys_(dir_.path() + "/primary-keys", PrimaryGrants()),
        primary_(dir_.path() + "/primary", keys_.DaemonFlags()) {}

  std::unique_ptr<publisher::Publisher> PublisherOf(const std::string& name) {
    publisher::PublisherOptions options;
    options.hub = primary_.hub();
    options.curve = keys_.Client(name);
    return testing::Unwrap(publisher::Publisher::Connect(options), "publisher");
  }

  // A follower of the primary named `name`, with these flags besides its
  // store and --follow.
  std::unique_ptr<testing::Daemon> Follower(const std::string& name,
                                            std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--follow", primary_.hub()});
    return std::make_unique<testing::Daemon>(dir_.path() + "/" + name, flags);
  }

  std::vector<std::string> ReplicaFlags(const std::string& key) const {
    return {"--follow-key", keys_.KeyFile(key), "--follow-server-key", keys_.ServerKeyFile()};
  }

  std::unique_ptr<subscriber::QueryClient> Query(const std::string& name) {
    return testing::Unwrap(subscriber::QueryClient::Connect(primary_.hub(), 5s, keys_.Client(name)),
                           "query client");
  }

  testing::TempDir dir_;
  testing::SecureKeys keys_;
  testing::Daemon primary_;
};

// A follower with a replica key copies the secure primary's log (a held
// embargo included, which it serves to nobody), and serves its own
// readers: the reader of feed A gets every revision of A live on the
// instrument and topic the feeds share, and nothing of B by any path.
TEST_F(SecureReplicationTest, AFollowerWithAReplicaKeyCopiesAndServesItsReadersTheSameGrants) {
  ShareKeys(keys_, dir_.path() + "/follower-keys", {"desk-a", "ops"});
  testing::SecureKeys follower_keys(dir_.path() + "/follower-keys", FollowerGrants());
  auto flags = follower_keys.DaemonFlags();
  for (auto& flag : ReplicaFlags("edge")) flags.push_back(flag);
  auto follower = Follower("follower", flags);

  subscriber::SubscriberOptions live;
  live.hub = follower->hub();
  live.curve = follower_keys.Client("desk-a");
  live.channels.instruments = {"XTKS:9984"};
  live.channels.topics = {"markets"};
  auto desk = testing::Unwrap(subscriber::Subscriber::Connect(live), "desk-a on the follower");

  auto newsroom_a = PublisherOf("newsroom-a");
  auto newsroom_b = PublisherOf("newsroom-b");
  std::set<uint64_t> a_seqs;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(newsroom_b->Publish(Story("feed-b", testing::Numbered("b-", i), "B news")));
    ASSERT_OK_AND_ASSIGN(
        auto ack, newsroom_a->Publish(Story("feed-a", testing::Numbered("a-", i), "A news")));
    a_seqs.insert(ack.wire_seq());
  }
  auto held = Story("feed-a", "a-held", "Embargoed results");
  held.mutable_embargoed()->set_seconds(4'000'000'000);
  ASSERT_OK(newsroom_a->Publish(held));
  ASSERT_OK_AND_ASSIGN(auto last, newsroom_b->Publish(Story("feed-b", "b-last", "B last")));

  // The follower holds the whole log, the held embargo too.
  auto ops = testing::Unwrap(
      subscriber::QueryClient::Connect(follower->hub(), 5s, follower_keys.Client("ops")), "ops");
  bool copied = false;
  for (auto until = SteadyClock::now() + 20s; !copied && SteadyClock::now() < until;) {
    copied = static_cast<bool>(ops->GetArticle("b-last", 0));
    if (!copied) std::this_thread::sleep_for(20ms);  // Polling the copy, with a deadline.
  }
  ASSERT_TRUE(copied) << follower->Stderr();
  auto primary_ops = Query("ops");
  for (const std::string id : {"a-0", "b-0", "b-last"}) {
    ASSERT_OK_AND_ASSIGN(auto here, ops->GetArticle(id, 0));
    ASSERT_OK_AND_ASSIGN(auto there, primary_ops->GetArticle(id, 0));
    EXPECT_EQ(here.content_hash(), there.content_hash()) << id;
    EXPECT_EQ(here.wire_seq(), there.wire_seq()) << id;
  }
  EXPECT_EQ(ops->GetArticle("a-held", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(Metric(*follower, "newswire_replication_commit"),
            Metric(primary_, "newswire_replication_commit"));

  // Live on the follower: every revision of A, nothing of B.
  std::set<uint64_t> delivered;
  for (auto until = SteadyClock::now() + 20s;
       delivered.size() < a_seqs.size() && SteadyClock::now() < until;) {
    ASSERT_OK_AND_ASSIGN(auto notice, desk->Next(200ms));
    if (!notice) continue;
    auto* delivery = std::get_if<subscriber::Delivery>(&*notice);
    if (!delivery) continue;
    EXPECT_EQ(delivery->article().feed(), "feed-a") << "leaked on " << delivery->channel;
    EXPECT_TRUE(delivery->verified);
    delivered.insert(delivery->event.wire_seq());
  }
  EXPECT_EQ(delivered, a_seqs);
  for (int i = 0; i < 3; ++i) {  // Anything of B would come now, after the last of A.
    ASSERT_OK_AND_ASSIGN(auto notice, desk->Next(100ms));
    if (notice) {
      EXPECT_FALSE(std::holds_alternative<subscriber::Delivery>(*notice));
    }
  }

  // Queries on the follower: B is missing, in a missing article's words; a
  // snapshot of the whole wire holds A alone; commits are for replicas.
  auto desk_query = testing::Unwrap(
      subscriber::QueryClient::Connect(follower->hub(), 5s, follower_keys.Client("desk-a")),
      "desk-a query");
  auto hidden = desk_query->GetArticle("b-0", 0);
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(hidden.error().message, [&] {
    std::string missing = desk_query->GetArticle("nope", 0).error().message;
    return missing.replace(missing.find("nope"), 4, "b-0");
  }());
  ASSERT_OK(desk_query->GetArticle("a-0", 0));
  subscriber::SnapshotRequest request;
  request.access = testing::Unwrap(desk_query->GetAccess(), "access");
  ASSERT_OK_AND_ASSIGN(auto snapshot, subscriber::ReadSnapshot(*desk_query, request));
  std::set<std::string> ids;
  for (const auto& story : snapshot.stories) ids.insert(story.article_id());
  EXPECT_EQ(ids, (std::set<std::string>{"a-0", "a-1", "a-2", "a-3"}));
  EXPECT_EQ(snapshot.wire_seq, last.wire_seq());
  auto commits = desk_query->ReadCommits(1, 10);
  ASSERT_FALSE(commits);
  EXPECT_EQ(commits.error().code, v1::ERROR_CODE_UNAUTHORIZED);
}

// ReadCommits, ReportPosition and the replication channel are refused to
// every key without the replica role (operators too: commits hold
// embargoed text), and counted; a subscriber's made-up position does not
// count towards a quorum.
TEST(SecureReplicationQuorumTest, OnlyReplicasReadCommitsOrReportPositions) {
  testing::TempDir dir;
  testing::SecureKeys keys(dir.path() + "/keys", PrimaryGrants());
  auto flags = keys.DaemonFlags();
  for (const char* flag : {"--acks", "quorum", "--replicas", "2"}) flags.push_back(flag);
  testing::Daemon primary(dir.path() + "/primary", flags);
  auto query = [&](const std::string& name) {
    return testing::Unwrap(subscriber::QueryClient::Connect(primary.hub(), 5s, keys.Client(name)),
                           "query client");
  };

  auto desk = query("desk-a");
  for (const char* who : {"desk-a", "ops"}) {
    auto refused = query(who)->ReadCommits(1, 10);
    ASSERT_FALSE(refused) << who;
    EXPECT_EQ(refused.error().code, v1::ERROR_CODE_UNAUTHORIZED) << who;
    EXPECT_NE(refused.error().message.find("ReadCommits is for keys with the replica role"),
              std::string::npos)
        << refused.error().message;
  }
  EXPECT_NE(
      query("ops")->ReadCommits(1, 10).error().message.find("ops has roles subscriber, operator"),
      std::string::npos);
  desk->ReportPosition("made-up", 1'000'000);
  EXPECT_GE(AwaitMetric(primary, "newswire_queries_denied_total", 4), 4);

  // With only the primary holding it, a quorum of 2 is not there: no ack.
  publisher::PublisherOptions options;
  options.hub = primary.hub();
  options.curve = keys.Client("newsroom-a");
  options.attempt_timeout = 1s;
  options.attempts = 1;
  ASSERT_OK_AND_ASSIGN(auto newsroom, publisher::Publisher::Connect(options));
  auto story = Story("feed-a", "quorum", "Waits for a replica");
  auto unacked = newsroom->Publish(story, {.publisher_key = "quorum-1"});
  ASSERT_FALSE(unacked) << "acked without a replica";
  EXPECT_EQ(unacked.error().code, v1::ERROR_CODE_UNAVAILABLE);

  // A real replica reads commits, and its position completes the quorum.
  auto edge = query("edge");
  ASSERT_OK_AND_ASSIGN(auto page, edge->ReadCommits(1, 10));
  ASSERT_EQ(page.commits_size(), 1);
  edge->ReportPosition("edge", page.commits(0).commit());
  options.attempts = 10;
  ASSERT_OK_AND_ASSIGN(newsroom, publisher::Publisher::Connect(options));
  ASSERT_OK_AND_ASSIGN(auto ack, newsroom->Publish(story, {.publisher_key = "quorum-1"}));
  EXPECT_EQ(ack.wire_seq(), 1u);
}

// The replication channel on the fan-out: a reader of every feed asking
// for r| is refused and told why; a replica receives the commits.
TEST_F(SecureReplicationTest, TheReplicationChannelIsForReplicas) {
  auto hub = testing::Unwrap(core::ParseHub(primary_.hub()), "hub");
  zmq::context_t context;
  auto subscribe = [&](const std::string& name) {
    auto socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::sub);
    security::ApplyCurveClient(*socket, keys_.Client(name));
    socket->connect(hub.fanout);
    socket->set(zmq::sockopt::subscribe, "c|");
    socket->set(zmq::sockopt::subscribe, core::ReplicationChannel());
    return socket;
  };
  auto ops = subscribe("ops");
  auto edge = subscribe("edge");
  // The frames of the next message on `socket` within `wait` (with
  // `skip_empty`, past heartbeats such as the welcome one on r|).
  auto next = [](zmq::socket_t& socket, bool skip_empty, std::chrono::milliseconds wait = 10s) {
    for (auto until = SteadyClock::now() + wait; SteadyClock::now() < until;) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 100ms) == 0) continue;
      std::vector<zmq::message_t> parts;
      (void)zmq::recv_multipart(socket, std::back_inserter(parts));
      if (parts.size() == 3 && (!skip_empty || parts[2].size() > 0)) return parts;
    }
    return std::vector<zmq::message_t>();
  };
  auto refusal = next(*ops, false);
  ASSERT_EQ(refusal.size(), 3u);
  EXPECT_EQ(refusal[0].to_string(), "c|ops|");
  v1::AccessNotice notice;
  ASSERT_TRUE(notice.ParseFromArray(refusal[2].data(), static_cast<int>(refusal[2].size())));
  EXPECT_EQ(notice.channel(), "r|");
  EXPECT_NE(notice.reason().find("for keys with the replica role"), std::string::npos)
      << notice.reason();
  EXPECT_GE(AwaitMetric(primary_, "newswire_subscriptions_denied_total", 1), 1);

  ASSERT_OK(PublisherOf("newsroom-a")->Publish(Story("feed-a", "a-0", "A")));
  auto commit = next(*edge, true);
  ASSERT_EQ(commit.size(), 3u);
  EXPECT_EQ(commit[0].to_string(), "r|");
  auto more = next(*ops, false, 500ms);  // The commit went out before what edge read.
  EXPECT_TRUE(more.empty()) << "ops received on " << more[0].to_string();
}

// A follower whose key the primary does not know, or knows without the
// replica role, or that has no key at all, stops at once saying what to
// fix (rather than sit empty and look caught up).
TEST_F(SecureReplicationTest, AFollowerTheUpstreamRefusesStopsAndSaysWhy) {
  struct Case {
    std::string name;
    std::vector<std::string> flags;
    std::string says;
  };
  keys_.Rewrite([] {
    auto grants = PrimaryGrants();
    grants.push_back({"stranger", {"subscriber"}, {}, {"*"}, ""});
    return grants;
  }());
  const std::string stranger = keys_.KeyFile("stranger");
  keys_.Rewrite(PrimaryGrants());  // Its key stays on disk, unknown to the primary.
  const std::vector<Case> cases = {
      {"subscriber", ReplicaFlags("ops"), "ReadCommits is for keys with the replica role"},
      {"unknown",
       {"--follow-key", stranger, "--follow-server-key", keys_.ServerKeyFile()},
       "refused this client's key"},
      {"keyless", {}, "a secure upstream needs --follow-key and --follow-server-key"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto follower = Follower(c.name, c.flags);
    EXPECT_EQ(ExitCode(*follower), 1);
    EXPECT_NE(follower->Stderr().find("refuses this follower"), std::string::npos)
        << follower->Stderr();
    EXPECT_NE(follower->Stderr().find(c.says), std::string::npos) << follower->Stderr();
  }
}

TEST(SecureReplicationStartTest, FollowKeysAreCheckedAtTheStart) {
  testing::TempDir dir;
  testing::SecureKeys keys(dir.path() + "/keys", PrimaryGrants());
  auto start = [&](const std::string& name, std::vector<std::string> flags) {
    std::vector<std::string> argv = {testing::NewswiredPath(), "--data-dir",
                                     dir.path() + "/" + name, "--metrics-listen", ""};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return testing::Run(argv);
  };
  auto half =
      start("half", {"--follow", "tcp://127.0.0.1:7700", "--follow-key", keys.KeyFile("edge")});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_NE(half.err.find("needs both --follow-key"), std::string::npos) << half.err;
  auto nothing_to_follow = start("nothing", {"--follow-key", keys.KeyFile("edge"),
                                             "--follow-server-key", keys.ServerKeyFile()});
  EXPECT_EQ(nothing_to_follow.exit_code, 1);
  EXPECT_NE(nothing_to_follow.err.find("are for a follower"), std::string::npos)
      << nothing_to_follow.err;
  auto in_clear = start("clear", {"--follow", "tcp://192.0.2.7:7700"});
  EXPECT_EQ(in_clear.exit_code, 1);
  EXPECT_NE(in_clear.err.find("refusing to copy the wire from tcp://192.0.2.7:7700 without CURVE"),
            std::string::npos)
      << in_clear.err;
  auto flags = keys.DaemonFlags();
  for (const char* flag : {"--etcd", "http://127.0.0.1:2379"}) flags.push_back(flag);
  auto cluster = start("cluster", flags);
  EXPECT_EQ(cluster.exit_code, 1);
  EXPECT_NE(cluster.err.find("a secure cluster node copies the primary over CURVE"),
            std::string::npos)
      << cluster.err;
}

}  // namespace
}  // namespace newswire
