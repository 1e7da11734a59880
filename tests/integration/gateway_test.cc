// newswire-gateway as an HTTP client sees it, against a real newswired:
// REST answers equal the CLI's, the stream delivers every revision once and
// verified across a gateway restart, a slow reader is cut off with memory
// bounded, and bearer tokens and feed grants are honoured.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/article.h"
#include "newswire/core/process_stats.h"
#include "newswire/publisher/publisher.h"
#include "secure_keys.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Daemon;
using testing::Process;

// A running newswire-gateway on a free port.
class GatewayProcess {
 public:
  GatewayProcess(const std::string& hub, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {NEWSWIRE_TEST_GATEWAY, "--hub",          hub,  "--listen",
                                     "127.0.0.1:0",         "--heartbeat-ms", "200"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(argv);
    auto ready = process_->ReadStdoutLine(15s);
    if (!ready || ready->rfind("ready http://127.0.0.1:", 0) != 0) {
      throw std::runtime_error("gateway did not start: " + process_->AllStderr());
    }
    port_ = std::stoi(ready->substr(ready->rfind(':') + 1));
  }
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  int Stop() {
    process_->Signal(SIGTERM);
    return process_->Wait(15s).value_or(-1);
  }
  // Resident memory from /proc, in bytes.
  std::size_t Rss() const {
    auto stats = core::ReadProcessStats(pid());
    return stats ? static_cast<std::size_t>(stats->resident_bytes) : 0;
  }
  httplib::Result Get(const std::string& path, const std::string& token = "") const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }

 private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

struct SseEvent {
  std::string id, event, data;
};

// A Server-Sent Events client on a plain socket, so a test controls when
// (and whether) it reads.
class SseClient {
 public:
  SseClient(int port, const std::string& target, const std::string& headers = "",
            int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(int));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot connect to the gateway");
    }
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: test\r\n" +
                                "Accept: text/event-stream\r\n" + headers + "\r\n";
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      throw std::runtime_error("cannot send the request");
    }
  }
  ~SseClient() { close(fd_); }

  // The next event (comments skipped); nullopt at the deadline or the end.
  std::optional<SseEvent> Next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!headers_done_) {
        auto end = buffer_.find("\r\n\r\n");
        if (end != std::string::npos) {
          status_line_ = buffer_.substr(0, buffer_.find("\r\n"));
          buffer_.erase(0, end + 4);
          headers_done_ = true;
        }
      }
      auto end = headers_done_ ? buffer_.find("\n\n") : std::string::npos;
      if (end != std::string::npos) {
        std::string block = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        SseEvent event;
        std::size_t start = 0;
        while (start <= block.size()) {
          auto newline = block.find('\n', start);
          std::string line = block.substr(start, newline - start);
          if (line.rfind("id: ", 0) == 0) event.id = line.substr(4);
          if (line.rfind("event: ", 0) == 0) event.event = line.substr(7);
          if (line.rfind("data: ", 0) == 0) event.data = line.substr(6);
          if (newline == std::string::npos) break;
          start = newline + 1;
        }
        if (!event.event.empty()) return event;
        continue;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[65536];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  const std::string& status_line() const { return status_line_; }

 private:
  int fd_ = -1;
  std::string buffer_, status_line_;
  bool headers_done_ = false;
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path() + "/store");
    publisher::PublisherOptions options;
    options.hub = daemon_->hub();
    auto connected = publisher::Publisher::Connect(options);
    ASSERT_TRUE(connected) << connected.error().ToString();
    publisher_ = std::move(*connected);
  }

  v1::PublishAck Publish(const v1::Article& article) {
    auto ack = publisher_->Publish(article, {});
    if (!ack) throw std::runtime_error(ack.error().ToString());
    return *ack;
  }

  std::vector<json> CliLines(std::vector<std::string> args) {
    args.insert(args.begin(), {testing::NewswirePath()});
    args.insert(args.end(), {"--hub", daemon_->hub(), "--json"});
    auto run = testing::Run(args);
    std::vector<json> lines;
    std::istringstream out(run.out);
    for (std::string line; std::getline(out, line);) lines.push_back(json::parse(line));
    return lines;
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<publisher::Publisher> publisher_;
};

