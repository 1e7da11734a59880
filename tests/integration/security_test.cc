// CURVE and ZAP against real daemons and real keys (README "Security"): a
// client without a key, with an unknown key or with the wrong server key
// gets nothing and is told why; garbage and half-finished handshakes from
// one client do not disturb the others; operations are for operators; the
// daemon will not listen beyond loopback in clear unless told to.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "articles.h"
#include "daemon.h"
#include "http_probe.h"
#include "newswire/core/hub.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "raw_zmtp.h"
#include "result_assertions.h"
#include "secure_keys.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::Grant;
using testing::MakeArticle;

constexpr const char* kOpsToken = "ops-token-7f3a";

std::vector<Grant> Grants() {
  return {{"newsroom", {"publisher"}, {"test-feed"}, {}, ""},
          {"desk", {"subscriber"}, {}, {"test-feed"}, ""},
          {"ops", {"operator", "subscriber"}, {}, {"*"}, kOpsToken}};
}

// Waits (up to 10 s) until the sample of the daemon's /metrics (read with
// the operator's token) reaches `at_least`.
double AwaitMetric(const std::string& metrics, const std::string& sample, double at_least) {
  double value = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    value = testing::ParsePrometheus(testing::Get(metrics, "/metrics", nullptr, kOpsToken))[sample];
    if (value >= at_least) break;
    std::this_thread::sleep_for(20ms);  // Polling a counter, with a deadline.
  }
  return value;
}

class SecurityTest : public ::testing::Test {
 protected:
  SecurityTest()
      : keys_(dir_.path() + "/keys", Grants()),
        daemon_(dir_.path() + "/store", WithBackups(keys_.DaemonFlags(), dir_.path())) {}

  static std::vector<std::string> WithBackups(std::vector<std::string> flags,
                                              const std::string& dir) {
    flags.insert(flags.end(), {"--backup-dir", dir + "/backups"});
    return flags;
  }

  Result<v1::PublishAck> PublishAs(const std::optional<security::CurveClient>& curve,
                                   const v1::Article& article) {
    publisher::PublisherOptions options;
    options.hub = daemon_.hub();
    options.curve = curve;
    options.attempt_timeout = 2s;
    options.attempts = 1;
    auto publisher = testing::Unwrap(publisher::Publisher::Connect(options), "publisher");
    return publisher->Publish(article);
  }

  Result<std::unique_ptr<subscriber::Subscriber>> SubscribeAs(
      const std::optional<security::CurveClient>& curve) {
    subscriber::SubscriberOptions options;
    options.hub = daemon_.hub();
    options.curve = curve;
    options.connect_timeout = 5s;
    options.query_timeout = 5s;
    return subscriber::Subscriber::Connect(options);
  }

  Result<v1::AccessReply> WhoAmI(const std::optional<security::CurveClient>& curve) {
    auto client =
        testing::Unwrap(subscriber::QueryClient::Connect(daemon_.hub(), 5s, curve), "query");
    return client->GetAccess();
  }

