// Times past the ends of the clock (1677..2262) and at the ends of RFC 3339
// (0001..9999), end to end: nothing wraps around. A far-future embargo is
// held, a distant-past one is over, an as-of time before the clock sees
// nothing, and a start time after it finds nothing yet.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "articles.h"
#include "daemon.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/core/hub.h"
#include "newswire/core/time.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/replayer.h"
#include "newswire/subscriber/subscriber.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MakeArticle;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'795'586'700LL * kSecond;  // 2026-11-25T06:05:00Z

google::protobuf::Timestamp Time(std::string_view rfc3339) {
  auto ts = core::ParseRfc3339(rfc3339);
  EXPECT_TRUE(ts) << rfc3339;
  return ts ? *ts : google::protobuf::Timestamp();
}

v1::Article Embargoed(const std::string& id, std::string_view until) {
  auto article = MakeArticle(id, "Results of " + id);
  *article.mutable_embargoed() = Time(until);
  return article;
}

publisher::PublisherOptions PublishTo(const std::string& hub) {
  publisher::PublisherOptions options;
  options.hub = hub;
  return options;
}

subscriber::SubscriberOptions SubscribeTo(const std::string& hub) {
  subscriber::SubscriberOptions options;
  options.hub = hub;
  return options;
}

// The ids of the next `count` revisions delivered (fewer at the deadline).
std::vector<std::string> NextIds(subscriber::Subscriber& subscriber, std::size_t count) {
  std::vector<std::string> ids;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ids.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto notice = subscriber.Next(200ms);
    EXPECT_TRUE(notice) << notice.error().ToString();
    if (!notice) break;
    if (!notice->has_value()) continue;
    if (const auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
      ids.push_back(delivery->event.article_id());
    }
  }
  return ids;
}

class EmbargoRangeTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::ManualClock clock_{kStart};
};

TEST_F(EmbargoRangeTest, AnEmbargoOf9999IsHeldUntilFurtherNoticeNeverSentAtOnce) {
  testing::InProcessDaemon daemon(dir_.path() + "/store", clock_);
  ASSERT_OK_AND_ASSIGN(auto subscriber, subscriber::Subscriber::Connect(SubscribeTo(daemon.hub())));
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(PublishTo(daemon.hub())));

  for (const char* until : {"9999-12-31T23:59:59Z", "2300-01-01T00:00:00Z"}) {
    ASSERT_OK_AND_ASSIGN(auto held, publisher->Publish(Embargoed(until, until)));
    EXPECT_EQ(held.version(), 0u) << until;
    EXPECT_EQ(core::FormatRfc3339(held.embargoed_until()), until);
  }
  ASSERT_OK(publisher->Publish(Embargoed("soon", "2026-11-25T07:05:00Z")));
  ASSERT_OK(publisher->Publish(MakeArticle("open", "Not embargoed")));
  EXPECT_EQ(NextIds(*subscriber, 1), std::vector<std::string>{"open"});

  // The embargo release timer still serves the embargo before them...
  clock_.Set(kStart + 2 * 3600 * kSecond);
  EXPECT_EQ(NextIds(*subscriber, 1), std::vector<std::string>{"soon"});
  // ...and they stay held to the clock's last second: nothing wraps past it.
  clock_.Set(core::kClockMax - kSecond);
  ASSERT_OK(publisher->Publish(MakeArticle("late-1", "After the clock moved")));
  ASSERT_OK(publisher->Publish(MakeArticle("late-2", "And once more")));
  EXPECT_EQ(NextIds(*subscriber, 2), (std::vector<std::string>{"late-1", "late-2"}));
  ASSERT_OK_AND_ASSIGN(auto query, subscriber::QueryClient::Connect(daemon.hub(), 5s));
  for (const char* id : {"9999-12-31T23:59:59Z", "2300-01-01T00:00:00Z"}) {
    auto read = query->GetArticle(id, 0);
    ASSERT_FALSE(read) << id << " is readable while held";
    EXPECT_EQ(read.error().code, v1::ERROR_CODE_NOT_FOUND);
  }
}

TEST_F(EmbargoRangeTest, AnEmbargoInTheDistantPastIsAlreadyOver) {
  testing::InProcessDaemon daemon(dir_.path() + "/store", clock_);
  ASSERT_OK_AND_ASSIGN(auto subscriber, subscriber::Subscriber::Connect(SubscribeTo(daemon.hub())));
  ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(PublishTo(daemon.hub())));
  int64_t wire_seq = 0;
  for (const char* until : {"1000-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
                            "1677-09-21T00:12:43.145224191Z", "1969-07-20T20:17:40Z"}) {
    ASSERT_OK_AND_ASSIGN(auto ack, publisher->Publish(Embargoed(until, until)));
    EXPECT_FALSE(ack.has_embargoed_until()) << until << " was held";
    EXPECT_EQ(ack.version(), 1u) << until;
    EXPECT_EQ(ack.wire_seq(), static_cast<uint64_t>(++wire_seq)) << until;
  }
  EXPECT_EQ(NextIds(*subscriber, 4).size(), 4u);
}