TEST_F(GatewayTest, RestAnswersEqualTheCliAndErrorsCarryTheWireCode) {
  Publish(testing::ExampleStory(1));
  auto v2 = Publish(testing::ExampleStory(2));
  GatewayProcess gateway(daemon_->hub());
  const std::string id = v2.article_id();
  const std::string as_of = google::protobuf::util::TimeUtil::ToString(v2.wire_time());

  auto same = [&](const std::string& path, const json& cli) {
    auto response = gateway.Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 200) << path << ": " << response->body;
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(json::parse(response->body), cli) << path;
  };
  same("/v1/articles/" + id, CliLines({"get", id}).at(0));
  same("/v1/articles/" + id + "?version=1", CliLines({"get", id, "--version", "1"}).at(0));
  same("/v1/articles/" + id + "?as_of=" + as_of, CliLines({"get", id, "--as-of", as_of}).at(0));
  same("/v1/articles/" + id + "/diff?from=1&to=2", CliLines({"diff", id, "1", "2"}).at(0));
  same("/v1/articles/" + id + "/history",
       json{{"article_id", id}, {"versions", CliLines({"history", id})}});
  same("/v1/articles/" + id + "/blame",
       json{{"article_id", id}, {"lines", CliLines({"blame", id})}});
  EXPECT_EQ(CliLines({"blame", id}).size(), 4u + 6u);  // Key points and paragraphs of v2.

  auto missing = gateway.Get("/v1/articles/no-such-story");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "not_found");
  EXPECT_EQ(json::parse(missing->body)["error"], CliLines({"get", "no-such-story"}).at(0)["error"]);
  auto bad_time = gateway.Get("/v1/articles/" + id + "?as_of=yesterday");
  EXPECT_EQ(bad_time->status, 400);
  EXPECT_EQ(json::parse(bad_time->body)["error"]["code"], "malformed");
  // Past 9999 in UTC: refused, where protobuf's TimeUtil aborted the gateway.
  auto past_9999 = gateway.Get("/v1/articles/" + id + "?as_of=9999-12-31T23:59:59-01:00");
  ASSERT_TRUE(past_9999);
  EXPECT_EQ(past_9999->status, 400);
  EXPECT_EQ(json::parse(past_9999->body)["error"]["code"], "malformed");
  auto bad_version = gateway.Get("/v1/articles/" + id + "/diff?from=1&to=x");
  EXPECT_EQ(bad_version->status, 400);
  EXPECT_EQ(gateway.Get("/v1/nothing-here")->status, 404);
  auto openapi = gateway.Get("/v1/openapi.json");
  EXPECT_EQ(openapi->status, 200);
  EXPECT_TRUE(json::parse(openapi->body)["paths"].contains("/v1/stream"));
}

TEST_F(GatewayTest, ReplayStreamsTheCliReplayLinesAsNdjson) {
  for (int i = 0; i < 5; ++i) Publish(testing::MakeArticle(testing::Numbered("r", i), "Replay"));
  GatewayProcess gateway(daemon_->hub());
  auto response = gateway.Get("/v1/replay?from=2000-01-01T00:00:00Z");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  auto cli = CliLines({"replay", "--from", "2000-01-01T00:00:00Z"});
  std::istringstream lines(response->body);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    auto rest = json::parse(line);
    ASSERT_LT(n, cli.size());
    rest.erase("lag_us");  // Replay pacing, measured per run.
    cli[n].erase("lag_us");
    EXPECT_EQ(rest, cli[n]);
  }
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(gateway.Get("/v1/replay")->status, 400);  // `from` is required.
}

// Reads `count` revisions; every one must be verified with a matching hash.
void ReadRevisions(SseClient& client, std::size_t count, std::vector<uint64_t>& seqs) {
  while (seqs.size() < count) {
    auto event = client.Next(15s);
    ASSERT_TRUE(event) << "stream ended after " << seqs.size() << " revisions";
    ASSERT_EQ(event->event, "revision") << event->data;
    auto data = json::parse(event->data);
    EXPECT_EQ(data["verified"], true);
    EXPECT_EQ(std::to_string(data["wire_seq"].get<uint64_t>()), event->id);
    v1::Article article;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(data["article"].dump(), &article).ok());
    EXPECT_EQ(core::Hex(core::ContentHash(article)), data["content_hash"]);
    if (data["version"].get<int>() > 1) {
      EXPECT_TRUE(data.contains("diff")) << event->data;
    }
    seqs.push_back(data["wire_seq"].get<uint64_t>());
  }
}

