// The wire end to end: the real newswired binary, driven by the real
// publisher and subscriber libraries over loopback.
#include <gtest/gtest.h>

#include <zmq.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/article.h"
#include "newswire/core/hub.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::ExampleStory;
using testing::MakeArticle;

constexpr auto kWait = 10s;  // Generous deadline for anything that should be quick.

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(dir_.path() + "/store"); }

  std::unique_ptr<publisher::Publisher> NewPublisher(const std::string& hub = "") {
    publisher::PublisherOptions options;
    options.hub = hub.empty() ? daemon_->hub() : hub;
    options.publisher_id = "wire-test";
    return testing::Unwrap(publisher::Publisher::Connect(options), "connecting a publisher");
  }

  std::unique_ptr<subscriber::Subscriber> NewSubscriber(
      subscriber::SubscriberOptions options = {}) {
    options.hub = daemon_->hub();
    return testing::Unwrap(subscriber::Subscriber::Connect(options), "subscribing");
  }

  std::unique_ptr<subscriber::QueryClient> NewQuery() {
    return testing::Unwrap(subscriber::QueryClient::Connect(daemon_->hub(), 5s), "query client");
  }

  static subscriber::Delivery NextRevision(subscriber::Subscriber& subscriber) {
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto notice = subscriber.Next(500ms);
      EXPECT_TRUE(notice) << notice.error().ToString();
      if (!notice) break;
      if (notice->has_value()) {
        auto* gap = std::get_if<subscriber::Gap>(&**notice);
        EXPECT_EQ(gap, nullptr) << "unexpected gap on " << gap->channel;
        if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) return *delivery;
      }
    }
    ADD_FAILURE() << "no revision within the deadline";
    return {};
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(WireTest, VersionOneArrivesWholeAndVersionTwoAsAVerifiedDeltaRebuiltByteExact) {
  auto subscriber = NewSubscriber();
  auto publisher = NewPublisher();
  auto ack1 = publisher->Publish(ExampleStory(1));
  ASSERT_TRUE(ack1) << ack1.error().ToString();
  auto ack2 = publisher->Publish(ExampleStory(2), {.base_version = 1});
  ASSERT_TRUE(ack2) << ack2.error().ToString();
  EXPECT_EQ(ack2->version(), 2u);
  EXPECT_EQ(ack2->wire_seq(), 2u);

  auto first = NextRevision(*subscriber);
  EXPECT_TRUE(first.event.has_delta()) << "version 1, compressed whole";
  EXPECT_TRUE(first.event.base_hash().empty());
  EXPECT_TRUE(first.verified);
  EXPECT_EQ(first.event.version(), 1u);

  auto second = NextRevision(*subscriber);
  ASSERT_TRUE(second.event.has_delta()) << "the smallest encoding of this revision";
  EXPECT_TRUE(second.verified) << second.problem;
  EXPECT_FALSE(second.repaired);
  EXPECT_LT(second.event_bytes, second.event.full_bytes());
  EXPECT_EQ(second.event.content_hash(), ack2->content_hash());

  auto stored = NewQuery()->GetArticle(ack2->article_id(), 2);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(core::CanonicalBytes(second.article()), core::CanonicalBytes(stored->article()));

  // The subscriber knows how late it is: caught up, and a small live lag.
  EXPECT_GE(second.lag.count(), 0);
  EXPECT_LT(second.lag, std::chrono::seconds(10));
  EXPECT_EQ(subscriber->lag().sequences_behind, 0u);
}

// `--payload diff`: never a zstd delta, for subscribers that read the edit
// operations themselves.
TEST_F(WireTest, PayloadDiffSendsStructuredDiffsAndVersionOneInFull) {
  testing::TempDir dir;
  Daemon daemon(dir.path() + "/store", {"--payload", "diff"});
  subscriber::SubscriberOptions options;
  options.hub = daemon.hub();
  auto subscriber = subscriber::Subscriber::Connect(options);
  ASSERT_TRUE(subscriber) << subscriber.error().ToString();
  auto publisher = NewPublisher(daemon.hub());
  ASSERT_TRUE(publisher->Publish(ExampleStory(1)));
  auto ack2 = publisher->Publish(ExampleStory(2));
  ASSERT_TRUE(ack2);
  auto first = NextRevision(**subscriber);
  EXPECT_TRUE(first.event.has_full());
  auto second = NextRevision(**subscriber);
  ASSERT_TRUE(second.event.has_diff());
  EXPECT_TRUE(second.verified) << second.problem;
  EXPECT_EQ(core::ContentHash(second.article()), ack2->content_hash());
}

