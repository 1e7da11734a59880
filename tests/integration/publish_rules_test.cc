// The rules of a publish that users rely on (README "Embargoes",
// "Idempotency", "Unchanged re-sends"), against a real daemon whose clock
// the test moves: the latest publish of a story is the truth, a key names
// one request, and a re-send of the current text changes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "process.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::MakeArticle;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kStart = 1'795'590'300LL * kSecond;  // 2026-11-25T06:05:00Z

class PublishRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::InProcessDaemon>(dir_.path() + "/store", clock_);
    subscriber::SubscriberOptions options;
    options.hub = daemon_->hub();
    auto subscriber = subscriber::Subscriber::Connect(options);
    ASSERT_TRUE(subscriber) << subscriber.error().ToString();
    subscriber_ = std::move(*subscriber);
    publisher::PublisherOptions publisher_options;
    publisher_options.hub = daemon_->hub();
    auto publisher = publisher::Publisher::Connect(publisher_options);
    ASSERT_TRUE(publisher);
    publisher_ = std::move(*publisher);
    auto query = subscriber::QueryClient::Connect(daemon_->hub(), 5s);
    ASSERT_TRUE(query);
    query_ = std::move(*query);
  }

  // A story, held until `offset_ns` after the start when that is set.
  static v1::Article Story(const std::string& headline, std::optional<int64_t> offset_ns = {}) {
    auto article = MakeArticle("story", headline);
    if (offset_ns) article.mutable_embargoed()->set_seconds((kStart + *offset_ns) / kSecond);
    return article;
  }
  static v1::Article Kill(const std::string& headline) {
    auto article = Story(headline);
    article.set_pubstatus(v1::PUB_STATUS_CANCELED);
    return article;
  }

  Result<v1::PublishAck> Publish(const v1::Article& article, const std::string& key = "") {
    return publisher_->Publish(article, {.publisher_key = key});
  }

  // Every revision that went out since the last call. Two marker publishes
  // bound it: anything the daemon releases by the clock as it is now comes
  // out in the round after the first marker, so before the second.
  std::vector<subscriber::Delivery> WentOut() {
    std::vector<subscriber::Delivery> out;
    for (int marker = 0; marker < 2; ++marker) {
      auto ack = publisher_->Publish(MakeArticle(testing::Numbered("marker-", ++markers_), "m"));
      EXPECT_TRUE(ack) << ack.error().ToString();
      const uint64_t marker_seq = ack ? ack->wire_seq() : 0;
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline) {
        auto notice = subscriber_->Next(100ms);
        if (!notice || !*notice) continue;
        auto* revision = std::get_if<subscriber::Delivery>(&**notice);
        if (!revision) continue;
        auto& delivery = *revision;
        const uint64_t seq = delivery.event.wire_seq();
        if (delivery.event.article_id().rfind("marker-", 0) != 0) out.push_back(delivery);
        if (seq == marker_seq) break;
      }
    }
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{kStart};
  std::unique_ptr<testing::InProcessDaemon> daemon_;
  std::unique_ptr<subscriber::Subscriber> subscriber_;
  std::unique_ptr<publisher::Publisher> publisher_;
  std::unique_ptr<subscriber::QueryClient> query_;
  int markers_ = 0;
};

TEST_F(PublishRulesTest, AHeldAckSaysUntilWhenAndHasNoVersion) {
  ASSERT_OK_AND_ASSIGN(auto ack, Publish(Story("results", kHour)));
  EXPECT_EQ(ack.embargoed_until().seconds(), (kStart + kHour) / kSecond);
  EXPECT_EQ(ack.version(), 0u);
  EXPECT_EQ(ack.wire_seq(), 0u);
  EXPECT_TRUE(WentOut().empty());
  clock_.Set(kStart + 2 * kHour);
  auto out = WentOut();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].article().headline(), "results");
}