TEST_F(GatewayTest, StreamDeliversEveryRevisionOnceAcrossAGatewayRestart) {
  constexpr int kStories = 4, kRounds = 6;  // 24 revisions, versions 1..6 of 4 stories.
  auto publish_round = [&](int round) {
    for (int s = 0; s < kStories; ++s) {
      auto article = testing::MakeArticle(testing::Numbered("story-", s),
                                          "Round " + std::to_string(round), 2 + round);
      Publish(article);
    }
  };
  std::vector<uint64_t> seqs;
  {
    GatewayProcess gateway(daemon_->hub());
    SseClient client(gateway.port(), "/v1/stream");
    ASSERT_FALSE(client.Next(300ms));  // Connected: nothing yet, heartbeats only.
    EXPECT_EQ(client.status_line(), "HTTP/1.1 200 OK");
    publish_round(0);
    publish_round(1);
    ReadRevisions(client, 2 * kStories, seqs);
    EXPECT_EQ(gateway.Stop(), 0);
  }
  publish_round(2);  // While no gateway runs.
  publish_round(3);
  {
    GatewayProcess gateway(daemon_->hub());
    const std::string last = std::to_string(seqs.back());
    SseClient client(gateway.port(), "/v1/stream", "Last-Event-ID: " + last + "\r\n");
    ReadRevisions(client, 4 * kStories, seqs);  // From the store: the gateway has none.
    publish_round(4);
    ReadRevisions(client, 5 * kStories, seqs);  // Then live.
    // A second resume, from the gateway's recent events this time.
    SseClient again(gateway.port(), "/v1/stream",
                    "Last-Event-ID: " + std::to_string(seqs[3 * kStories - 1]) + "\r\n");
    std::vector<uint64_t> resumed;
    ReadRevisions(again, 2 * kStories, resumed);
    EXPECT_EQ(resumed.front(), seqs[3 * kStories]);
    publish_round(5);
    ReadRevisions(client, 6 * kStories, seqs);
    EXPECT_FALSE(client.Next(500ms)) << "a revision was sent twice";
  }
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kStories * kRounds));
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST_F(GatewayTest, StreamHonoursFiltersAndResumesFromTheStoreWithThem) {
  auto asia = testing::MakeArticle("asia-1", "Asia");
  asia.set_feed("equities-asia");
  auto us = testing::MakeArticle("us-1", "US");
  us.set_feed("equities-us");
  Publish(asia);
  Publish(us);
  asia.set_headline("Asia, updated");  // An unchanged re-send would make no revision.
  Publish(asia);
  GatewayProcess gateway(daemon_->hub());
  SseClient client(gateway.port(), "/v1/stream?feed=equities-asia", "Last-Event-ID: 0\r\n");
  std::vector<uint64_t> seqs;
  ReadRevisions(client, 2, seqs);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 3}));
  EXPECT_FALSE(client.Next(300ms));
  SseClient bad(gateway.port(), "/v1/stream?instrument=no-exchange");
  EXPECT_FALSE(bad.Next(2s));
  EXPECT_EQ(bad.status_line(), "HTTP/1.1 400 Bad Request");
}

TEST_F(GatewayTest, ASlowClientIsCutOffWithALastEventAndMemoryStaysBounded) {
  GatewayProcess gateway(daemon_->hub(),
                         {"--client-buffer-bytes", "262144", "--recent-events", "50"});
  SseClient slow(gateway.port(), "/v1/stream", "", /*receive_buffer=*/4096);
  SseClient reader(gateway.port(), "/v1/stream");
  ASSERT_FALSE(reader.Next(300ms));
  [[maybe_unused]] const std::size_t rss_before = gateway.Rss();
  // ~50 MB of revisions through a client that never reads.
  constexpr int kRevisions = 600;
  std::vector<uint64_t> seqs;
  for (int i = 0; i < kRevisions; ++i) {
    Publish(
        testing::MakeArticle(testing::Numbered("big-", i % 20), testing::Numbered("Big ", i), 150));
    // Read as it comes: a reader 50 revisions (4 MB) behind would be slow too.
    ReadRevisions(reader, static_cast<std::size_t>(i + 1), seqs);
  }
  [[maybe_unused]] const std::size_t rss_after = gateway.Rss();
#ifndef NEWSWIRE_SANITIZED  // ASan keeps freed memory in quarantine (256 MB).
  EXPECT_LT(rss_after, rss_before + 64u * 1024 * 1024)
      << "gateway grew from " << rss_before << " to " << rss_after << " bytes";
#endif
  // The slow client, reading at last, finds its last event: the cut-off.
  std::optional<SseEvent> event, last;
  while ((event = slow.Next(5s))) last = event;
  ASSERT_TRUE(last);
  EXPECT_EQ(last->event, "cutoff");
  auto data = json::parse(last->data);
  EXPECT_GT(data["last_event_id"].get<uint64_t>(), 0u);
  EXPECT_LT(data["last_event_id"].get<uint64_t>(), static_cast<uint64_t>(kRevisions));
  auto health = json::parse(gateway.Get("/healthz")->body);
  EXPECT_EQ(health["stream_clients"], 1);  // The reader stays.
}

