#include "newswire/store/revision_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include <rocksdb/db.h>

#include "articles.h"
#include "newswire/core/article.h"
#include "newswire/core/bytes.h"
#include "newswire/core/channel.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/v1/store.pb.h"
#include "process.h"
#include "result_assertions.h"
#include "sync_points.h"

namespace newswire::store {
namespace {

using testing::ExampleStory;
using testing::MakeArticle;
using testing::Numbered;

constexpr int64_t kTime = 1'764'050'700'000'000'000;  // 2025-11-25T06:05:00Z
constexpr int64_t kSecond = 1'000'000'000;

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

// Version 1 has no base: it goes out whole, zstd-compressed when that is
// smaller (a story), as is when not (a one-line alert).
TEST_F(RevisionStoreTest, FirstPublishIsVersionOneAndCarriesTheWholeArticle) {
  auto committed = PublishOne(ExampleStory(1));
  ASSERT_TRUE(committed) << committed.error().ToString();
  EXPECT_EQ(committed->ack.version(), 1u);
  EXPECT_EQ(committed->ack.wire_seq(), 1u);
  auto event = Event(*committed);
  ASSERT_TRUE(event.has_delta());
  EXPECT_TRUE(event.base_hash().empty());
  auto bytes = core::DecodeDelta("", event.delta(), event.full_bytes());
  ASSERT_TRUE(bytes) << bytes.error().ToString();
  EXPECT_EQ(core::Sha256(*bytes), committed->ack.content_hash());
  EXPECT_LT(event.delta().size(), bytes->size());
  EXPECT_EQ(store_->LastWireSeq(), 1u);

  auto alert = PublishOne(MakeArticle("alert", "FLASH: BOJ holds", 0));
  ASSERT_TRUE(alert) << alert.error().ToString();
  auto alert_event = Event(*alert);
  ASSERT_TRUE(alert_event.has_full()) << "too short to gain from compression";
  EXPECT_EQ(core::ContentHash(alert_event.full()), alert->ack.content_hash());
}

// Version 2 goes out as the smallest of the structured diff and the zstd
// delta, and the record keeps exactly what went out.
TEST_F(RevisionStoreTest, SecondVersionGoesOutAsTheSmallestEncodingAndRebuildsExactly) {
  auto v1 = PublishOne(ExampleStory(1));
  ASSERT_TRUE(v1);
  auto v2 = PublishOne(ExampleStory(2));
  ASSERT_TRUE(v2) << v2.error().ToString();
  auto event = Event(*v2);
  EXPECT_EQ(event.base_hash(), v1->ack.content_hash());
  EXPECT_LT(v2->event.size(), event.full_bytes());

  auto stored_v1 = store_->GetRevision("nw-20261125-kaito-minato", 1);
  auto stored_v2 = store_->GetRevision("nw-20261125-kaito-minato", 2);
  ASSERT_TRUE(stored_v1 && stored_v2);
  const std::string base = core::CanonicalBytes(stored_v1->article());
  const std::string result = core::CanonicalBytes(stored_v2->article());
  const std::string delta = core::EncodeDelta(base, result);
  const auto diff_bytes =
      core::DiffArticles(stored_v1->article(), stored_v2->article()).ByteSizeLong();
  ASSERT_TRUE(event.has_delta()) << "a revised story: the delta (" << delta.size()
                                 << " B) beats the structured diff (" << diff_bytes << " B)";
  EXPECT_LT(event.delta().size(), diff_bytes);
  EXPECT_EQ(event.delta(), delta);
  auto decoded = core::DecodeDelta(base, event.delta(), event.full_bytes());
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  EXPECT_EQ(*decoded, result);
  EXPECT_EQ(core::Sha256(*decoded), event.content_hash());
  EXPECT_EQ(stored_v2->delta(), delta);
  EXPECT_FALSE(stored_v2->has_diff());
  EXPECT_TRUE(store_->Verify());
}

TEST_F(RevisionStoreTest, AHeadlineTouchUpGoesOutAsAStructuredDiff) {
  ASSERT_TRUE(PublishOne(ExampleStory(2)));
  auto touched = ExampleStory(2);
  touched.set_headline(touched.headline() + "!");
  auto v2 = PublishOne(touched);
  ASSERT_TRUE(v2) << v2.error().ToString();
  auto event = Event(*v2);
  ASSERT_TRUE(event.has_diff()) << "a few bytes of edits beat a zstd frame";
  ASSERT_TRUE(event.diff().has_headline());
  EXPECT_LT(event.diff().ByteSizeLong(), 40u);
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

// The daemon hands articles over still encoded; the store parses them.
TEST_F(RevisionStoreTest, EncodedArticlesPublishAsParsedOnesAndBadBytesAreMalformed) {
  auto encoded = [](const v1::Article& article) {
    PublishInput input{"tester", "", 0, {}};
    input.article_bytes = article.SerializeAsString();
    return input;
  };
  std::string invalid_utf8 = MakeArticle("b", "AAAA").SerializeAsString();
  invalid_utf8.replace(invalid_utf8.find("AAAA"), 4, "\xff\xfe\xfd\xfc");
  std::vector<PublishInput> inputs;
  inputs.push_back(encoded(MakeArticle("a", "one")));
  inputs.push_back({"tester", "", 0, {}});
  inputs.back().article_bytes = invalid_utf8;
  inputs.push_back({"tester", "", 0, {}});
  inputs.back().article_bytes = "\xff\xff not a protobuf";
  inputs.push_back(encoded(MakeArticle("a", "two")));
  auto results = store_->Publish(std::move(inputs), kTime);
  ASSERT_TRUE(results[0]) << results[0].error().ToString();
  for (int bad : {1, 2}) {
    ASSERT_FALSE(results[bad]);
    EXPECT_EQ(results[bad].error().code, v1::ERROR_CODE_MALFORMED);
  }
  ASSERT_TRUE(results[3]);
  EXPECT_EQ(results[3]->ack.version(), 2u);
  EXPECT_EQ(results[3]->ack.wire_seq(), 2u) << "bad bytes take no sequence";
  auto stored = store_->GetRevision("a", 2);
  ASSERT_TRUE(stored);
  auto expected = MakeArticle("a", "two");
  ASSERT_TRUE(core::NormalizeAndValidate(expected));
  expected.set_version(2);
  EXPECT_EQ(core::CanonicalBytes(stored->article()), core::CanonicalBytes(expected));
  EXPECT_FALSE(store_->GetHead("b"));
}

// The held copy of an encoded article must not point into the batch that
// parsed it: it is published by a later batch.
TEST_F(RevisionStoreTest, EncodedArticleUnderEmbargoIsReleasedIntact) {
  auto article = MakeArticle("results", "Q3 results");
  article.mutable_embargoed()->set_seconds(kTime / kSecond + 3600);
  PublishInput input{"tester", "", 0, {}};
  input.article_bytes = article.SerializeAsString();
  std::vector<PublishInput> inputs;
  inputs.push_back(std::move(input));
  auto held = store_->Publish(std::move(inputs), kTime);
  ASSERT_TRUE(held[0]) << held[0].error().ToString();
  EXPECT_TRUE(held[0]->ack.has_embargoed_until());
  EXPECT_TRUE(store_->ReleaseDue(kTime + 1800 * kSecond).empty()) << "released early";
  ASSERT_TRUE(PublishOne(MakeArticle("other", "news in between")));  // Another batch.
  auto released = store_->ReleaseDue(kTime + 3601 * kSecond);
  ASSERT_EQ(released.size(), 1u);
  ASSERT_TRUE(released[0]) << released[0].error().ToString();
  EXPECT_EQ(released[0]->ack.version(), 1u);
  auto stored = store_->GetRevision("results", 1);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->article().headline(), "Q3 results");
  EXPECT_EQ(stored->article().body_size(), article.body_size());
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

// A story's held text belongs to its feed before any version is out: a
// publish of the same id from another feed neither replaces nor withdraws
// it (a publisher granted one feed cannot touch another's embargo).
TEST_F(RevisionStoreTest, HeldTextIsReplacedOrWithdrawnOnlyFromItsOwnFeed) {
  auto held = MakeArticle("results", "Q3 results");
  held.mutable_embargoed()->set_seconds(kTime / kSecond + 3600);
  ASSERT_OK_AND_ASSIGN(auto ack, PublishOne(held));
  ASSERT_TRUE(ack.ack.has_embargoed_until());

  auto kill = MakeArticle("results", "withdrawn");
  kill.set_feed("other-feed");
  kill.set_pubstatus(v1::PUB_STATUS_CANCELED);
  auto refused = PublishOne(kill);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_INVALID_ARTICLE);
  auto replaced = MakeArticle("results", "not the real results");
  replaced.set_feed("other-feed");
  ASSERT_FALSE(PublishOne(replaced));

  auto released = store_->ReleaseDue(kTime + 3601 * kSecond);
  ASSERT_EQ(released.size(), 1u);
  ASSERT_OK(released[0]);
  ASSERT_OK_AND_ASSIGN(auto stored, store_->GetRevision("results", 1));
  EXPECT_EQ(stored.article().headline(), "Q3 results");
  EXPECT_EQ(stored.article().feed(), held.feed());
}

TEST_F(RevisionStoreTest, ChannelSequencesAreContiguousPerChannel) {
  auto a = MakeArticle("a", "one");
  auto b = MakeArticle("b", "one");
  b.clear_instruments();  // b is not on the 9984 channel.
  auto first = PublishOne(a);
  auto second = PublishOne(b);
  auto third = PublishOne(MakeArticle("a", "two"));
  ASSERT_TRUE(first && second && third);
  const std::string instrument = core::InstrumentChannel("XTKS", "9984");
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

namespace newswire::store {
namespace {

class RevisionStoreQueryTest : public RevisionStoreTest {
 protected:
  Result<Committed> PublishAt(v1::Article article, int64_t time_ns) {
    std::vector<PublishInput> inputs;
    inputs.push_back({"tester", "", 0, std::move(article)});
    return std::move(store_->Publish(std::move(inputs), time_ns).at(0));
  }
};

TEST_F(RevisionStoreQueryTest, AsOfIsExactAtTheBoundaries) {
  ASSERT_TRUE(PublishAt(MakeArticle("a", "one"), kTime));
  ASSERT_TRUE(PublishAt(MakeArticle("a", "two"), kTime + 60 * kSecond));
  auto version_at = [&](int64_t t) -> uint32_t {
    auto revision = store_->GetRevisionAsOf("a", t);
    return revision ? revision->article().version() : 0;
  };
  EXPECT_EQ(version_at(kTime - 1), 0u) << "nothing was out before version 1";
  EXPECT_EQ(version_at(kTime), 1u);
  EXPECT_EQ(version_at(kTime + 60 * kSecond - 1), 1u) << "version 2 must not show early";
  EXPECT_EQ(version_at(kTime + 60 * kSecond), 2u);
  EXPECT_EQ(version_at(kTime + 3600 * kSecond), 2u);
  EXPECT_EQ(store_->GetRevisionAsOf("a", kTime - 1).error().code, v1::ERROR_CODE_NOT_FOUND);
}

TEST_F(RevisionStoreQueryTest, WireTimeNeverGoesBackwards) {
  ASSERT_TRUE(PublishAt(MakeArticle("a", "one"), kTime));
  auto later = PublishAt(MakeArticle("b", "one"), kTime - 5 * kSecond);  // Clock stepped back.
  ASSERT_TRUE(later);
  EXPECT_EQ(later->ack.wire_time().seconds(), kTime / kSecond);
}

TEST_F(RevisionStoreQueryTest, LogReadsPageInWireOrder) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(PublishAt(MakeArticle("s" + std::to_string(i), "h"), kTime + i * kSecond));
  }
  auto first = store_->ReadLog(1, 4);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 4u);
  EXPECT_EQ(first->front().seq, 1u);
  EXPECT_EQ(first->back().seq, 4u);
  auto rest = store_->ReadLog(5, 100);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 6u);
  EXPECT_EQ(rest->back().revision.article().id(), "s9");
  ASSERT_OK_AND_ASSIGN(auto past_end, store_->ReadLog(11, 10));
  EXPECT_TRUE(past_end.empty());
  EXPECT_EQ(*store_->FirstSeqAtOrAfter(kTime + 3 * kSecond), 4u);
  EXPECT_EQ(*store_->FirstSeqAtOrAfter(kTime + 3 * kSecond + 1), 5u);
  EXPECT_EQ(*store_->FirstSeqAtOrAfter(kTime + 99 * kSecond), 11u);
}

TEST_F(RevisionStoreQueryTest, ChannelReadsFollowTheChannelSequence) {
  for (int i = 0; i < 6; ++i) {
    auto article = MakeArticle("s" + std::to_string(i), "h");
    if (i % 2) article.mutable_instruments(0)->set_symbol("7203");  // Odd ones: Toyota.
    ASSERT_TRUE(PublishAt(article, kTime + i * kSecond));
  }
  const std::string toyota = core::InstrumentChannel("XTKS", "7203");
  EXPECT_EQ(*store_->LastStoredChannelSeq(toyota), 3u);
  auto items = store_->ReadChannel(toyota, 2, 10);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].seq, 2u);
  EXPECT_EQ((*items)[0].revision.article().id(), "s3");
  EXPECT_EQ((*items)[1].revision.article().id(), "s5");
  EXPECT_EQ(*store_->ChannelSeqAtOrAfter(toyota, 3), 2u);  // s3 is wire seq 4.
  EXPECT_EQ(*store_->ChannelSeqAtOrAfter(toyota, 7), 4u);
  ASSERT_OK_AND_ASSIGN(auto other,
                       store_->LastStoredChannelSeq(core::InstrumentChannel("XTKS", "7203X")));
  EXPECT_EQ(other, 0u);
}

