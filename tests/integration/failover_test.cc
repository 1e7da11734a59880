// Failover coordinated by etcd (README "Failover"): three real newswired
// nodes of one cluster and a real etcd on loopback. Skipped where etcd is
// not installed (scripts/setup.sh installs etcd-server).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/publisher/publisher.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/query_client.h"
#include "process.h"
#include "result_assertions.h"
#include "secure_keys.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kEtcd = "/usr/bin/etcd";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

uint64_t LastCommit(const std::string& hub) {
  auto client = subscriber::QueryClient::Connect(hub, 1s);
  if (!client) return 0;
  auto page = (*client)->ReadCommits(UINT64_MAX, 1);
  return page ? page->last_commit() : 0;
}

// The node's role by /healthz (on a secure node, with an operator's token).
std::string Role(const testing::Daemon& node, const std::string& token = "") {
  httplib::Client client(node.metrics());
  client.set_read_timeout(1s);
  if (!token.empty()) client.set_bearer_token_auth(token);
  auto response = client.Get("/healthz");
  if (!response) return "down";
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  return json.is_discarded() ? "?" : json.value("role", "?");
}

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kEtcd)) GTEST_SKIP() << "etcd is not installed";
    const int client = FreePort(), peer = FreePort();
    etcd_url_ = "http://127.0.0.1:" + std::to_string(client);
    const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    etcd_ = std::make_unique<testing::Process>(
        std::vector<std::string>{
            kEtcd, "--name", "test", "--data-dir", dir_.path() + "/etcd", "--listen-client-urls",
            etcd_url_, "--advertise-client-urls", etcd_url_, "--listen-peer-urls", peer_url,
            "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "test=" + peer_url},
        std::nullopt, dir_.path() + "/etcd.log");
    httplib::Client probe(etcd_url_);
    const auto deadline = SteadyClock::now() + 15s;
    while (SteadyClock::now() < deadline && !probe.Get("/health"))
      std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(probe.Get("/health")) << "etcd did not start";
  }

  std::string Hub(int i) const { return "ipc://" + dir_.path() + "/node-" + std::to_string(i); }
  std::string Hubs() const { return Hub(0) + "," + Hub(1) + "," + Hub(2); }

  std::unique_ptr<testing::Daemon> Start(int i, const std::vector<std::string>& flags = {}) {
    std::vector<std::string> args = {"--etcd", etcd_url_,     "--cluster",
                                     "test",   "--node-name", "node-" + std::to_string(i)};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<testing::Daemon>(dir_.path() + "/store-" + std::to_string(i), args,
                                             Hub(i));
  }

  // The index of the one primary among `nodes` (null ones are down), once
  // there is exactly one.
  int WaitForPrimary(const std::vector<testing::Daemon*>& nodes, std::chrono::seconds within) {
    const auto deadline = SteadyClock::now() + within;
    while (SteadyClock::now() < deadline) {
      int primary = -1, count = 0;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i] && Role(*nodes[i], token_) == "primary") {
          primary = static_cast<int>(i), ++count;
        }
      }
      if (count == 1) return primary;
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }

  bool CaughtUp(const std::string& primary, const std::string& node) {
    const auto deadline = SteadyClock::now() + 30s;
    while (SteadyClock::now() < deadline) {
      const uint64_t want = LastCommit(primary);
      if (want > 0 && LastCommit(node) == want) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  bool Identical(const std::string& a, const std::string& b) {
    auto compare =
        testing::Run({testing::NewswirePath(), "admin", "compare", "--hub", a, "--hub", b});
    return compare.exit_code == 0;
  }

  testing::TempDir dir_;
  std::string token_;  // An operator's bearer token, for secure nodes' /healthz.
  std::string etcd_url_;
  std::unique_ptr<testing::Process> etcd_;
};

// kill -9 the primary under publishes: a follower with the whole log takes
// over within seconds, the publisher carries on (same keys: no duplicate),
// no wire sequence is given twice, and the old primary comes back as a
// follower with the same log.
TEST_F(FailoverTest, AFollowerTakesOverAndNoAckedRevisionIsLost) {
  std::vector<std::unique_ptr<testing::Daemon>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(Start(i));
  const int first = WaitForPrimary({nodes[0].get(), nodes[1].get(), nodes[2].get()}, 20s);
  ASSERT_GE(first, 0);

  publisher::PublisherOptions options;
  options.hub = Hubs();
  options.attempt_timeout = 1s;
  options.attempts = 30;
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
  std::vector<v1::PublishAck> acks;
  auto publish = [&](int from, int to) {
    for (int n = from; n < to; ++n) {
      auto article =
          testing::MakeArticle(testing::Numbered("story-", n % 4), testing::Numbered("rev ", n));
      ASSERT_OK_AND_ASSIGN(
          auto ack, publisher->Publish(article, {.publisher_key = testing::Numbered("k", n)}));
      acks.push_back(ack);
    }
  };
  publish(0, 20);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(CaughtUp(Hub(first), Hub(i)));

  nodes[first]->Kill9();
  const auto killed = SteadyClock::now();
  publish(20, 21);
  const auto failover = SteadyClock::now() - killed;
  publish(21, 40);
  std::vector<testing::Daemon*> live;
  for (int i = 0; i < 3; ++i) live.push_back(i == first ? nullptr : nodes[i].get());
  const int second = WaitForPrimary(live, 5s);
  ASSERT_GE(second, 0);
  EXPECT_NE(second, first);
  EXPECT_LT(failover, 15s);
  std::printf("failover: %.2f s from kill -9 to the first ack by the new primary\n",
              std::chrono::duration<double>(failover).count());

  // Every ack names its own wire sequence, contiguous; the later term's
  // acks carry a higher epoch.
  std::set<uint64_t> seqs;
  for (const auto& ack : acks) EXPECT_TRUE(seqs.insert(ack.wire_seq()).second) << ack.wire_seq();
  EXPECT_EQ(*seqs.rbegin(), acks.size());
  EXPECT_GT(acks.back().epoch(), acks.front().epoch());
  // Every event carries the term its revision was committed in.
  ASSERT_OK_AND_ASSIGN(auto query, subscriber::QueryClient::Connect(Hub(second), 5s));
  v1::ReadLog read;
  read.set_from_seq(1);
  read.set_limit(100);
  ASSERT_OK_AND_ASSIGN(auto page, query->ReadLog(read));
  ASSERT_EQ(page.records_size(), static_cast<int>(acks.size()));
  for (const auto& ack : acks) {
    EXPECT_EQ(page.records(static_cast<int>(ack.wire_seq() - 1)).event().epoch(), ack.epoch())
        << ack.wire_seq();
  }

  nodes[first].reset();
  nodes[first] = Start(first);  // Back, as a follower of the new primary.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(CaughtUp(Hub(second), Hub(i))) << i;
    EXPECT_TRUE(Identical(Hub(second), Hub(i))) << i;
  }
  EXPECT_EQ(Role(*nodes[first]), "follower");
}

