// Replay rebuilt on several threads (ReplayOptions::rebuild_threads): the
// same revisions, rebuilt and verified, in the same wire order as on the
// caller's thread alone; repairs still made in order; a replay dropped
// half-way or cut off by a dead daemon ends cleanly. A real newswired.
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <tuple>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/article.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/replayer.h"
#include "process.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::MakeArticle;
using testing::Numbered;

constexpr int kArticles = 37;  // Prime: no thread count divides it.
constexpr int kVersions = 6;

// What a replayed revision amounts to for the application.
struct Replayed {
  uint64_t wire_seq = 0;
  std::string article_id;
  uint32_t version = 0;
  bool verified = false;
  std::string canonical;
  std::string previous;  // The base it was applied to, when held.

  bool operator==(const Replayed&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Replayed& r) {
  return out << "#" << r.wire_seq << " " << r.article_id << " v" << r.version
             << (r.verified ? " verified" : " unverified");
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::Daemon>(dir_.path() + "/store");
    publisher::PublisherOptions options;
    options.hub = daemon_->hub();
    ASSERT_OK_AND_ASSIGN(auto publisher, publisher::Publisher::Connect(options));
    // Versions interleaved across articles, so every thread has several
    // stories on the go and each story's deltas chain through versions.
    for (int v = 1; v <= kVersions; ++v) {
      for (int a = 0; a < kArticles; ++a) {
        const auto article = MakeArticle(Numbered("story-", a), Numbered("take ", v), 2 + v % 3);
        ASSERT_OK_AND_ASSIGN(auto ack, publisher->Publish(article, {}));
        acks_.push_back(ack);
      }
    }
  }

  subscriber::ReplayOptions Options(std::size_t threads) const {
    subscriber::ReplayOptions options;
    options.hub = daemon_->hub();
    options.from = acks_.front().wire_time();
    options.rebuild_threads = threads;
    options.page_size = 16;  // Many pages, so the window turns over often.
    return options;
  }

  // Every revision the replay hands out, to its end.
  static std::vector<Replayed> ReplayAll(const subscriber::ReplayOptions& options,
                                         int* repaired = nullptr) {
    auto replayer = testing::Unwrap(subscriber::Replayer::Open(options), "replay");
    std::vector<Replayed> all;
    while (true) {
      auto next = testing::Unwrap(replayer->Next(), "next");
      if (!next) break;
      if (repaired) *repaired += next->repaired;
      all.push_back({next->event.wire_seq(), next->event.article_id(), next->event.version(),
                     next->verified, next->rebuilt->canonical(),
                     next->previous ? next->previous->canonical() : ""});
    }
    return all;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Daemon> daemon_;
  std::vector<v1::PublishAck> acks_;
};

TEST_F(ReplayTest, FourRebuildThreadsDeliverWhatOneDoesInWireOrder) {
  const auto one = ReplayAll(Options(1));
  ASSERT_EQ(one.size(), acks_.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one[i].wire_seq, acks_[i].wire_seq());
    EXPECT_TRUE(one[i].verified) << one[i];
    EXPECT_EQ(core::Sha256(one[i].canonical), acks_[i].content_hash()) << one[i];
    EXPECT_EQ(one[i].previous.empty(), one[i].version == 1) << one[i] << ": its base was held";
  }
  for (std::size_t threads : {2, 4}) {
    int repaired = 0;
    EXPECT_EQ(ReplayAll(Options(threads), &repaired), one) << threads << " threads";
    EXPECT_EQ(repaired, 0) << "every base was held by the thread that rebuilt its story";
  }
}

TEST_F(ReplayTest, RebuildThreadsStopAtTheEndOfTheRange) {
  const auto& last = acks_[acks_.size() / 2];
  auto options = Options(4);
  options.to = last.wire_time();
  const auto replayed = ReplayAll(options);
  ASSERT_FALSE(replayed.empty());
  EXPECT_EQ(replayed.back().wire_seq, last.wire_seq());
  EXPECT_EQ(replayed.size(), acks_.size() / 2 + 1);
}

TEST_F(ReplayTest, RepairsOnRebuildThreadsAreFetchedInOrderAndVerify) {
  // One held article per thread: a story's next version finds its base
  // evicted by the stories between, so it is fetched in full.
  auto options = Options(4);
  options.max_held_articles = 1;
  int repaired = 0;
  const auto replayed = ReplayAll(options, &repaired);
  const auto reference = ReplayAll(Options(1));
  ASSERT_EQ(replayed.size(), reference.size());
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(replayed[i].wire_seq, reference[i].wire_seq);
    EXPECT_TRUE(replayed[i].verified) << replayed[i];
    EXPECT_EQ(replayed[i].canonical, reference[i].canonical) << replayed[i];
  }
  EXPECT_GT(repaired, kArticles * (kVersions - 2)) << "most later versions lost their base";
}

// Destroys `replayer` on another thread; false if that does not end in time.
bool DestroyedWithin(std::unique_ptr<subscriber::Replayer> replayer,
                     std::chrono::milliseconds deadline) {
  std::promise<void> done;
  auto destroyed = done.get_future();
  std::thread([replayer = std::move(replayer), done = std::move(done)]() mutable {
    replayer.reset();
    done.set_value();
  }).detach();
  return destroyed.wait_for(deadline) == std::future_status::ready;
}

TEST_F(ReplayTest, AReplayDroppedHalfWayJoinsItsThreads) {
  for (std::size_t held : {std::size_t{100000}, std::size_t{1}}) {  // Rebuilding, or fetching.
    auto options = Options(4);
    options.max_held_articles = held;
    ASSERT_OK_AND_ASSIGN(auto replayer, subscriber::Replayer::Open(options));
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK_AND_ASSIGN(auto next, replayer->Next());
      ASSERT_TRUE(next);
      EXPECT_EQ(next->event.wire_seq(), acks_[i].wire_seq());
    }
    EXPECT_TRUE(DestroyedWithin(std::move(replayer), 10s)) << "held " << held;
  }
}

TEST_F(ReplayTest, ADaemonLostMidReplayEndsInAnErrorAfterWhatWasRead) {
  auto options = Options(4);
  options.query_timeout = 500ms;
  ASSERT_OK_AND_ASSIGN(auto replayer, subscriber::Replayer::Open(options));
  ASSERT_OK_AND_ASSIGN(auto first, replayer->Next());
  ASSERT_TRUE(first);
  daemon_->Kill9();
  uint64_t expected = first->event.wire_seq() + 1;
  std::optional<Error> error;
  for (std::size_t i = 0; i < acks_.size() && !error; ++i) {
    auto next = replayer->Next();
    if (!next) {
      error = next.error();
    } else {
      ASSERT_TRUE(*next) << "the replay ended as if complete";
      EXPECT_EQ((*next)->event.wire_seq(), expected++);
      EXPECT_TRUE((*next)->verified);
    }
  }
  ASSERT_TRUE(error) << "every revision replayed from a dead daemon";
  EXPECT_EQ(error->code, v1::ERROR_CODE_UNAVAILABLE) << error->ToString();
  EXPECT_LT(expected - 1, acks_.back().wire_seq());
}

}  // namespace
}  // namespace newswire