// A batch writes one index entry per channel for all its revisions: reads
// must find every revision inside such runs, from any position.
TEST_F(RevisionStoreQueryTest, ChannelReadsFindRevisionsInsideBatches) {
  const std::string toyota = core::InstrumentChannel("XTKS", "7203");
  std::vector<uint64_t> toyota_wire_seqs;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<PublishInput> inputs;
    for (int i = 0; i < 5; ++i) {
      auto article = MakeArticle("b" + std::to_string(batch) + "-" + std::to_string(i), "h");
      if (i != 2) article.mutable_instruments(0)->set_symbol("7203");  // Four of five.
      inputs.push_back({"tester", "", 0, std::move(article)});
    }
    for (auto& result : store_->Publish(std::move(inputs), kTime + batch * kSecond)) {
      ASSERT_TRUE(result) << result.error().ToString();
      if (result->ack.article_id().back() != '2')
        toyota_wire_seqs.push_back(result->ack.wire_seq());
    }
  }
  ASSERT_EQ(*store_->LastStoredChannelSeq(toyota), 12u);
  for (uint64_t from = 1; from <= 13; ++from) {
    auto items = store_->ReadChannel(toyota, from, 3);
    ASSERT_TRUE(items) << items.error().ToString();
    ASSERT_EQ(items->size(), std::min<uint64_t>(3, 13 - from)) << "from " << from;
    for (std::size_t k = 0; k < items->size(); ++k) {
      EXPECT_EQ((*items)[k].seq, from + k);
      EXPECT_EQ((*items)[k].revision.wire_seq(), toyota_wire_seqs[from + k - 1]);
    }
  }
  for (uint64_t channel_seq = 1; channel_seq <= 12; ++channel_seq) {
    const uint64_t wire_seq = toyota_wire_seqs[channel_seq - 1];
    EXPECT_EQ(*store_->ChannelSeqAtOrAfter(toyota, wire_seq), channel_seq);
  }
  EXPECT_EQ(*store_->ChannelSeqAtOrAfter(toyota, 3), 3u);  // Wire seq 3 is not Toyota's: next.
  EXPECT_EQ(*store_->ChannelSeqAtOrAfter(toyota, 99), 13u);
}