TEST_F(GatewayTest, BearerTokensMapToIdentitiesAndFeedGrantsFilterEveryAnswer) {
  const std::string access = dir_.path() + "/access.toml";
  std::ofstream(access) << "[[identity]]\nname = \"desk-asia\"\nroles = [\"subscriber\"]\n"
                        << "token_sha256 = \"" << core::Hex(core::Sha256("asia-token"))
                        << "\"\nread_feeds = [\"equities-asia\"]\n"
                        << "[[identity]]\nname = \"compliance\"\nroles = [\"subscriber\"]\n"
                        << "token_sha256 = \"" << core::Hex(core::Sha256("all-token"))
                        << "\"\nread_feeds = [\"*\"]\n";
  auto asia = testing::MakeArticle("asia-2", "Asia");
  asia.set_feed("equities-asia");
  auto us = testing::MakeArticle("us-2", "US");
  us.set_feed("equities-us");
  Publish(asia);
  Publish(us);
  GatewayProcess gateway(daemon_->hub(), {"--access-file", access});

  auto anonymous = gateway.Get("/v1/articles/asia-2");
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(json::parse(anonymous->body)["error"]["code"], "unauthorized");
  EXPECT_EQ(gateway.Get("/v1/articles/asia-2", "wrong-token")->status, 401);
  EXPECT_EQ(gateway.Get("/v1/articles/asia-2", "asia-token")->status, 200);
  // Not granted reads exactly as not there.
  for (const char* path :
       {"/v1/articles/us-2", "/v1/articles/us-2/history", "/v1/articles/us-2?version=1",
        "/v1/articles/us-2/blame", "/v1/articles/us-2?as_of=2100-01-01T00:00:00Z"}) {
    auto hidden = gateway.Get(path, "asia-token");
    std::string missing_path = path;
    missing_path.replace(missing_path.find("us-2"), 4, "zz-9");
    auto missing = gateway.Get(missing_path, "asia-token");
    EXPECT_EQ(hidden->status, 404) << path;
    std::string expected = missing->body;
    expected.replace(expected.find("zz-9"), 4, "us-2");
    EXPECT_EQ(hidden->body, expected) << path;
  }
  EXPECT_EQ(gateway.Get("/v1/articles/us-2", "all-token")->status, 200);
  EXPECT_EQ(gateway.Get("/healthz")->status, 200);  // Health needs no token.

  auto replay = gateway.Get("/v1/replay?from=2000-01-01T00:00:00Z", "asia-token");
  EXPECT_EQ(std::count(replay->body.begin(), replay->body.end(), '\n'), 1);
  SseClient stream(gateway.port(), "/v1/stream?access_token=asia-token", "Last-Event-ID: 0\r\n");
  std::vector<uint64_t> seqs;
  ReadRevisions(stream, 1, seqs);
  EXPECT_EQ(seqs, std::vector<uint64_t>{1});
  us.set_headline("US, updated");
  asia.set_headline("Asia, updated");
  Publish(us);
  Publish(asia);
  ReadRevisions(stream, 2, seqs);
  EXPECT_EQ(seqs.back(), 4u);  // Not 3: that one is on a feed it may not read.
}