  testing::Completed Cli(std::vector<std::string> args, const std::string& as = "") {
    std::vector<std::string> argv = {testing::NewswirePath()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--hub", daemon_.hub()});
    if (!as.empty()) {
      auto flags = keys_.ClientFlags(as);
      argv.insert(argv.end(), flags.begin(), flags.end());
    }
    return testing::Run(argv);
  }

  testing::TempDir dir_;
  testing::SecureKeys keys_;
  testing::Daemon daemon_;
};

// No key: every service refuses at the handshake, the client says what is
// missing, nothing is stored, and the daemon counts each refusal.
TEST_F(SecurityTest, AClientWithoutAKeyGetsNothingAndIsCounted) {
  auto published = PublishAs(std::nullopt, MakeArticle("story", "no key"));
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code, v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_NE(published.error().message.find("requires CURVE"), std::string::npos)
      << published.error().message;
  auto subscribed = SubscribeAs(std::nullopt);
  ASSERT_FALSE(subscribed);
  EXPECT_EQ(subscribed.error().code, v1::ERROR_CODE_UNAUTHORIZED);
  auto asked = WhoAmI(std::nullopt);
  ASSERT_FALSE(asked);
  EXPECT_NE(asked.error().message.find("--key"), std::string::npos) << asked.error().message;

  // Which side hangs up first decides whether the daemon saw the mismatch
  // itself (no_curve) or only the connection break off (bad_handshake).
  for (const char* service : {"ingest", "fanout", "query"}) {
    double refused = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (refused < 1 && std::chrono::steady_clock::now() < deadline) {
      auto samples =
          testing::ParsePrometheus(testing::Get(daemon_.metrics(), "/metrics", nullptr, kOpsToken));
      refused = 0;
      for (const char* reason : {"no_curve", "bad_handshake"}) {
        refused += samples[std::string("newswire_handshake_failures_total{service=\"") + service +
                           "\",reason=\"" + reason + "\"}"];
      }
      if (refused < 1) std::this_thread::sleep_for(20ms);  // Polling, with a deadline.
    }
    EXPECT_GE(refused, 1) << service;
  }
  ASSERT_OK_AND_ASSIGN(auto ops, WhoAmI(keys_.Client("ops")));
  EXPECT_EQ(ops.identity(), "ops");
  auto health =
      nlohmann::json::parse(testing::Get(daemon_.metrics(), "/healthz", nullptr, kOpsToken));
  EXPECT_EQ(health["wire_seq"], 0) << "nothing was stored";
}

TEST_F(SecurityTest, AWrongServerKeyIsNamedAsTheLikelyCause) {
  auto curve = keys_.Client("desk");
  curve.server_key = keys_.Client("ops").own.public_key;  // Not the daemon's.
  auto asked = WhoAmI(curve);
  ASSERT_FALSE(asked);
  EXPECT_EQ(asked.error().code, v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_NE(asked.error().message.find("is --server-key the daemon's public key?"),
            std::string::npos)
      << asked.error().message;
  auto cli = testing::Run({testing::NewswirePath(), "whoami", "--hub", daemon_.hub(), "--key",
                           keys_.KeyFile("desk"), "--server-key", keys_.dir() + "/ops.pub"});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_NE(cli.err.find("--server-key"), std::string::npos) << cli.err;
  EXPECT_GE(AwaitMetric(daemon_.metrics(),
                        "newswire_handshake_failures_total{service=\"query\",reason=\"bad_"
                        "handshake\"}",
                        1),
            1);
}

TEST_F(SecurityTest, AKeyMissingFromTheAccessFileIsRefusedAtTheHandshake) {
  testing::SecureKeys stranger(dir_.path() + "/stranger", {{"stranger", {"operator"}, {}, {}, ""}});
  auto curve = stranger.Client("stranger");
  curve.server_key = keys_.Client("desk").server_key;
  auto asked = WhoAmI(curve);
  ASSERT_FALSE(asked);
  EXPECT_NE(asked.error().message.find("not in the daemon's access file"), std::string::npos)
      << asked.error().message;
  auto published = PublishAs(curve, MakeArticle("story", "stranger"));
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code, v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_GE(AwaitMetric(daemon_.metrics(),
                        "newswire_handshake_failures_total{service=\"ingest\",reason=\"unknown_"
                        "key\"}",
                        1),
            1);
  EXPECT_TRUE(daemon_.WaitForLog("is not in the access file", 10s));
}

// One client sends garbage, half a greeting, a NULL handshake and unknown
// keys, and keeps those connections open; a publisher and a subscriber
// with keys are served as if nothing happened.
TEST_F(SecurityTest, GarbageAndHalfFinishedHandshakesDoNotDisturbTheOthers) {
  auto hub = testing::Unwrap(core::ParseHub(daemon_.hub()), "hub");
  std::vector<int> sockets;
  for (const std::string& endpoint : {hub.ingest, hub.fanout, hub.query}) {
    const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    for (const std::string& bytes :
         {std::string("GET / HTTP/1.1\r\n\r\n"), std::string("\xff\0\0\0\0\0\0\0\x01\x7f", 10),
          std::string(), std::string(4096, '\x03')}) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(port));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
      if (!bytes.empty()) (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      sockets.push_back(fd);
    }
  }
  // A NULL-mechanism peer that completes its half of the handshake.
  std::vector<std::unique_ptr<testing::RawZmtpPeer>> peers;
  try {
    peers.push_back(std::make_unique<testing::RawZmtpPeer>(hub.fanout, "SUB"));
  } catch (const std::exception&) {
    // The daemon closed it at the mechanism mismatch: as it should.
  }
  testing::SecureKeys stranger(dir_.path() + "/stranger", {{"stranger", {"operator"}, {}, {}, ""}});
  auto unknown = stranger.Client("stranger");
  unknown.server_key = keys_.Client("desk").server_key;
  std::vector<std::unique_ptr<subscriber::QueryClient>> strangers;
  for (int i = 0; i < 5; ++i) {
    strangers.push_back(
        testing::Unwrap(subscriber::QueryClient::Connect(daemon_.hub(), 2s, unknown), "query"));
    EXPECT_FALSE(strangers.back()->GetAccess());
  }

  ASSERT_OK_AND_ASSIGN(auto subscriber, SubscribeAs(keys_.Client("desk")));
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(PublishAs(keys_.Client("newsroom"), MakeArticle(testing::Numbered("s", i), "ok")));
  }
  int delivered = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (delivered < 20 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_OK_AND_ASSIGN(auto notice, subscriber->Next(500ms));
    if (notice && std::holds_alternative<subscriber::Delivery>(*notice)) ++delivered;
  }
  EXPECT_EQ(delivered, 20);
  for (int fd : sockets) ::close(fd);
}