// Replays are served from the stored bytes without parsing them: the events
// must be byte for byte what EventOf builds from the parsed records.
TEST_F(RevisionStoreQueryTest, EncodedReadsAreTheEventsTheWireSent) {
  ASSERT_TRUE(PublishOne(ExampleStory(1)));                   // Delta, compressed alone.
  ASSERT_TRUE(PublishOne(ExampleStory(2)));                   // Delta against v1.
  ASSERT_TRUE(PublishOne(MakeArticle("alert", "FLASH", 0)));  // Full.
  auto touched = ExampleStory(2);
  touched.set_headline(touched.headline() + "!");
  ASSERT_TRUE(PublishOne(touched));  // Structured diff.
  const std::string feed = core::FeedChannel("test-feed");
  for (const std::string& channel : {std::string(), core::WireChannel(), feed}) {
    auto parsed = store_->ReadChannel(channel, 1, 10);
    auto encoded = store_->ReadEncoded(channel, 1, 10, true);
    ASSERT_TRUE(parsed && encoded);
    ASSERT_EQ(parsed->size(), encoded->size()) << channel;
    for (std::size_t i = 0; i < parsed->size(); ++i) {
      const auto& item = (*parsed)[i];
      EXPECT_EQ((*encoded)[i].seq, item.seq);
      EXPECT_EQ((*encoded)[i].event, EventOf(item.revision).SerializeAsString())
          << channel << " #" << item.seq;
      EXPECT_EQ((*encoded)[i].full, item.revision.article().SerializeAsString());
    }
  }
  for (const std::string& channel : {std::string(), feed}) {
    // Without full articles, a page is the events the log keeps.
    auto with_full = store_->ReadEncoded(channel, 1, 10, true);
    auto without_full = store_->ReadEncoded(channel, 1, 10, false);
    ASSERT_TRUE(with_full && without_full);
    ASSERT_EQ(without_full->size(), with_full->size());
    for (std::size_t i = 0; i < with_full->size(); ++i) {
      EXPECT_EQ((*without_full)[i].seq, (*with_full)[i].seq);
      EXPECT_EQ((*without_full)[i].event, (*with_full)[i].event) << channel << " #" << i;
      EXPECT_TRUE((*without_full)[i].full.empty());
    }
  }
}