// Query times against the real daemon, through the CLI as a user types them.
class QueryRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::Daemon>(dir_.path() + "/store");
    auto publish = Newswire({"publish", Example(1), Example(2)});
    ASSERT_EQ(publish.exit_code, 0) << publish.err;
  }

  testing::Completed Newswire(std::vector<std::string> args) {
    args.insert(args.begin(), testing::NewswirePath());
    args.insert(args.begin() + 2, {"--hub", daemon_->hub(), "--json"});
    return testing::Run(std::move(args));
  }

  static std::string Example(int version) {
    return testing::ExamplesDir() + "/tokyo-talks/v" + std::to_string(version) + ".json";
  }

  static std::vector<json> Lines(const std::string& out) {
    std::vector<json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  static constexpr const char* kId = "nw-20261125-kaito-minato";
  testing::TempDir dir_;
  std::unique_ptr<testing::Daemon> daemon_;
};

TEST_F(QueryRangeTest, AsOfBeforeTheClockSeesNothingAndAfterItSeesTheLatest) {
  for (const char* before :
       {"1600-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1677-09-21T00:12:43.145224192Z"}) {
    auto get = Newswire({"get", kId, "--as-of", before});
    EXPECT_EQ(get.exit_code, 1) << before << ": " << get.out;
    EXPECT_EQ(Lines(get.out).at(0)["error"]["code"], "not_found") << before;
  }
  for (const char* after : {"9999-12-31T23:59:59Z", "2300-01-01T00:00:00Z"}) {
    auto get = Newswire({"get", kId, "--as-of", after});
    ASSERT_EQ(get.exit_code, 0) << after << ": " << get.err;
    EXPECT_EQ(Lines(get.out).at(0)["version"], 2) << after;
  }
}

TEST_F(QueryRangeTest, TimesThatAreNoTimeAreUsageErrors) {
  struct Case {
    const char* time;
    const char* says;
  };
  for (auto [time, says] : {Case{"9999-12-31T23:59:59-01:00", "outside 0001-01-01"},
                            Case{"0001-01-01T00:00:00+01:00", "outside 0001-01-01"},
                            Case{"2026-11-25T06:05:00.1234567891Z", "more precise than nano"},
                            Case{"2026-02-30T00:00:00Z", "not a real date"}}) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{"get", kId, "--as-of", time},
          std::vector<std::string>{"tail", "--since", time, "--count", "1"},
          std::vector<std::string>{"replay", "--from", time},
          std::vector<std::string>{"replay", "--from", "2026-01-01T00:00:00Z", "--to", time}}) {
      auto run = Newswire(args);
      EXPECT_EQ(run.exit_code, 2) << args[0] << " " << time << ": " << run.err;
      EXPECT_NE(run.err.find(says), std::string::npos) << run.err;
    }
  }
}

