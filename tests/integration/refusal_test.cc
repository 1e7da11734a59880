// Every refusal reaches its sender: oversize and malformed publishes get
// their typed error at once, through the publisher library and the CLI,
// never "no answer" after resending the whole article.
#include <gtest/gtest.h>

#include <fstream>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/hub.h"
#include "newswire/core/request_frame.h"
#include "newswire/publisher/publisher.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::MakeArticle;

constexpr std::size_t kLimit = 1u << 20;             // The default max_article_bytes.
constexpr std::size_t kRequestOverhead = 64u << 10;  // What the daemon allows on top of it.
constexpr auto kAttempt = 5s;  // Longer than any answer takes: a resend would show.

// An article whose body makes its encoding about `bytes` long.
v1::Article ArticleOfSize(const std::string& id, std::size_t bytes) {
  auto article = MakeArticle(id, "Oversize " + id, 1);
  article.add_body(std::string(bytes - article.ByteSizeLong(), 'x'));
  return article;
}

class RefusalTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(dir_.path() + "/store"); }

  publisher::PublisherOptions Options(const std::string& publisher_id = "refusals") {
    publisher::PublisherOptions options;
    options.hub = daemon_->hub();
    options.publisher_id = publisher_id;
    options.attempt_timeout = kAttempt;
    options.attempts = 3;
    return options;
  }

  // Publishes and expects `code` as the first answer, well before a resend.
  void ExpectRefused(publisher::Publisher& publisher, const v1::Article& article, ErrorCode code,
                     const std::string& mentions) {
    const auto started = std::chrono::steady_clock::now();
    auto result = publisher.Publish(article);
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(result) << "accepted";
    EXPECT_EQ(result.error().code, code) << result.error().ToString();
    EXPECT_NE(result.error().message.find(mentions), std::string::npos) << result.error().message;
    EXPECT_LT(took, kAttempt) << "answered only after a resend";
  }

  // `newswire publish --json` of `article` (written as JSON), with `args`.
  testing::Completed PublishWithCli(const v1::Article& article,
                                    std::vector<std::string> args = {}) {
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(article, &json).ok());
    const std::string path = dir_.path() + "/" + article.id() + ".json";
    std::ofstream(path, std::ios::binary) << json;
    std::vector<std::string> argv = {
        testing::NewswirePath(), "publish", "--hub", daemon_->hub(), "--json",
        "--timeout-ms",          "5000"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(path);
    return testing::Run(argv);
  }

  static std::string ErrorCodeOf(const testing::Completed& run) {
    auto line = nlohmann::json::parse(run.out, nullptr, false);
    if (line.is_discarded() || !line.contains("error")) return "(none) " + run.out;
    return line["error"]["code"];
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(RefusalTest, AnArticleJustOverTheLimitIsTooLarge) {
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(Options()));
  ExpectRefused(*publisher, ArticleOfSize("just-over", kLimit + 1024), v1::ERROR_CODE_TOO_LARGE,
                "1048576");
}

TEST_F(RefusalTest, ARequestPastTheLimitAndItsOverheadIsTooLargeEveryTime) {
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(Options()));
  for (int i = 0; i < 3; ++i) {
    ExpectRefused(*publisher, ArticleOfSize("over", kLimit + kRequestOverhead + 1024),
                  v1::ERROR_CODE_TOO_LARGE, "limit");
  }
  ExpectRefused(*publisher, ArticleOfSize("far-over", 8u << 20), v1::ERROR_CODE_TOO_LARGE, "limit");
  ASSERT_OK_AND_ASSIGN(auto ack, publisher->Publish(MakeArticle("after", "Still serving")));
  EXPECT_EQ(ack.wire_seq(), 1u) << "a refusal must not take a sequence";
}

TEST_F(RefusalTest, AFrameOverZeroMqsMaximumIsRefusedBeforeSending) {
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(Options()));
  ExpectRefused(*publisher, ArticleOfSize("huge", core::kMaxFrameBytes + 1),
                v1::ERROR_CODE_TOO_LARGE, "not sent");
  auto sent = publisher->Send(ArticleOfSize("huge", core::kMaxFrameBytes + 1));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, v1::ERROR_CODE_TOO_LARGE);
  ASSERT_OK(publisher->Publish(MakeArticle("after", "Still serving")));
}