TEST_F(RevisionStoreQueryTest, WireChannelReadsAreTheLog) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(PublishAt(MakeArticle("s" + std::to_string(i), "h"), kTime + i * kSecond));
  }
  const std::string wire = core::WireChannel();
  EXPECT_EQ(*store_->LastStoredChannelSeq(wire), 5u);
  EXPECT_EQ(store_->LastChannelSeq(wire), 5u);
  auto items = store_->ReadChannel(wire, 4, 10);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].seq, 4u);
  EXPECT_EQ((*items)[0].revision.article().id(), "s3");
  EXPECT_EQ(*store_->ChannelSeqAtOrAfter(wire, 3), 3u);
  EXPECT_EQ(*store_->ChannelSeqAtOrAfter(wire, 99), 6u);
}

TEST_F(RevisionStoreQueryTest, FeedHeadsPageInIdOrder) {
  for (auto* id : {"c", "a", "b"}) ASSERT_TRUE(PublishOne(MakeArticle(id, "h")));
  ASSERT_TRUE(PublishOne(MakeArticle("a", "h2")));
  auto page = store_->GetFeedHeads("test-feed", "", 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].article_id(), "a");
  EXPECT_EQ((*page)[0].version(), 2u);
  auto next = store_->GetFeedHeads("test-feed", "b", 2);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].article_id(), "c");
}

TEST_F(RevisionStoreQueryTest, FailedCommitLeavesNothingAndTakesNoSequence) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "one")));
  bool fail = true;
  testing::ArmedSyncPoint write("store.write", [&] { return fail; });

  auto failed = PublishOne(MakeArticle("b", "one"), 0, "key-b");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, v1::ERROR_CODE_STORE_FAILURE);
  EXPECT_EQ(store_->GetHead("b").error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(store_->LastWireSeq(), 1u);

  fail = false;
  auto retried = PublishOne(MakeArticle("b", "one"), 0, "key-b");
  ASSERT_TRUE(retried) << retried.error().ToString();
  EXPECT_FALSE(retried->ack.duplicate()) << "the failed attempt must have left no record";
  EXPECT_EQ(retried->ack.wire_seq(), 2u);
  EXPECT_EQ(retried->channel_seqs[1], 2u) << "feed channel stays contiguous";
  EXPECT_TRUE(store_->Verify());
}

// The store splices the canonical article, the diff or the delta into the
// event and the stored record instead of serialising them again: the bytes
// must be exactly what the messages' own encoding gives.
TEST_F(RevisionStoreQueryTest, EventAndRecordBytesAreTheMessagesOwnEncoding) {
  std::vector<Committed> committed;
  for (const char* headline : {"one", "two", "two and a much longer headline than before"}) {
    auto result = PublishOne(MakeArticle("a", headline));
    ASSERT_TRUE(result) << result.error().ToString();
    committed.push_back(std::move(*result));
  }
  // A revised story: its version 2 goes out as a zstd delta.
  for (int version : {1, 2}) committed.push_back(std::move(*PublishOne(ExampleStory(version))));
  for (const Committed& c : committed) {
    auto stored = store_->GetRevision(c.ack.article_id(), c.ack.version());
    ASSERT_TRUE(stored) << stored.error().ToString();
    const auto version = c.ack.version();
    EXPECT_EQ(EventOf(*stored).SerializeAsString(), c.event) << "version " << version;
    EXPECT_EQ(stored->diff_bytes(), c.event.size());
    // The record keeps the payload that went out.
    v1::RevisionEvent sent;
    ASSERT_TRUE(sent.ParseFromString(c.event));
    EXPECT_EQ(stored->diff_is_full(), sent.has_full());
    EXPECT_EQ(stored->has_diff(), sent.has_diff());
    EXPECT_EQ(!stored->delta().empty(), sent.has_delta());
    EXPECT_EQ(core::ContentHash(stored->article()), c.ack.content_hash());
  }
  EXPECT_FALSE(store_->GetRevision(committed.back().ack.article_id(), 2)->delta().empty());
  EXPECT_TRUE(store_->Verify());
}

// The writer keeps recent heads in memory; a batch that failed to commit must
// not leave its revision there as the base of the next one.
TEST_F(RevisionStoreQueryTest, FailedCommitDoesNotBecomeTheNextBase) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "one")));
  bool fail = false;
  testing::ArmedSyncPoint write("store.write", [&] { return fail; });
  ASSERT_TRUE(PublishOne(MakeArticle("a", "two")));  // v2, now cached.
  fail = true;
  ASSERT_FALSE(PublishOne(MakeArticle("a", "three")));

  fail = false;
  auto next = PublishOne(MakeArticle("a", "four"), 2);
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->ack.version(), 3u);
  auto event = Event(*next);
  auto v2 = store_->GetRevision("a", 2);
  ASSERT_TRUE(v2);
  EXPECT_EQ(event.base_hash(), v2->content_hash());
  if (event.has_diff()) {
    auto rebuilt = core::ApplyArticleDiff(v2->article(), event.diff());
    ASSERT_TRUE(rebuilt) << rebuilt.error().ToString();
    EXPECT_EQ(core::ContentHash(*rebuilt), next->ack.content_hash());
  }
  EXPECT_TRUE(store_->Verify());
}