TEST_F(WireTest, AckedRevisionSurvivesKill9AndSequencesContinue) {
  auto publisher = NewPublisher();
  auto ack = publisher->Publish(ExampleStory(1));
  ASSERT_TRUE(ack);
  daemon_->Kill9();
  daemon_ = std::make_unique<Daemon>(dir_.path() + "/store");

  auto stored = NewQuery()->GetArticle(ack->article_id(), 1);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(stored->content_hash(), ack->content_hash());
  EXPECT_EQ(core::ContentHash(stored->article()), ack->content_hash());

  auto next = NewPublisher()->Publish(ExampleStory(2), {.base_version = 1});
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->version(), 2u);
  EXPECT_EQ(next->wire_seq(), ack->wire_seq() + 1);
}

TEST_F(WireTest, MalformedFramesGetTypedErrorsAndTheDaemonKeepsServing) {
  auto hub = core::ParseHub(daemon_->hub());
  ASSERT_TRUE(hub);
  zmq::context_t context;
  zmq::socket_t raw(context, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::rcvtimeo, 10000);
  raw.connect(hub->ingest);

  auto expect_malformed = [&](const char* what) {
    zmq::message_t reply_frame;
    ASSERT_TRUE(raw.recv(reply_frame)) << what << ": no reply";
    v1::PublishReply reply;
    ASSERT_TRUE(reply.ParseFromArray(reply_frame.data(), static_cast<int>(reply_frame.size())));
    ASSERT_TRUE(reply.has_error()) << what;
    EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_MALFORMED) << what;
  };
  raw.send(zmq::str_buffer("\xff\xff\xff not a protobuf"), zmq::send_flags::none);
  expect_malformed("garbage bytes");
  raw.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  raw.send(zmq::str_buffer("b"), zmq::send_flags::sndmore);
  raw.send(zmq::str_buffer("c"), zmq::send_flags::none);
  expect_malformed("three frames");
  {
    // A well-framed request whose article holds invalid UTF-8.
    v1::PublishRequest request;
    request.set_request_id(77);
    *request.mutable_article() = ExampleStory(1);
    request.mutable_article()->set_headline("AAAA");
    std::string bytes = request.SerializeAsString();
    bytes.replace(bytes.find("AAAA"), 4, "\xff\xfe\xfd\xfc");
    raw.send(zmq::buffer(bytes), zmq::send_flags::none);
    expect_malformed("invalid UTF-8 in the article");
  }

  zmq::socket_t raw_query(context, zmq::socket_type::dealer);
  raw_query.set(zmq::sockopt::linger, 0);
  raw_query.set(zmq::sockopt::rcvtimeo, 10000);
  raw_query.connect(hub->query);
  raw_query.send(zmq::str_buffer("\x08\x01\x12\xff"), zmq::send_flags::none);
  zmq::message_t query_frame;
  ASSERT_TRUE(raw_query.recv(query_frame));
  v1::QueryReply query_reply;
  ASSERT_TRUE(query_reply.ParseFromArray(query_frame.data(), static_cast<int>(query_frame.size())));
  EXPECT_EQ(query_reply.error().code(), v1::ERROR_CODE_MALFORMED);

  auto ack = NewPublisher()->Publish(ExampleStory(1));
  ASSERT_TRUE(ack) << "daemon stopped serving: " << ack.error().ToString();
  EXPECT_EQ(ack->wire_seq(), 1u) << "malformed input must not consume a sequence";
}

TEST_F(WireTest, InvalidArticleGetsATypedErrorAndChangesNothing) {
  auto publisher = NewPublisher();
  auto article = MakeArticle("no-headline", "");
  auto result = publisher->Publish(article);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_INVALID_ARTICLE);
  EXPECT_NE(result.error().message.find("headline"), std::string::npos);
  auto history = NewQuery()->GetHistory("no-headline");
  ASSERT_FALSE(history);
  EXPECT_EQ(history.error().code, v1::ERROR_CODE_NOT_FOUND);
}

TEST_F(WireTest, UnknownArticleOnGetIsNotFound) {
  auto reply = NewQuery()->GetArticle("never-published", 0);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, v1::ERROR_CODE_NOT_FOUND);
}

TEST_F(WireTest, StaleBaseVersionIsAConflictCarryingTheHead) {
  auto publisher = NewPublisher();
  ASSERT_TRUE(publisher->Publish(ExampleStory(1)));
  ASSERT_TRUE(publisher->Publish(ExampleStory(2), {.base_version = 1}));
  auto stale = publisher->Publish(ExampleStory(2), {.base_version = 1});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, v1::ERROR_CODE_VERSION_CONFLICT);
  EXPECT_EQ(stale.error().current_version, 2u);
}