// An old primary that acked revisions its followers never got (acks =
// "primary": the loss window) diverges from the new primary's log: it keeps
// its store aside, whole, and starts again with a fresh copy.
TEST_F(FailoverTest, ADivergedOldPrimaryKeepsItsStoreAsideAndCopiesTheNewLog) {
  std::vector<std::unique_ptr<testing::Daemon>> nodes;
  nodes.push_back(Start(0));
  ASSERT_EQ(WaitForPrimary({nodes[0].get()}, 20s), 0);
  for (int i = 1; i < 3; ++i) nodes.push_back(Start(i));
  publisher::PublisherOptions options;
  options.hub = Hub(0);
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
  ASSERT_OK(publisher->Publish(testing::MakeArticle("shared", "Everyone has this")));
  for (int i = 1; i < 3; ++i) ASSERT_TRUE(CaughtUp(Hub(0), Hub(i)));

  // The followers go down; the primary acks three more on its own, dies.
  nodes[1]->Stop();
  nodes[2]->Stop();
  for (int n = 0; n < 3; ++n) {
    ASSERT_OK(publisher->Publish(testing::MakeArticle(testing::Numbered("lost-", n), "Only here")));
  }
  nodes[0]->Kill9();
  nodes[1] = Start(1);
  nodes[2] = Start(2);
  const int primary = WaitForPrimary({nullptr, nodes[1].get(), nodes[2].get()}, 20s);
  ASSERT_GE(primary, 1);
  publisher::PublisherOptions to_new;
  to_new.hub = Hub(primary);
  ASSERT_OK_AND_ASSIGN(auto next, publisher::Publisher::Connect(to_new));
  ASSERT_OK(next->Publish(testing::MakeArticle("after", "The new term")));

  // The old primary sees its log is not the new primary's prefix.
  auto old = Start(0);
  const auto deadline = SteadyClock::now() + 20s;
  auto exited = [&] {
    std::string stat = testing::ReadFile("/proc/" + std::to_string(old->pid()) + "/stat");
    const auto paren = stat.rfind(')');
    return paren == std::string::npos || stat.substr(paren + 2, 1) == "Z";
  };
  while (SteadyClock::now() < deadline && !exited()) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(old->Stop(), 3);
  EXPECT_NE(old->Stderr().find("diverges"), std::string::npos) << old->Stderr();
  std::string aside;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().filename().string().starts_with("store-0.diverged-")) aside = entry.path();
  }
  ASSERT_FALSE(aside.empty());
  {
    store::StoreOptions read;
    read.path = aside;
    read.read_only = true;
    ASSERT_OK_AND_ASSIGN(auto kept, store::RevisionStore::Open(read));
    EXPECT_EQ(kept->LastWireSeq(), 4u);  // The shared one and the three only it acked.
    ASSERT_OK(kept->GetRevision("lost-2", 1));
  }
  old.reset();
  old = Start(0);  // A fresh store: a copy of the new primary's log.
  ASSERT_TRUE(CaughtUp(Hub(primary), Hub(0)));
  EXPECT_TRUE(Identical(Hub(primary), Hub(0)));
}