TEST_F(PublishRulesTest, AKillOfAStoryThatNeverWentOutWithdrawsItsHeldText) {
  ASSERT_OK(Publish(Story("secret results", kHour)));
  ASSERT_OK_AND_ASSIGN(auto ack, Publish(Kill("kill")));
  EXPECT_TRUE(ack.withdrawn());
  EXPECT_EQ(ack.version(), 0u);
  clock_.Set(kStart + 2 * kHour);
  EXPECT_TRUE(WentOut().empty()) << "neither the held text nor the kill goes out";
  EXPECT_EQ(query_->GetArticle("story", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
}

TEST_F(PublishRulesTest, AReEmbargoMovesTheRelease) {
  ASSERT_OK(Publish(Story("first draft", kHour)));
  ASSERT_OK(Publish(Story("second draft", 3 * kHour)));
  clock_.Set(kStart + 2 * kHour);
  EXPECT_TRUE(WentOut().empty()) << "the first embargo time no longer releases anything";
  clock_.Set(kStart + 4 * kHour);
  auto out = WentOut();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].article().headline(), "second draft");
  EXPECT_EQ(out[0].event.version(), 1u);
}

TEST_F(PublishRulesTest, LiftingAnEmbargoEarlyIsNeverOverwrittenByTheHeldDraft) {
  ASSERT_OK(Publish(Story("held draft", kHour)));
  ASSERT_OK_AND_ASSIGN(auto now, Publish(Story("lifted early")));
  EXPECT_EQ(now.version(), 1u);
  clock_.Set(kStart + 2 * kHour);
  auto out = WentOut();
  ASSERT_EQ(out.size(), 1u) << "only the early publish went out";
  EXPECT_EQ(out[0].article().headline(), "lifted early");
  ASSERT_OK_AND_ASSIGN(auto head, query_->GetArticle("story", 0));
  EXPECT_EQ(head.article().version(), 1u);
  EXPECT_EQ(head.article().headline(), "lifted early");
}

TEST_F(PublishRulesTest, ACorrectionSupersedesAHeldUpdateOfALiveStory) {
  ASSERT_OK(Publish(Story("first")));
  ASSERT_OK(Publish(Story("update for later", kHour)));
  ASSERT_OK_AND_ASSIGN(auto correction, Publish(Story("corrected now")));
  EXPECT_EQ(correction.version(), 2u);
  clock_.Set(kStart + 2 * kHour);
  auto out = WentOut();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].article().headline(), "corrected now");
  ASSERT_OK_AND_ASSIGN(auto head, query_->GetArticle("story", 0));
  EXPECT_EQ(head.article().version(), 2u) << "the held update never came out";
}

TEST_F(PublishRulesTest, AKillOfALiveStoryGoesOutAndDropsItsHeldUpdate) {
  ASSERT_OK(Publish(Story("first")));
  ASSERT_OK(Publish(Story("update for later", kHour)));
  ASSERT_OK_AND_ASSIGN(auto kill, Publish(Kill("withdrawn: do not use")));
  EXPECT_EQ(kill.version(), 2u);
  EXPECT_FALSE(kill.withdrawn());
  clock_.Set(kStart + 2 * kHour);
  auto out = WentOut();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[1].killed());
  ASSERT_OK_AND_ASSIGN(auto head, query_->GetArticle("story", 0));
  EXPECT_EQ(head.article().pubstatus(), v1::PUB_STATUS_CANCELED) << "the killed story stays dead";
}

TEST_F(PublishRulesTest, AKeyReusedForAnotherRequestIsRefusedAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(auto first, Publish(Story("one"), "key-1"));
  auto reused = Publish(Story("two"), "key-1");
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, v1::ERROR_CODE_IDEMPOTENCY_KEY_REUSED);
  auto invalid = Story("");  // No headline: invalid, and still not "acked".
  auto refused = Publish(invalid, "key-1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_IDEMPOTENCY_KEY_REUSED);
  ASSERT_OK_AND_ASSIGN(auto retry, Publish(Story("one"), "key-1"));
  EXPECT_TRUE(retry.duplicate());
  EXPECT_EQ(retry.wire_seq(), first.wire_seq());
  ASSERT_OK_AND_ASSIGN(auto head, query_->GetArticle("story", 0));
  EXPECT_EQ(head.article().headline(), "one");
}