TEST_F(RefusalTest, AMalformedRequestIsMalformed) {
  // Invalid UTF-8 in a string field of the request makes it unparseable.
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(Options("desk-\xff")));
  ExpectRefused(*publisher, MakeArticle("story", "Headline"), v1::ERROR_CODE_MALFORMED,
                "not a valid PublishRequest");
}

TEST_F(RefusalTest, PipelinedRefusalsCarryTheirRequestIds) {
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(Options()));
  auto big = publisher->Send(ArticleOfSize("over", kLimit + kRequestOverhead + 1024));
  auto fine = publisher->Send(MakeArticle("fine", "Fine"));
  ASSERT_TRUE(big && fine);
  std::map<uint64_t, v1::PublishReply> replies;
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(auto reply, publisher->Receive(10s));
    replies[reply.request_id()] = reply;
  }
  ASSERT_EQ(replies.count(*big), 1u);
  EXPECT_EQ(replies[*big].error().code(), v1::ERROR_CODE_TOO_LARGE);
  ASSERT_EQ(replies.count(*fine), 1u);
  EXPECT_TRUE(replies[*fine].has_ack());
}

TEST_F(RefusalTest, TheDaemonNamesTheRequestOfAFrameItCannotParse) {
  auto hub = core::ParseHub(daemon_->hub());
  ASSERT_TRUE(hub);
  zmq::context_t context;
  zmq::socket_t raw(context, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::rcvtimeo, 10000);
  raw.connect(hub->ingest);
  auto reply_id = [&](const char* what) -> uint64_t {
    zmq::message_t frame;
    EXPECT_TRUE(raw.recv(frame)) << what << ": no reply";
    v1::PublishReply reply;
    EXPECT_TRUE(reply.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) << what;
    EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_MALFORMED) << what;
    return reply.request_id();
  };
  // Field 1 (request_id = 77), then bytes that are no field at all.
  raw.send(zmq::str_buffer("\x08\x4d\xff\xff\xff"), zmq::send_flags::none);
  EXPECT_EQ(reply_id("garbage after the id"), 77u);
  // A publisher id (field 2) first, then the request id: read in any order.
  raw.send(zmq::str_buffer("\x12\x01x\x08\x4e\x12\x01\xff"), zmq::send_flags::none);
  EXPECT_EQ(reply_id("id after another field"), 78u);
  raw.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  raw.send(zmq::str_buffer("\x08\x4f"), zmq::send_flags::none);
  EXPECT_EQ(reply_id("two frames"), 79u);
  raw.send(zmq::str_buffer("\xff\xff not a protobuf"), zmq::send_flags::none);
  EXPECT_EQ(reply_id("no id to read"), 0u);

  zmq::socket_t query(context, zmq::socket_type::dealer);
  query.set(zmq::sockopt::linger, 0);
  query.set(zmq::sockopt::rcvtimeo, 10000);
  query.connect(hub->query);
  query.send(zmq::str_buffer("\x08\x50\x12\xff"), zmq::send_flags::none);
  zmq::message_t frame;
  ASSERT_TRUE(query.recv(frame));
  v1::QueryReply reply;
  ASSERT_TRUE(reply.ParseFromArray(frame.data(), static_cast<int>(frame.size())));
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(reply.request_id(), 80u);
}

TEST_F(RefusalTest, TheCliShowsEachRefusalWithExitCodeOne) {
  struct Case {
    v1::Article article;
    std::vector<std::string> args;
    std::string code;
  };
  std::vector<Case> cases;
  cases.push_back({ArticleOfSize("just-over", kLimit + 1024), {}, "too_large"});
  cases.push_back({ArticleOfSize("over", kLimit + kRequestOverhead + 1024), {}, "too_large"});
  cases.push_back({ArticleOfSize("huge", core::kMaxFrameBytes + 1), {}, "too_large"});
  cases.push_back({MakeArticle("story", "Headline"), {"--publisher", "desk-\xff"}, "malformed"});
  for (const auto& c : cases) {
    auto run = PublishWithCli(c.article, c.args);
    EXPECT_EQ(run.exit_code, 1) << c.article.id() << ": " << run.err;
    EXPECT_EQ(ErrorCodeOf(run), c.code) << c.article.id() << ": " << run.err;
    EXPECT_EQ(run.err.find("no answer"), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace newswire