TEST_F(QueryRangeTest, ReplayRangesPastTheClockAreClampedNotWrapped) {
  auto after = Newswire({"replay", "--from", "2300-01-01T00:00:00Z"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "") << "a replay from 2300 has nothing yet, not the whole wire";

  auto everything =
      Newswire({"replay", "--from", "1600-01-01T00:00:00Z", "--to", "9999-12-31T23:59:59Z"});
  ASSERT_EQ(everything.exit_code, 0) << everything.err;
  auto lines = Lines(everything.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["wire_seq"], 1);
  EXPECT_EQ(lines[1]["wire_seq"], 2);

  auto before =
      Newswire({"replay", "--from", "0001-01-01T00:00:00Z", "--to", "1600-01-01T00:00:00Z"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(before.out, "");
}

TEST_F(QueryRangeTest, TailSince2300StartsWithNothingNotTheWholeWire) {
  testing::Process tail({testing::NewswirePath(), "tail", "--hub", daemon_->hub(), "--json",
                         "--since", "2300-01-01T00:00:00Z", "--count", "1"});
  ASSERT_TRUE(tail.WaitForStderr("following", 10s)) << tail.AllStderr();
  auto story = testing::ReadFile(Example(1));
  story.replace(story.find(kId), std::string(kId).size(), "next-story");
  auto publish =
      testing::Run({testing::NewswirePath(), "publish", "--hub", daemon_->hub(), "-"}, story);
  ASSERT_EQ(publish.exit_code, 0) << publish.err;
  auto line = tail.ReadStdoutLine(10s);
  ASSERT_TRUE(line) << tail.AllStderr();
  EXPECT_EQ(json::parse(*line)["wire_seq"], 3) << "history from 2300 is empty";
  EXPECT_EQ(tail.Wait(10s), 0);

  auto from_1600 = Newswire({"tail", "--since", "1600-01-01T00:00:00Z", "--count", "3"});
  ASSERT_EQ(from_1600.exit_code, 0) << from_1600.err;
  auto lines = Lines(from_1600.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["wire_seq"], 1);
}

TEST_F(QueryRangeTest, TheCliSaysAnEmbargoOf9999IsHeldUntilFurtherNotice) {
  auto story = testing::ReadFile(Example(1));
  story.replace(story.find(kId), std::string(kId).size(), "held-story");
  story.replace(story.rfind('}'), 1, R"(, "embargoed": "9999-12-31T23:59:59Z"})");
  auto held =
      testing::Run({testing::NewswirePath(), "publish", "--hub", daemon_->hub(), "-"}, story);
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_EQ(held.out.rfind("held held-story under embargo until 9999-12-31T23:59:59Z (until "
                           "further notice)",
                           0),
            0u)
      << held.out;
  auto get = Newswire({"get", "held-story"});
  EXPECT_EQ(get.exit_code, 1) << "a held story is not out";
}

TEST_F(QueryRangeTest, ClientLibrariesRefuseTimestampsOutsideTheYears1To9999) {
  google::protobuf::Timestamp year_10000;
  year_10000.set_seconds(core::kMaxTimestampSeconds + 1);
  google::protobuf::Timestamp negative_nanos;
  negative_nanos.set_nanos(-1);

  ASSERT_OK_AND_ASSIGN(auto query, subscriber::QueryClient::Connect(daemon_->hub(), 5s));
  auto as_of = query->GetArticleAsOf(kId, year_10000);
  ASSERT_FALSE(as_of);
  EXPECT_EQ(as_of.error().code, v1::ERROR_CODE_MALFORMED);
  EXPECT_NE(as_of.error().message.find("as_of"), std::string::npos);

  subscriber::SubscriberOptions options;
  options.hub = daemon_->hub();
  options.since_time = negative_nanos;
  auto subscriber = subscriber::Subscriber::Connect(options);
  ASSERT_FALSE(subscriber);
  EXPECT_EQ(subscriber.error().code, v1::ERROR_CODE_MALFORMED);

  subscriber::ReplayOptions replay;
  replay.hub = daemon_->hub();
  replay.to = year_10000;
  auto replayer = subscriber::Replayer::Open(replay);
  ASSERT_FALSE(replayer);
  EXPECT_EQ(replayer.error().code, v1::ERROR_CODE_MALFORMED);

  // Past 2300 (inside the years 1..9999) the library finds no history.
  options.since_time = Time("2300-01-01T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(auto late, subscriber::Subscriber::Connect(options));
  ASSERT_OK_AND_ASSIGN(auto nothing, late->Next(300ms));
  EXPECT_FALSE(nothing.has_value() && std::holds_alternative<subscriber::Delivery>(*nothing));
}

TEST_F(QueryRangeTest, TheDaemonRefusesQueryTimesOutsideTheYears1To9999) {
  auto hub = core::ParseHub(daemon_->hub());
  ASSERT_TRUE(hub);
  zmq::context_t context;
  zmq::socket_t raw(context, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::rcvtimeo, 10000);
  raw.connect(hub->query);
  auto ask = [&](const v1::QueryRequest& request) {
    raw.send(zmq::buffer(request.SerializeAsString()), zmq::send_flags::none);
    zmq::message_t frame;
    v1::QueryReply reply;
    EXPECT_TRUE(raw.recv(frame));
    EXPECT_TRUE(reply.ParseFromArray(frame.data(), static_cast<int>(frame.size())));
    EXPECT_EQ(reply.request_id(), request.request_id());
    return reply;
  };
  v1::QueryRequest get;
  get.set_request_id(1);
  get.mutable_get()->set_article_id(kId);
  get.mutable_get()->mutable_as_of()->set_seconds(core::kMaxTimestampSeconds + 1);
  auto reply = ask(get);
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_NE(reply.error().message().find("as_of is out of range"), std::string::npos);

  v1::QueryRequest read;
  read.set_request_id(2);
  read.mutable_read_log()->mutable_from_time()->set_seconds(INT64_MIN);
  reply = ask(read);
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_NE(reply.error().message().find("from_time is out of range"), std::string::npos);

  // In range but past the clock: clamped, so nothing rather than everything.
  read.set_request_id(3);
  *read.mutable_read_log()->mutable_from_time() = Time("2300-01-01T00:00:00Z");
  reply = ask(read);
  ASSERT_TRUE(reply.has_log()) << reply.error().message();
  EXPECT_EQ(reply.log().records_size(), 0);
  EXPECT_EQ(reply.log().last_seq(), 2u);
}

}  // namespace
}  // namespace newswire