// A secure cluster: the nodes share the cluster's key pair (so clients
// reach any of them with one server key) and the access file; each copies
// the elected primary with its own replica key. A reader of the feed reads
// the copy on a follower node, and may not read commits there.
TEST_F(FailoverTest, SecureNodesCopyThePrimaryWithTheirOwnReplicaKeys) {
  token_ = "ops-token-c1d8";
  testing::SecureKeys keys(dir_.path() + "/keys",
                           {{"newsroom", {"publisher"}, {"test-feed"}, {}, ""},
                            {"desk", {"subscriber"}, {}, {"test-feed"}, ""},
                            {"ops", {"operator", "subscriber"}, {}, {"*"}, token_},
                            {"node-0", {"replica"}, {}, {}, ""},
                            {"node-1", {"replica"}, {}, {}, ""}});
  auto secure = [&](int i) {
    auto flags = keys.DaemonFlags();
    for (const auto& flag : {std::string("--follow-key"), keys.KeyFile("node-" + std::to_string(i)),
                             std::string("--follow-server-key"), keys.ServerKeyFile()}) {
      flags.push_back(flag);
    }
    return Start(i, flags);
  };
  std::vector<std::unique_ptr<testing::Daemon>> nodes;
  for (int i = 0; i < 2; ++i) nodes.push_back(secure(i));
  const int primary = WaitForPrimary({nodes[0].get(), nodes[1].get()}, 20s);
  ASSERT_GE(primary, 0);
  const int follower = 1 - primary;

  publisher::PublisherOptions options;
  options.hub = Hub(0) + "," + Hub(1);
  options.curve = keys.Client("newsroom");
  options.attempt_timeout = 1s;
  options.attempts = 10;
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
  ASSERT_OK_AND_ASSIGN(auto ack, publisher->Publish(testing::MakeArticle("secure", "Copied")));

  auto desk = testing::Unwrap(
      subscriber::QueryClient::Connect(Hub(follower), 2s, keys.Client("desk")), "desk");
  bool copied = false;
  for (auto until = SteadyClock::now() + 20s; !copied && SteadyClock::now() < until;) {
    copied = static_cast<bool>(desk->GetArticle("secure", 0));
    if (!copied) std::this_thread::sleep_for(20ms);  // Polling the copy, with a deadline.
  }
  ASSERT_TRUE(copied) << nodes[follower]->Stderr();
  ASSERT_OK_AND_ASSIGN(auto article, desk->GetArticle("secure", 0));
  EXPECT_EQ(article.wire_seq(), ack.wire_seq());
  EXPECT_EQ(Role(*nodes[follower], token_), "follower");
  EXPECT_EQ(desk->ReadCommits(1, 1).error().code, v1::ERROR_CODE_UNAUTHORIZED);
  auto node_key = testing::Unwrap(
      subscriber::QueryClient::Connect(Hub(primary), 2s, keys.Client("node-0")), "node key");
  ASSERT_OK(node_key->ReadCommits(1, 1));
}

}  // namespace
}  // namespace newswire