// The gateway in front of a secure daemon: it reaches it with its own CURVE
// key, and reads bearer tokens from the daemon's own access file, so an
// HTTP reader and a ZeroMQ reader with the same grants see the same.
TEST(SecureGatewayTest, ReachesACurveDaemonWithItsOwnKeyAndHonoursTheSameGrants) {
  testing::TempDir dir;
  testing::SecureKeys keys(dir.path() + "/keys",
                           {{"newsroom", {"publisher"}, {"*"}, {}, ""},
                            {"gateway", {"subscriber"}, {}, {"*"}, ""},
                            {"narrow-gateway", {"subscriber"}, {}, {"equities-asia"}, ""},
                            {"desk-asia", {"subscriber"}, {}, {"equities-asia"}, "asia-token"}});
  Daemon daemon(dir.path() + "/store", keys.DaemonFlags());
  publisher::PublisherOptions options;
  options.hub = daemon.hub();
  options.curve = keys.Client("newsroom");
  auto publisher = publisher::Publisher::Connect(options);
  ASSERT_TRUE(publisher);
  auto asia = testing::MakeArticle("asia-1", "Asia");
  asia.set_feed("equities-asia");
  auto us = testing::MakeArticle("us-1", "US");
  us.set_feed("equities-us");
  ASSERT_TRUE((*publisher)->Publish(asia));
  ASSERT_TRUE((*publisher)->Publish(us));

  auto refused = testing::Run({NEWSWIRE_TEST_GATEWAY, "--hub", daemon.hub(), "--listen",
                               "127.0.0.1:0", "--access-file", keys.AccessFile()});
  EXPECT_EQ(refused.exit_code, 2);  // No key: nothing to serve.
  EXPECT_NE(refused.err.find("requires CURVE"), std::string::npos) << refused.err;
  auto flags = keys.ClientFlags("narrow-gateway");
  auto narrow = testing::Run({NEWSWIRE_TEST_GATEWAY, "--hub", daemon.hub(), "--listen",
                              "127.0.0.1:0", flags[0], flags[1], flags[2], flags[3]});
  EXPECT_NE(narrow.exit_code, 0);
  EXPECT_NE(narrow.err.find("does not read every feed"), std::string::npos) << narrow.err;

  auto gateway_flags = keys.ClientFlags("gateway");
  gateway_flags.insert(gateway_flags.end(), {"--access-file", keys.AccessFile()});
  GatewayProcess gateway(daemon.hub(), gateway_flags);
  EXPECT_EQ(gateway.Get("/v1/articles/asia-1", "asia-token")->status, 200);
  auto hidden = gateway.Get("/v1/articles/us-1", "asia-token");
  EXPECT_EQ(hidden->status, 404);
  EXPECT_EQ(json::parse(hidden->body)["error"]["message"], "no article us-1");
  SseClient stream(gateway.port(), "/v1/stream?access_token=asia-token", "Last-Event-ID: 0\r\n");
  auto event = stream.Next(10s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->id, "1");
  us.set_headline("US, updated");
  asia.set_headline("Asia, updated");
  ASSERT_TRUE((*publisher)->Publish(us));
  ASSERT_TRUE((*publisher)->Publish(asia));
  do {
    event = stream.Next(10s);
  } while (event && event->event != "revision");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->id, "4");  // Not 2 or 3: equities-us.
}

}  // namespace
}  // namespace newswire

namespace newswire {
namespace {

TEST_F(GatewayTest, StreamCarriesEachRevisionsFigureChanges) {
  auto story = testing::MakeArticle("figures-1", "Minato");
  story.add_body("Minato shares rose 3.2% to 4,515 yen.");
  Publish(story);
  *story.mutable_body(story.body_size() - 1) = "Minato shares rose 3.4% to 4,515 yen.";
  Publish(story);
  GatewayProcess gateway(daemon_->hub());
  SseClient client(gateway.port(), "/v1/stream", "Last-Event-ID: 0\r\n");
  std::vector<nlohmann::json> revisions;
  while (revisions.size() < 2) {
    auto event = client.Next(10s);
    ASSERT_TRUE(event) << "only " << revisions.size() << " revisions arrived";
    if (event->event == "revision") revisions.push_back(nlohmann::json::parse(event->data));
  }
  EXPECT_FALSE(revisions[0].contains("figures")) << "version 1 has none to compare";
  ASSERT_EQ(revisions[1]["figures"].size(), 1u) << revisions[1].dump();
  EXPECT_EQ(revisions[1]["figures"][0]["before"]["text"], "3.2%");
  EXPECT_EQ(revisions[1]["figures"][0]["after"]["text"], "3.4%");
  EXPECT_EQ(revisions[1]["figures"][0]["where"], "paragraph 4");
}

}  // namespace
}  // namespace newswire