// Two batches in flight, as the daemon pipelines them: the second builds on
// the first before it is written.
class PipelinedStoreTest : public RevisionStoreTest {
 protected:
  void OpenFailing() {
    write_ = std::make_unique<testing::ArmedSyncPoint>("store.write", [this] { return fail_; });
  }

  std::unique_ptr<StagedBatch> Stage(v1::Article article, std::string key = "") {
    std::vector<PublishInput> inputs;
    inputs.push_back({"tester", std::move(key), 0, std::move(article)});
    return store_->Stage(std::move(inputs), kTime);
  }

  Result<Committed> WriteAndSettle(std::unique_ptr<StagedBatch> batch) {
    auto written = store_->Write(*batch);
    return std::move(store_->Settle(std::move(batch), std::move(written)).at(0));
  }

  bool fail_ = false;
  std::unique_ptr<testing::ArmedSyncPoint> write_;
};

TEST_F(PipelinedStoreTest, TheNextBatchBuildsOnOneNotYetWritten) {
  auto first = Stage(MakeArticle("a", "one"), "key-1");
  auto second = Stage(MakeArticle("a", "two"));
  auto retry = WriteAndSettle(std::move(first));
  ASSERT_TRUE(retry) << retry.error().ToString();
  auto v2 = WriteAndSettle(std::move(second));
  ASSERT_TRUE(v2) << v2.error().ToString();
  EXPECT_EQ(v2->ack.version(), 2u);
  EXPECT_EQ(v2->ack.wire_seq(), 2u);
  EXPECT_EQ(Event(*v2).base_hash(), retry->ack.content_hash());
  EXPECT_TRUE(store_->Verify());
}

// The head cache may evict settled heads only: with a cache too small for
// even one article, a batch must still find the head a batch not yet
// written left (RocksDB does not have it).
TEST_F(PipelinedStoreTest, AnUnwrittenHeadIsNeverEvicted) {
  store_.reset();
  StoreOptions options;
  options.path = dir_.path() + "/store";
  options.head_cache_bytes = 1;
  store_ = std::move(*RevisionStore::Open(options));
  auto batch_of = [&](const std::string& headline) {
    std::vector<PublishInput> inputs;
    for (int i = 0; i < 6; ++i) {
      inputs.push_back({"tester", "", 0, MakeArticle(Numbered("s", i), headline)});
    }
    return store_->Stage(std::move(inputs), kTime);
  };
  auto first = batch_of("one");
  auto second = batch_of("two");  // Builds on six heads not yet written.
  auto written = store_->Write(*first);
  for (const auto& result : store_->Settle(std::move(first), std::move(written))) {
    ASSERT_TRUE(result);
  }
  written = store_->Write(*second);
  for (const auto& result : store_->Settle(std::move(second), std::move(written))) {
    ASSERT_TRUE(result) << result.error().ToString();
    EXPECT_EQ(result->ack.version(), 2u) << result->ack.article_id();
  }
  EXPECT_TRUE(store_->Verify());
}

TEST_F(PipelinedStoreTest, ARetryOfAPublishNotYetWrittenIsADuplicate) {
  auto first = Stage(MakeArticle("a", "one"), "key-1");
  auto again = Stage(MakeArticle("a", "one"), "key-1");
  auto original = WriteAndSettle(std::move(first));
  auto duplicate = WriteAndSettle(std::move(again));
  ASSERT_TRUE(original && duplicate);
  EXPECT_TRUE(duplicate->ack.duplicate());
  EXPECT_EQ(duplicate->ack.wire_seq(), original->ack.wire_seq());
  EXPECT_EQ(store_->LastWireSeq(), 1u);
}

TEST_F(PipelinedStoreTest, AFailedWriteFailsTheBatchBuiltOnItAndLeavesNothing) {
  OpenFailing();
  ASSERT_TRUE(WriteAndSettle(Stage(MakeArticle("a", "one"))));
  fail_ = true;
  auto doomed = Stage(MakeArticle("a", "two"), "key-2");
  auto built_on_it = Stage(MakeArticle("b", "one"), "key-b");
  auto lost = WriteAndSettle(std::move(doomed));
  fail_ = false;  // The disk is fine again, yet the second batch followed the first.
  auto also_lost = WriteAndSettle(std::move(built_on_it));
  ASSERT_FALSE(lost);
  ASSERT_FALSE(also_lost);
  EXPECT_EQ(also_lost.error().code, v1::ERROR_CODE_STORE_FAILURE);
  EXPECT_EQ(store_->LastWireSeq(), 1u);
  EXPECT_EQ(store_->GetHead("b").error().code, v1::ERROR_CODE_NOT_FOUND);

  // Retries start from what is durable: contiguous, no duplicate records.
  auto b = WriteAndSettle(Stage(MakeArticle("b", "one"), "key-b"));
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_FALSE(b->ack.duplicate());
  EXPECT_EQ(b->ack.wire_seq(), 2u);
  EXPECT_EQ(b->channel_seqs[1], 2u) << "the feed channel stays contiguous";
  auto a = WriteAndSettle(Stage(MakeArticle("a", "two"), "key-2"));
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->ack.version(), 2u);
  EXPECT_EQ(a->ack.wire_seq(), 3u);
  EXPECT_TRUE(store_->Verify());
}

TEST_F(RevisionStoreQueryTest, VerifyIsCleanAfterManyRevisions) {
  for (int i = 0; i < 30; ++i) {
    auto article = MakeArticle(Numbered("s", i % 7), Numbered("headline ", i), 2 + i % 5);
    ASSERT_TRUE(PublishAt(article, kTime + i));
  }
  auto verified = store_->Verify();
  EXPECT_TRUE(verified) << verified.error().ToString();
}