TEST_F(PublishRulesTest, AReSendOfTheCurrentVersionIsAnAcknowledgedNoOp) {
  ASSERT_OK_AND_ASSIGN(auto first, Publish(Story("one"), "k1"));
  EXPECT_EQ(WentOut().size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto again, Publish(Story("one"), "k2"));
  EXPECT_TRUE(again.unchanged());
  EXPECT_FALSE(again.duplicate());
  EXPECT_EQ(again.version(), 1u);
  EXPECT_EQ(again.wire_seq(), first.wire_seq());
  EXPECT_EQ(again.content_hash(), first.content_hash());
  EXPECT_TRUE(WentOut().empty()) << "nothing is sent for a no-op";
  ASSERT_OK_AND_ASSIGN(auto next, Publish(Story("two"), "k3"));
  EXPECT_EQ(next.version(), 2u) << "versions stay contiguous";
  // A retry of the no-op after the story moved on is still that no-op, not
  // a revert to its text.
  ASSERT_OK_AND_ASSIGN(auto retry, Publish(Story("one"), "k2"));
  EXPECT_TRUE(retry.duplicate());
  EXPECT_EQ(retry.version(), 1u);
  ASSERT_OK_AND_ASSIGN(auto head, query_->GetArticle("story", 0));
  EXPECT_EQ(head.article().headline(), "two");
}

// The CLI says what became of each publish, in words and in JSON.
TEST(PublishRulesCliTest, HeldAndUnchangedAcksAreNamedAsSuch) {
  testing::TempDir dir;
  testing::Daemon daemon(dir.path() + "/store");
  auto story = MakeArticle("cli-story", "for later");
  story.mutable_embargoed()->set_seconds(4102444800);  // 2100-01-01T00:00:00Z
  const std::string path = dir.path() + "/story.json";
  testing::WriteArticleJson(path, story);
  auto held = testing::Run({testing::NewswirePath(), "publish", "--hub", daemon.hub(), path});
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_NE(held.out.find("held cli-story under embargo until 2100-01-01T00:00:00Z"),
            std::string::npos)
      << held.out;
  auto json =
      testing::Run({testing::NewswirePath(), "publish", "--hub", daemon.hub(), "--json", path});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto line = nlohmann::json::parse(json.out);
  EXPECT_EQ(line["status"], "held");
  EXPECT_EQ(line["embargoed_until"], "2100-01-01T00:00:00Z");
  EXPECT_FALSE(line.contains("version")) << "a held publish has no version yet";

  story.clear_embargoed();
  testing::WriteArticleJson(path, story);
  ASSERT_EQ(
      testing::Run({testing::NewswirePath(), "publish", "--hub", daemon.hub(), path}).exit_code, 0);
  auto again = testing::Run({testing::NewswirePath(), "publish", "--hub", daemon.hub(), path});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged cli-story v1"), std::string::npos) << again.out;

  auto reused = testing::Run(
      {testing::NewswirePath(), "publish", "--hub", daemon.hub(), "--idempotency-key", "k", path});
  ASSERT_EQ(reused.exit_code, 0) << reused.err;
  story.set_headline("another text");
  testing::WriteArticleJson(path, story);
  reused = testing::Run(
      {testing::NewswirePath(), "publish", "--hub", daemon.hub(), "--idempotency-key", "k", path});
  EXPECT_EQ(reused.exit_code, 1);
  EXPECT_NE(reused.err.find("idempotency key reused"), std::string::npos) << reused.err;
}

}  // namespace
}  // namespace newswire
