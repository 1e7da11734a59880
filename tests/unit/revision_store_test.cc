#include "newswire/store/revision_store.h"

#include <gtest/gtest.h>

#include "articles.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/diff.h"
#include "process.h"

namespace newswire::store {
namespace {

using testing::ExampleStory;
using testing::MakeArticle;

constexpr int64_t kTime = 1'764'050'700'000'000'000;  // 2025-11-25T06:05:00Z

class RevisionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(Durability durability = Durability::kSync) {
    store_.reset();
    StoreOptions options;
    options.path = dir_.path() + "/store";
    options.durability = durability;
    options.max_article_bytes = 64 * 1024;
    auto store = RevisionStore::Open(options);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
  }

  Result<Committed> PublishOne(v1::Article article, uint32_t base_version = 0,
                               std::string key = "") {
    std::vector<PublishInput> inputs;
    inputs.push_back({"tester", std::move(key), base_version, std::move(article)});
    auto results = store_->Publish(std::move(inputs), kTime);
    return std::move(results.at(0));
  }

  static v1::RevisionEvent Event(const Committed& committed) {
    v1::RevisionEvent event;
    EXPECT_TRUE(event.ParseFromString(committed.event));
    return event;
  }

  testing::TempDir dir_;
  std::unique_ptr<RevisionStore> store_;
};

TEST_F(RevisionStoreTest, FirstPublishIsVersionOneAndCarriesTheFullArticle) {
  auto committed = PublishOne(ExampleStory(1));
  ASSERT_TRUE(committed) << committed.error().ToString();
  EXPECT_EQ(committed->ack.version(), 1u);
  EXPECT_EQ(committed->ack.wire_seq(), 1u);
  auto event = Event(*committed);
  ASSERT_TRUE(event.has_full());
  EXPECT_EQ(core::ContentHash(event.full()), committed->ack.content_hash());
  EXPECT_EQ(store_->LastWireSeq(), 1u);
}

TEST_F(RevisionStoreTest, SecondVersionIsADiffThatRebuildsItExactly) {
  auto v1 = PublishOne(ExampleStory(1));
  ASSERT_TRUE(v1);
  auto v2 = PublishOne(ExampleStory(2));
  ASSERT_TRUE(v2) << v2.error().ToString();
  auto event = Event(*v2);
  ASSERT_TRUE(event.has_diff());
  EXPECT_LT(v2->event.size(), event.full_bytes());
  EXPECT_EQ(event.base_hash(), v1->ack.content_hash());

  auto stored_v1 = store_->GetRevision("nw-20261125-kaito-minato", 1);
  ASSERT_TRUE(stored_v1);
  auto rebuilt = core::ApplyArticleDiff(stored_v1->article(), event.diff());
  ASSERT_TRUE(rebuilt) << rebuilt.error().ToString();
  EXPECT_EQ(core::ContentHash(*rebuilt), event.content_hash());
  auto stored_v2 = store_->GetRevision("nw-20261125-kaito-minato", 0);
  ASSERT_TRUE(stored_v2);
  EXPECT_EQ(core::CanonicalBytes(*rebuilt), core::CanonicalBytes(stored_v2->article()));
}

TEST_F(RevisionStoreTest, RejectsStaleBaseVersion) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "one")));
  ASSERT_TRUE(PublishOne(MakeArticle("a", "two"), 1));
  auto stale = PublishOne(MakeArticle("a", "three"), 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, v1::ERROR_CODE_VERSION_CONFLICT);
  EXPECT_EQ(stale.error().current_version, 2u);
  EXPECT_EQ(store_->LastWireSeq(), 2u);
  auto history = store_->GetHistory("a");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 2u);
}

TEST_F(RevisionStoreTest, BaseVersionOnANewArticleIsAConflict) {
  auto result = PublishOne(MakeArticle("new", "x"), 3);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_VERSION_CONFLICT);
  EXPECT_EQ(result.error().current_version, 0u);
}

TEST_F(RevisionStoreTest, RetryWithSameKeyReturnsOriginalAckAndWritesNothing) {
  auto first = PublishOne(MakeArticle("a", "one"), 0, "key-1");
  ASSERT_TRUE(first);
  auto retry = PublishOne(MakeArticle("a", "one"), 0, "key-1");
  ASSERT_TRUE(retry);
  EXPECT_TRUE(retry->ack.duplicate());
  EXPECT_EQ(retry->ack.version(), first->ack.version());
  EXPECT_EQ(retry->ack.wire_seq(), first->ack.wire_seq());
  EXPECT_TRUE(retry->event.empty()) << "a retry must not fan out again";
  EXPECT_EQ(store_->LastWireSeq(), 1u);
}