// Opens a (closed) store with plain RocksDB and hands `edit` one family:
// changes behind the store's back, as disk rot, a tamperer or an older
// version of the store would make them.
void EditFamily(const std::string& path, const std::string& family,
                const std::function<void(rocksdb::DB&, rocksdb::ColumnFamilyHandle*)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies({}, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open({}, path, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  edit(*db, handles[std::find(names.begin(), names.end(), family) - names.begin()]);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
}

// Changes one byte of a stored record.
void FlipByteInRecord(const std::string& path, const std::string& family, const std::string& key,
                      const std::string& inside) {
  EditFamily(path, family, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
    std::string value;
    ASSERT_TRUE(db.Get({}, handle, key, &value).ok());
    auto at = value.find(inside);
    ASSERT_NE(at, std::string::npos);
    value[at] ^= 0x01;
    ASSERT_TRUE(db.Put({}, handle, key, value).ok());
  });
}

TEST_F(RevisionStoreQueryTest, VerifyReportsAFlippedByteWithArticleAndVersion) {
  ASSERT_TRUE(PublishOne(MakeArticle("a", "first headline")));
  ASSERT_TRUE(PublishOne(MakeArticle("a", "second headline")));
  ASSERT_TRUE(PublishOne(MakeArticle("b", "other")));
  ASSERT_TRUE(store_->Verify());
  store_.reset();
  std::string key = "a";
  key.push_back('\0');
  key.append(std::string("\0\0\0\x02", 4));
  FlipByteInRecord(dir_.path() + "/store", "revisions", key, "second headline");
  Reopen();
  auto verified = store_->Verify();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("article a version 2"), std::string::npos)
      << verified.error().message;
}

// A held publish that no longer parses is never destroyed: when it comes
// due it is set aside in the quarantine, reported, and verify names it.
TEST_F(RevisionStoreQueryTest, AnUnreadableHeldPublishIsQuarantinedNotDeleted) {
  auto article = MakeArticle("held", "for later");
  article.mutable_embargoed()->set_seconds(kTime / kSecond + 3600);
  ASSERT_OK_AND_ASSIGN(auto held, PublishOne(article));
  ASSERT_TRUE(held.ack.has_embargoed_until());
  store_.reset();
  std::string key;
  EditFamily(dir_.path() + "/store", "embargoes",
             [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
               std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, handle));
               it->SeekToFirst();
               ASSERT_TRUE(it->Valid());
               key = it->key().ToString();
               ASSERT_TRUE(db.Put({}, handle, key, "\xff\xff not a held publish").ok());
             });
  Reopen();
  ASSERT_TRUE(store_->NextEmbargoNs().has_value()) << "it still comes due";
  auto released = store_->ReleaseDue(kTime + 7200 * kSecond);
  ASSERT_EQ(released.size(), 1u);
  ASSERT_FALSE(released[0]);
  EXPECT_EQ(released[0].error().code, v1::ERROR_CODE_STORE_FAILURE);
  EXPECT_NE(released[0].error().message.find("quarantined"), std::string::npos);
  EXPECT_FALSE(store_->NextEmbargoNs().has_value()) << "and is not retried forever";
  auto verified = store_->Verify();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("quarantine"), std::string::npos)
      << verified.error().message;
  store_.reset();
  EditFamily(dir_.path() + "/store", "meta",
             [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
               std::string value;
               ASSERT_TRUE(db.Get({}, handle, "quarantine/embargoes/" + key, &value).ok());
               EXPECT_EQ(value, "\xff\xff not a held publish") << "the bytes are kept";
             });
}

TEST_F(RevisionStoreQueryTest, VerifyReportsATamperedDelta) {
  ASSERT_TRUE(PublishOne(ExampleStory(1)));
  ASSERT_TRUE(PublishOne(ExampleStory(2)));
  const std::string id = "nw-20261125-kaito-minato";
  ASSERT_OK_AND_ASSIGN(auto v2, store_->GetRevision(id, 2));
  const std::string delta = v2.delta();
  ASSERT_GT(delta.size(), 16u);
  store_.reset();
  std::string key = id;
  key.push_back('\0');
  key.append(std::string("\0\0\0\x02", 4));
  FlipByteInRecord(dir_.path() + "/store", "revisions", key, delta.substr(delta.size() / 2, 8));
  Reopen();
  auto verified = store_->Verify();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("version 2: stored delta"), std::string::npos)
      << verified.error().message;
}

// Replays are served from the events the log keeps: a changed one must not
// pass as what the wire sent.
TEST_F(RevisionStoreQueryTest, VerifyReportsATamperedEventInTheLog) {
  ASSERT_TRUE(PublishOne(ExampleStory(1)));
  ASSERT_TRUE(PublishOne(ExampleStory(2)));
  ASSERT_OK_AND_ASSIGN(auto v2, store_->GetRevision("nw-20261125-kaito-minato", 2));
  const std::string delta = v2.delta();
  ASSERT_GT(delta.size(), 16u);
  store_.reset();
  std::string key(7, '\0');
  key.push_back('\x02');  // Wire sequence 2.
  FlipByteInRecord(dir_.path() + "/store", "log", key, delta.substr(delta.size() / 2, 8));
  Reopen();
  auto verified = store_->Verify();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("wire sequence 2: the event it keeps"), std::string::npos)
      << verified.error().message;
}

// A store written before the log kept events replays the same bytes, built
// from the revision records, in pages that mix both kinds of entry.
TEST_F(RevisionStoreQueryTest, LogEntriesWithoutTheirEventReplayTheSameBytes) {
  ASSERT_TRUE(PublishOne(ExampleStory(1)));
  ASSERT_TRUE(PublishOne(ExampleStory(2)));
  ASSERT_TRUE(PublishOne(MakeArticle("alert", "FLASH", 0)));
  auto before = store_->ReadEncoded("", 1, 10, false);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 3u);
  store_.reset();
  EditFamily(dir_.path() + "/store", "log", [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* log) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, log));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::LogEntry entry;
      ASSERT_TRUE(entry.ParseFromString(it->value().ToString()));
      ASSERT_FALSE(entry.event().empty());
      if (it->key().ToString().back() == '\x02') continue;  // Keeps wire sequence 2's.
      entry.clear_event();
      ASSERT_TRUE(db.Put({}, log, it->key(), entry.SerializeAsString()).ok());
    }
  });
  Reopen();
  auto after = store_->ReadEncoded("", 1, 10, false);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), before->size());
  for (std::size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].event, (*before)[i].event) << "#" << i;
  }
  EXPECT_TRUE(store_->Verify());
}