// Backup and reload write outside the store or change the daemon:
// operators only. Who asks is the key, whatever else the request says.
TEST_F(SecurityTest, OperationsAreForOperators) {
  auto backup = Cli({"admin", "backup", "--to", "nightly"}, "desk");
  EXPECT_EQ(backup.exit_code, 1);
  EXPECT_NE(backup.err.find("unauthorized: backup is for operators"), std::string::npos)
      << backup.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/backups/nightly"));
  auto reload = Cli({"admin", "reload"}, "newsroom");
  EXPECT_EQ(reload.exit_code, 1);
  EXPECT_NE(reload.err.find("for operators"), std::string::npos) << reload.err;

  auto by_operator = Cli({"admin", "backup", "--to", "nightly"}, "ops");
  EXPECT_EQ(by_operator.exit_code, 0) << by_operator.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/backups/nightly"));
  auto reloaded = Cli({"admin", "reload", "--json"}, "ops");
  EXPECT_EQ(reloaded.exit_code, 0) << reloaded.err;
  EXPECT_EQ(nlohmann::json::parse(reloaded.out)["identities"], 3);
}

// /metrics carries figures for operators only; /healthz says up or down to
// anyone, and the wire's figures to operators.
TEST_F(SecurityTest, MetricsAndHealthDetailsNeedAnOperatorsToken) {
  int status = 0;
  testing::Get(daemon_.metrics(), "/metrics", &status);
  EXPECT_EQ(status, 401);
  testing::Get(daemon_.metrics(), "/metrics", &status, "not-a-token");
  EXPECT_EQ(status, 401);
  auto page = testing::Get(daemon_.metrics(), "/metrics", &status, kOpsToken);
  EXPECT_EQ(status, 200);
  EXPECT_NE(page.find("newswire_handshake_failures_total"), std::string::npos);
  auto anyone = nlohmann::json::parse(testing::Get(daemon_.metrics(), "/healthz", &status));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(anyone, nlohmann::json({{"status", "ok"}}));
  auto ops = nlohmann::json::parse(testing::Get(daemon_.metrics(), "/healthz", &status, kOpsToken));
  EXPECT_TRUE(ops.contains("wire_seq"));
}