TEST_F(RevisionStoreTest, SameKeyTwiceInOneBatchMakesOneRevision) {
  std::vector<PublishInput> inputs;
  inputs.push_back({"tester", "k", 0, MakeArticle("a", "one")});
  inputs.push_back({"tester", "k", 0, MakeArticle("a", "one")});
  auto results = store_->Publish(std::move(inputs), kTime);
  ASSERT_TRUE(results[0] && results[1]);
  EXPECT_FALSE(results[0]->ack.duplicate());
  EXPECT_TRUE(results[1]->ack.duplicate());
  EXPECT_EQ(store_->LastWireSeq(), 1u);
}

TEST_F(RevisionStoreTest, BadInputInABatchDoesNotAffectTheOthers) {
  std::vector<PublishInput> inputs;
  inputs.push_back({"tester", "", 0, MakeArticle("a", "one")});
  inputs.push_back({"tester", "", 0, MakeArticle("b", "")});  // No headline.
  inputs.push_back({"tester", "", 0, MakeArticle("a", "two")});
  auto results = store_->Publish(std::move(inputs), kTime);
  ASSERT_TRUE(results[0]);
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, v1::ERROR_CODE_INVALID_ARTICLE);
  ASSERT_TRUE(results[2]);
  EXPECT_EQ(results[2]->ack.version(), 2u) << "later inputs build on earlier ones in the batch";
  EXPECT_EQ(results[2]->ack.wire_seq(), 2u);
  EXPECT_FALSE(store_->GetHead("b"));
}

TEST_F(RevisionStoreTest, RejectsOversizeArticleWithTooLarge) {
  auto article = MakeArticle("big", "big");
  article.add_body(std::string(70 * 1024, 'x'));
  auto result = PublishOne(article);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_TOO_LARGE);
  EXPECT_EQ(store_->LastWireSeq(), 0u);
}

TEST_F(RevisionStoreTest, FeedCannotChangeBetweenVersions) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "one")));
  auto moved = MakeArticle("a", "two");
  moved.set_feed("other-feed");
  auto result = PublishOne(moved);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_INVALID_ARTICLE);
}

TEST_F(RevisionStoreTest, ChannelSequencesAreContiguousPerChannel) {
  auto a = MakeArticle("a", "one");
  auto b = MakeArticle("b", "one");
  b.clear_instruments();  // b is not on the 9984 channel.
  auto first = PublishOne(a);
  auto second = PublishOne(b);
  auto third = PublishOne(MakeArticle("a", "two"));
  ASSERT_TRUE(first && second && third);
  const std::string instrument = core::InstrumentChannel("9984", "XTKS");
  auto seq_on = [&](const Committed& c, const std::string& channel) -> uint64_t {
    for (std::size_t i = 0; i < c.channels.size(); ++i) {
      if (c.channels[i] == channel) return c.channel_seqs[i];
    }
    return 0;
  };
  EXPECT_EQ(seq_on(*first, core::WireChannel()), 1u);
  EXPECT_EQ(seq_on(*second, core::WireChannel()), 2u);
  EXPECT_EQ(seq_on(*third, core::WireChannel()), 3u);
  EXPECT_EQ(seq_on(*first, instrument), 1u);
  EXPECT_EQ(seq_on(*second, instrument), 0u);
  EXPECT_EQ(seq_on(*third, instrument), 2u);
}

TEST_F(RevisionStoreTest, EverythingSurvivesReopenAndSequencesContinue) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "one"), 0, "k1"));
  ASSERT_TRUE(PublishOne(MakeArticle("a", "two")));
  Reopen();
  EXPECT_EQ(store_->LastWireSeq(), 2u);
  EXPECT_EQ(store_->LastChannelSeq(core::FeedChannel("test-feed")), 2u);
  auto retry = PublishOne(MakeArticle("a", "one"), 0, "k1");
  ASSERT_TRUE(retry);
  EXPECT_TRUE(retry->ack.duplicate());
  auto next = PublishOne(MakeArticle("a", "three"), 2);
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->ack.version(), 3u);
  EXPECT_EQ(next->ack.wire_seq(), 3u);
}

TEST_F(RevisionStoreTest, SecondOpenOfTheSameFolderFailsClearly) {
  StoreOptions options;
  options.path = dir_.path() + "/store";
  auto second = RevisionStore::Open(options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, v1::ERROR_CODE_STORE_FAILURE);
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos)
      << second.error().message;
}

TEST_F(RevisionStoreTest, UnknownArticleOrVersionIsNotFound) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "one")));
  EXPECT_EQ(store_->GetRevision("zzz", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(store_->GetRevision("a", 2).error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(store_->GetHistory("zzz").error().code, v1::ERROR_CODE_NOT_FOUND);
}

TEST_F(RevisionStoreTest, HistoryListsEveryVersionInOrder) {
  for (auto* headline : {"one", "two", "three"})
    ASSERT_TRUE(PublishOne(MakeArticle("a", headline)));
  auto history = store_->GetHistory("a");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*history)[i].article().version(), i + 1);
    EXPECT_EQ((*history)[i].publisher_id(), "tester");
  }
  EXPECT_EQ((*history)[2].article().headline(), "three");
}

}  // namespace
}  // namespace newswire::store