TEST_F(RevisionStoreQueryTest, CheckpointTakenDuringPublishingIsConsistent) {
  std::atomic<bool> stop{false};
  std::atomic<int> published{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load() && i < 5000; ++i) {
      if (PublishOne(MakeArticle(Numbered("s", i % 50), Numbered("h", i)))) {
        ++published;
      }
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (published.load() < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_GE(published.load(), 100);
  const uint64_t before = store_->LastWireSeq();
  const std::string copy = dir_.path() + "/backup";
  auto taken = store_->Checkpoint(copy);
  stop = true;
  writer.join();
  ASSERT_TRUE(taken) << taken.error().ToString();

  StoreOptions options;
  options.path = copy;
  auto restored = RevisionStore::Open(options);
  ASSERT_TRUE(restored) << restored.error().ToString();
  EXPECT_GE((*restored)->LastWireSeq(), before);
  auto verified = (*restored)->Verify();
  EXPECT_TRUE(verified) << verified.error().ToString();
}

}  // namespace
}  // namespace newswire::store

namespace newswire::store {
namespace {

constexpr int64_t kDay = 86400LL * 1'000'000'000;

class RetentionTest : public RevisionStoreTest {
 protected:
  void PublishOn(int day, const std::string& id, const std::string& headline) {
    PublishOn(day, MakeArticle(id, headline));
  }
  void PublishOn(int day, v1::Article article) {
    std::vector<PublishInput> inputs;
    inputs.push_back({"tester", "", 0, std::move(article)});
    auto results = store_->Publish(std::move(inputs), kTime + day * kDay);
    ASSERT_TRUE(results[0]) << results[0].error().ToString();
  }
};

TEST_F(RetentionTest, RemovesOldRevisionsAndChainsStillVerify) {
  PublishOn(0, "old", "only old");  // wire 1: gone entirely.
  PublishOn(1, "kept", "first");    // wire 2: cut.
  PublishOn(2, "kept", "second");   // wire 3: cut.
  PublishOn(8, "kept", "third");    // wire 4: kept.
  PublishOn(9, "new", "fresh");     // wire 5: kept.
  auto removed = store_->ApplyRetention(kTime + 5 * kDay);
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(*removed, 3u);

  EXPECT_EQ(store_->GetRevision("old", 0).error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(store_->GetRevision("kept", 2).error().code, v1::ERROR_CODE_NOT_FOUND);
  auto latest = store_->GetRevision("kept", 0);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->article().version(), 3u);
  auto log = store_->ReadLog(1, 10);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->front().seq, 4u);
  ASSERT_OK_AND_ASSIGN(auto heads, store_->GetFeedHeads("test-feed", "", 10));
  EXPECT_EQ(heads.size(), 2u) << "old is gone";

  auto verified = store_->Verify();
  EXPECT_TRUE(verified) << verified.error().ToString();
  PublishOn(10, "kept", "fourth");  // The chain goes on past the cut.
  Reopen();
  verified = store_->Verify();
  EXPECT_TRUE(verified) << verified.error().ToString();
  EXPECT_EQ(*store_->ApplyRetention(kTime + 5 * kDay), 0u) << "nothing more to cut";
}

// A channel's head is where its last run ends; when retention removes every
// run of a channel, the next revision on it still continues its sequence.
TEST_F(RetentionTest, AChannelWhoseRunsAreAllCutContinuesItsSequenceAfterReopen) {
  const std::string instrument = core::InstrumentChannel("XTKS", "9984");
  PublishOn(0, "a", "on the instrument");  // Instrument seq 1, cut.
  auto b = MakeArticle("b", "elsewhere");
  b.clear_instruments();
  PublishOn(8, b);
  ASSERT_OK_AND_ASSIGN(auto removed, store_->ApplyRetention(kTime + 5 * kDay));
  ASSERT_EQ(removed, 1u);
  ASSERT_OK_AND_ASSIGN(auto runs, store_->ReadChannel(instrument, 1, 10));
  EXPECT_TRUE(runs.empty()) << "the cut removed the channel's only revision";
  Reopen();
  EXPECT_EQ(store_->LastChannelSeq(instrument), 1u);
  EXPECT_EQ(store_->LastChannelSeq(core::WireChannel()), 2u);
  std::vector<PublishInput> next;
  next.push_back({"tester", "", 0, MakeArticle("c", "back on the instrument")});
  auto results = store_->Publish(std::move(next), kTime + 9 * kDay);
  ASSERT_TRUE(results[0]) << results[0].error().ToString();
  const auto& c = *results[0];
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    if (c.channels[i] == instrument) EXPECT_EQ(c.channel_seqs[i], 2u) << "never 1 again";
  }
  EXPECT_TRUE(store_->Verify());
}

// Retention removes a batch in chunks; a chunk that ends inside one batch's
// channel run keeps the rest of the run readable until the next chunk.
TEST_F(RetentionTest, ACutThroughOneBatchKeepsEveryChannelExactAndSequencesContinue) {
  const std::string feed = core::FeedChannel("test-feed");
  std::vector<PublishInput> inputs;
  for (int i = 0; i < 1500; ++i) {  // One batch: one run per channel.
    inputs.push_back({"tester", "", 0, MakeArticle("old-" + std::to_string(i), "old")});
  }
  for (const auto& result : store_->Publish(std::move(inputs), kTime)) ASSERT_TRUE(result);
  PublishOn(8, "kept", "new");  // Feed seq 1501.
  ASSERT_OK_AND_ASSIGN(auto removed, store_->ApplyRetention(kTime + 5 * kDay));
  EXPECT_EQ(removed, 1500u);
  ASSERT_OK_AND_ASSIGN(auto items, store_->ReadChannel(feed, 1, 10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].seq, 1501u);
  EXPECT_EQ(items[0].revision.article().id(), "kept");
  EXPECT_TRUE(store_->Verify());
  Reopen();
  EXPECT_EQ(store_->LastChannelSeq(feed), 1501u);
  PublishOn(9, "later", "newer");
  ASSERT_OK_AND_ASSIGN(items, store_->ReadChannel(feed, 1, 10));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].seq, 1502u);
}