// whoami with the keys in environment variables, as scripts pass them.
TEST_F(SecurityTest, ClientsTakeTheirKeysFromTheEnvironmentToo) {
  auto run =
      testing::Run({"/usr/bin/env", "NEWSWIRE_KEY=" + keys_.KeyFile("desk"),
                    "NEWSWIRE_SERVER_KEY=" + keys_.ServerKeyFile(), "NEWSWIRE_HUB=" + daemon_.hub(),
                    testing::NewswirePath(), "whoami", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto who = nlohmann::json::parse(run.out);
  EXPECT_EQ(who["identity"], "desk");
  EXPECT_EQ(who["roles"], nlohmann::json({"subscriber"}));
  EXPECT_EQ(who["read_feeds"], nlohmann::json({"test-feed"}));
  EXPECT_EQ(who["secure"], true);
}

TEST(SecurityStartTest, NoListeningBeyondLoopbackInClearUnlessInsecure) {
  testing::TempDir dir;
  auto refused = testing::Run({testing::NewswiredPath(), "--listen", "tcp://0.0.0.0:0",
                               "--metrics-listen", "", "--data-dir", dir.path() + "/a"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("without CURVE"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--insecure"), std::string::npos) << refused.err;

  testing::Daemon insecure(dir.path() + "/b", {"--insecure"}, "tcp://0.0.0.0:0");
  EXPECT_TRUE(insecure.WaitForLog("WITHOUT CURVE (--insecure)", 10s));

  testing::SecureKeys keys(dir.path() + "/keys", Grants());
  testing::Daemon secure(dir.path() + "/c", keys.DaemonFlags(), "tcp://0.0.0.0:0");
  EXPECT_TRUE(secure.WaitForLog("security on", 10s));
  EXPECT_EQ(secure.Stderr().find("WITHOUT CURVE"), std::string::npos);
}

TEST(SecurityStartTest, ABrokenAccessFileOrKeyStopsTheStartWithAClearMessage) {
  testing::TempDir dir;
  testing::SecureKeys keys(dir.path() + "/keys", Grants());
  std::ofstream(keys.AccessFile(), std::ios::app) << "\n[[identity]]\nname = \"x\"\n";
  auto broken = testing::Run({testing::NewswiredPath(), "--data-dir", dir.path() + "/a", "--listen",
                              "tcp://127.0.0.1:0", "--metrics-listen", "", "--curve-secret-key",
                              keys.KeyFile("daemon"), "--access", keys.AccessFile()});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find("identity 4 (x)"), std::string::npos) << broken.err;
  auto half =
      testing::Run({testing::NewswiredPath(), "--data-dir", dir.path() + "/b", "--listen",
                    "tcp://127.0.0.1:0", "--metrics-listen", "", "--access", keys.AccessFile()});
  EXPECT_NE(half.exit_code, 0);
  EXPECT_NE(half.err.find("needs both --curve-secret-key"), std::string::npos) << half.err;
}

TEST(KeygenTest, WritesAPrivateSecretKeyAndAPublicOne) {
  testing::TempDir dir;
  auto made = testing::Run(
      {testing::NewswirePath(), "keygen", "--name", "desk-tokyo", "--dir", dir.path(), "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto out = nlohmann::json::parse(made.out);
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() + "/desk-tokyo.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(auto public_key,
                       security::ReadPublicKeyFile(dir.path() + "/desk-tokyo.pub"));
  EXPECT_EQ(out["public_key"], public_key);
  auto again = testing::Run(
      {testing::NewswirePath(), "keygen", "--name", "desk-tokyo", "--dir", dir.path()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace newswire