TEST_F(WireTest, RetryWithTheSameKeyNeverMakesASecondRevision) {
  auto publisher = NewPublisher();
  auto first = publisher->Publish(ExampleStory(1), {.publisher_key = "desk-42"});
  auto retry = publisher->Publish(ExampleStory(1), {.publisher_key = "desk-42"});
  ASSERT_TRUE(first && retry);
  EXPECT_TRUE(retry->duplicate());
  EXPECT_EQ(retry->wire_seq(), first->wire_seq());
  auto history = NewQuery()->GetHistory(first->article_id());
  ASSERT_TRUE(history);
  EXPECT_EQ(history->entries_size(), 1);
}

TEST_F(WireTest, SubscriberWithoutTheBaseRepairsFromTheQueryService) {
  auto publisher = NewPublisher();
  ASSERT_TRUE(publisher->Publish(ExampleStory(1)));
  auto subscriber = NewSubscriber();  // Joins after version 1.
  auto ack2 = publisher->Publish(ExampleStory(2));
  ASSERT_TRUE(ack2);
  auto delivery = NextRevision(*subscriber);
  EXPECT_FALSE(delivery.event.has_full());
  EXPECT_TRUE(delivery.repaired);
  EXPECT_TRUE(delivery.verified) << delivery.problem;
  EXPECT_EQ(core::ContentHash(delivery.article()), ack2->content_hash());
}

TEST_F(WireTest, InstrumentChannelDoesNotPrefixMatch) {
  subscriber::SubscriberOptions options;
  options.channels.instruments = {"XNAS:NVDA"};
  auto subscriber = NewSubscriber(options);
  auto publisher = NewPublisher();
  auto nvdax = MakeArticle("nvdax-story", "NVDAX story");
  nvdax.mutable_instruments(0)->set_symbol("NVDAX");
  nvdax.mutable_instruments(0)->set_exchange("XNAS");
  auto nvda = MakeArticle("nvda-story", "NVDA story");
  nvda.mutable_instruments(0)->set_symbol("NVDA");
  nvda.mutable_instruments(0)->set_exchange("XNAS");
  ASSERT_TRUE(publisher->Publish(nvdax));
  ASSERT_TRUE(publisher->Publish(nvda));
  auto delivery = NextRevision(*subscriber);
  EXPECT_EQ(delivery.event.article_id(), "nvda-story");
  EXPECT_EQ(delivery.channel_seq, 1u);
}

TEST_F(WireTest, RevisionOnSeveralFollowedChannelsIsDeliveredOnce) {
  subscriber::SubscriberOptions options;
  options.channels.feeds = {"test-feed"};
  options.channels.topics = {"markets"};
  auto subscriber = NewSubscriber(options);
  auto publisher = NewPublisher();
  ASSERT_TRUE(publisher->Publish(MakeArticle("a", "first")));
  ASSERT_TRUE(publisher->Publish(MakeArticle("b", "second")));
  EXPECT_EQ(NextRevision(*subscriber).event.article_id(), "a");
  EXPECT_EQ(NextRevision(*subscriber).event.article_id(), "b");
  auto more = subscriber->Next(300ms);
  ASSERT_TRUE(more);
  EXPECT_FALSE(more->has_value() && std::holds_alternative<subscriber::Delivery>(**more))
      << "a copy was delivered twice";
}

TEST_F(WireTest, RefusesToStartWhenTheStoreIsLocked) {
  auto second = testing::Run({testing::NewswiredPath(), "--listen", "tcp://127.0.0.1:0",
                              "--data-dir", daemon_->data_dir()});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("in use by another process"), std::string::npos) << second.err;
}

TEST_F(WireTest, RefusesToStartWhenThePortsAreTaken) {
  auto second = testing::Run(
      {testing::NewswiredPath(), "--listen", daemon_->hub(), "--data-dir", dir_.path() + "/other"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("cannot listen on"), std::string::npos) << second.err;
}

TEST_F(WireTest, UnreachableDaemonIsUnavailableAfterTheTimeout) {
  testing::SilentHub down;
  publisher::PublisherOptions options;
  options.hub = down.hub();
  options.attempt_timeout = 200ms;
  options.attempts = 2;
  auto publisher = publisher::Publisher::Connect(options);
  ASSERT_TRUE(publisher);
  auto result = (*publisher)->Publish(ExampleStory(1));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_UNAVAILABLE);
}

TEST_F(WireTest, SigtermShutsDownCleanly) { EXPECT_EQ(daemon_->Stop(), 0); }

}  // namespace
}  // namespace newswire