// A key in the channels family that is no channel's run (damage) hides no
// channel: every head is still found at open.
TEST_F(RetentionTest, AStrayChannelsKeyHidesNoChannelsHead) {
  PublishOn(0, "a", "one");
  PublishOn(0, "b", "two");
  store_.reset();
  EditFamily(dir_.path() + "/store", "channels",
             [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
               std::string key = "f";  // Sorts just before every "f/..." channel.
               key.append(8, '\0');
               ASSERT_TRUE(db.Put({}, handle, key, std::string(8, '\0')).ok());
             });
  Reopen();
  std::vector<PublishInput> next;
  next.push_back({"tester", "", 0, MakeArticle("c", "three")});
  auto results = store_->Publish(std::move(next), kTime + kDay);
  ASSERT_TRUE(results[0]) << results[0].error().ToString();
  for (std::size_t i = 0; i < results[0]->channels.size(); ++i) {
    EXPECT_EQ(results[0]->channel_seqs[i], 3u) << results[0]->channels[i] << " handed out again";
  }
}

// A damaged last run still says its first sequence was handed out.
TEST_F(RetentionTest, ADamagedLastRunKeepsItsChannelsHead) {
  const std::string feed = core::FeedChannel("test-feed");
  PublishOn(0, "a", "one");
  PublishOn(0, "b", "two");
  store_.reset();
  EditFamily(dir_.path() + "/store", "channels",
             [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
               std::string key = feed;
               core::PutBigEndian(key, 2, 8);
               ASSERT_TRUE(db.Put({}, handle, key, std::string(7, '\0')).ok());
             });
  Reopen();
  EXPECT_EQ(store_->LastChannelSeq(feed), 2u);
}

// A wire quiet for longer than the retention period loses every revision
// to the cut: the store still opens, and goes on from where it was.
TEST_F(RetentionTest, AStoreWhoseWholeLogWasCutOpensAndContinues) {
  const std::string feed = core::FeedChannel("test-feed");
  PublishOn(0, "a", "one");
  PublishOn(0, "b", "two");
  ASSERT_OK_AND_ASSIGN(auto removed, store_->ApplyRetention(kTime + 5 * kDay));
  ASSERT_EQ(removed, 2u);
  Reopen();
  EXPECT_EQ(store_->LastWireSeq(), 2u);
  EXPECT_EQ(store_->LastChannelSeq(core::WireChannel()), 2u);
  EXPECT_EQ(store_->LastChannelSeq(feed), 2u);
  PublishOn(9, "c", "three");
  ASSERT_OK_AND_ASSIGN(auto items, store_->ReadChannel(feed, 1, 10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].seq, 3u);
  EXPECT_EQ(items[0].revision.wire_seq(), 3u);
  auto verified = store_->Verify();
  EXPECT_TRUE(verified) << verified.error().ToString();
  Reopen();
  verified = store_->Verify();
  EXPECT_TRUE(verified) << verified.error().ToString();
}

// Two passes of retention, the first cutting through one batch's runs in
// chunks, the second removing the rest: channels stay exact and their
// heads survive reopening.
TEST_F(RetentionTest, RetentionInPassesKeepsChannelsExact) {
  const std::string feed = core::FeedChannel("test-feed");
  std::vector<PublishInput> inputs;
  for (int i = 0; i < 2500; ++i) {
    inputs.push_back({"tester", "", 0, MakeArticle("old-" + std::to_string(i), "old")});
  }
  for (const auto& result : store_->Publish(std::move(inputs), kTime)) ASSERT_TRUE(result);
  std::vector<PublishInput> mid;
  for (int i = 0; i < 10; ++i) {
    mid.push_back({"tester", "", 0, MakeArticle("mid-" + std::to_string(i), "mid")});
  }
  for (const auto& result : store_->Publish(std::move(mid), kTime + 6 * kDay)) ASSERT_TRUE(result);
  auto other = MakeArticle("other", "elsewhere");
  other.set_feed("other-feed");
  PublishOn(9, other);
  ASSERT_OK_AND_ASSIGN(auto removed, store_->ApplyRetention(kTime + 5 * kDay));
  EXPECT_EQ(removed, 2500u);
  ASSERT_OK_AND_ASSIGN(auto items, store_->ReadChannel(feed, 1, 100));
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items[0].seq, 2501u);
  ASSERT_OK_AND_ASSIGN(removed, store_->ApplyRetention(kTime + 7 * kDay));
  EXPECT_EQ(removed, 10u);
  ASSERT_OK_AND_ASSIGN(items, store_->ReadChannel(feed, 1, 100));
  EXPECT_TRUE(items.empty());
  Reopen();
  EXPECT_EQ(store_->LastChannelSeq(feed), 2510u);
  EXPECT_TRUE(store_->Verify());
}

TEST_F(RetentionTest, VerifyStillCatchesTamperingAfterACut) {
  PublishOn(0, "a", "one");
  PublishOn(8, "a", "two");
  ASSERT_TRUE(store_->ApplyRetention(kTime + 5 * kDay));
  store_.reset();
  std::string key = "a";
  key.push_back('\0');
  key.append(std::string("\0\0\0\x02", 4));
  FlipByteInRecord(dir_.path() + "/store", "revisions", key, "two");
  Reopen();
  auto verified = store_->Verify();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("article a version 2"), std::string::npos)
      << verified.error().message;
}

}  // namespace
}  // namespace newswire::store
