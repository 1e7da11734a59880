// A replica store that applies a primary store's commits holds the same
// records byte for byte: revisions, log entries and events, channel
// indexes, heads, held embargoes, idempotency records, retention's cuts.
#include <gtest/gtest.h>

#include <map>

#include "articles.h"
#include "newswire/store/revision_store.h"
#include "newswire/v1/store.pb.h"
#include "process.h"
#include "result_assertions.h"
#include "store_dump.h"

namespace newswire::store {
namespace {

using testing::MakeArticle;
using testing::Numbered;

constexpr int64_t kTime = 1'764'050'700'000'000'000;  // 2025-11-25T06:05:00Z
constexpr int64_t kSecond = 1'000'000'000;

class ReplicationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    primary_ = Open("primary");
    replica_ = Open("replica");
  }

  std::unique_ptr<RevisionStore> Open(const std::string& name) {
    StoreOptions options;
    options.path = dir_.path() + "/" + name;
    options.max_article_bytes = 64 * 1024;
    auto store = RevisionStore::Open(options);
    EXPECT_TRUE(store) << store.error().ToString();
    return std::move(*store);
  }

  std::vector<Result<Committed>> Publish(std::vector<PublishInput> inputs, int64_t time = kTime) {
    return primary_->Publish(std::move(inputs), time);
  }
  Result<Committed> PublishOne(v1::Article article, std::string key = "", int64_t time = kTime) {
    std::vector<PublishInput> inputs;
    inputs.push_back({"desk", std::move(key), 0, std::move(article)});
    return std::move(Publish(std::move(inputs), time).at(0));
  }

  // Copies every commit the replica lacks; the events it would fan out.
  std::vector<Committed> Replicate() {
    std::vector<Committed> events;
    while (replica_->LastCommit() < primary_->LastCommit()) {
      auto page = primary_->ReadCommits(replica_->LastCommit() + 1, 7);
      EXPECT_TRUE(page) << page.error().ToString();
      if (!page || page->commits().empty()) break;
      // A page in one write, as a follower catches up.
      auto applied = replica_->ApplyCommits(page->commits());
      EXPECT_TRUE(applied) << applied.error().ToString();
      if (!applied) return events;
      for (auto& committed : *applied) events.push_back(std::move(committed));
    }
    return events;
  }

  void ExpectIdentical() {
    primary_.reset();
    replica_.reset();
    auto primary = testing::DumpStore(dir_.path() + "/primary");
    auto replica = testing::DumpStore(dir_.path() + "/replica");
    EXPECT_GT(primary.size(), 10u);
    EXPECT_EQ(primary.size(), replica.size());
    for (const auto& [key, value] : primary) {
      auto it = replica.find(key);
      ASSERT_NE(it, replica.end()) << "replica lacks " << key;
      EXPECT_EQ(it->second, value) << "replica differs at " << key;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<RevisionStore> primary_;
  std::unique_ptr<RevisionStore> replica_;
};

TEST_F(ReplicationStoreTest, ReplicaHoldsEveryRecordOfEveryKindOfCommit) {
  // Revisions in one batch, several of one story among them.
  std::vector<PublishInput> batch;
  for (int i = 0; i < 5; ++i) {
    batch.push_back({"desk", Numbered("k", i), 0, MakeArticle(Numbered("s", i % 3), "Headline")});
    batch.back().article.set_headline(Numbered("Headline ", i));
  }
  for (auto& result : Publish(std::move(batch))) ASSERT_OK(result);
  auto first = Replicate();
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[0].channels.front(), "w|");

  // A retry (nothing written), an unchanged re-send with a new key (only
  // its idempotency record), a hold, its replacement and a withdrawal.
  ASSERT_OK(PublishOne(MakeArticle("s0", "Headline 3"), "k3"));
  ASSERT_OK_AND_ASSIGN(auto unchanged, PublishOne(MakeArticle("s0", "Headline 3"), "k-same"));
  EXPECT_TRUE(unchanged.ack.unchanged());
  auto held = MakeArticle("held", "Embargoed results");
  *held.mutable_embargoed() = google::protobuf::Timestamp();
  held.mutable_embargoed()->set_seconds(kTime / kSecond + 60);
  ASSERT_OK(PublishOne(held, "h1"));
  held.set_headline("Embargoed results, revised");
  held.mutable_embargoed()->set_seconds(kTime / kSecond + 120);
  ASSERT_OK(PublishOne(held, "h2"));
  auto doomed = MakeArticle("doomed", "Never out");
  doomed.mutable_embargoed()->set_seconds(kTime / kSecond + 60);
  ASSERT_OK(PublishOne(doomed, "d1"));
  doomed.set_pubstatus(v1::PUB_STATUS_CANCELED);
  doomed.clear_embargoed();
  ASSERT_OK_AND_ASSIGN(auto withdrawn, PublishOne(doomed, "d2"));
  EXPECT_TRUE(withdrawn.ack.withdrawn());
  EXPECT_TRUE(Replicate().empty());  // Commits, but no revision to fan out.
  EXPECT_EQ(replica_->NextEmbargoNs(), primary_->NextEmbargoNs());

  // The embargo ends on the primary: the replica gets the release as it was
  // stamped, with the primary's wire time.
  auto released = primary_->ReleaseDue(kTime + 120 * kSecond);
  ASSERT_EQ(released.size(), 1u);
  ASSERT_OK(released[0]);
  auto events = Replicate();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, released[0]->event);
  EXPECT_EQ(events[0].channel_seqs, released[0]->channel_seqs);
  EXPECT_EQ(replica_->NextEmbargoNs(), std::nullopt);

  // Retention cuts the oldest revisions and the commits that named them.
  ASSERT_OK(PublishOne(MakeArticle("late", "Later story"), "", kTime + 86400 * kSecond));
  ASSERT_OK_AND_ASSIGN(auto removed, primary_->ApplyRetention(kTime + 3600 * kSecond));
  EXPECT_EQ(removed, 6u);
  Replicate();
  EXPECT_EQ(replica_->LastCommit(), primary_->LastCommit());
  EXPECT_EQ(replica_->LastWireSeq(), primary_->LastWireSeq());
  ASSERT_OK(replica_->Verify());
  auto gone = primary_->ReadCommits(1, 10);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, v1::ERROR_CODE_NOT_FOUND);
  ExpectIdentical();
}

TEST_F(ReplicationStoreTest, ReplicaThatRestartsGoesOnFromItsLastCommit) {
  for (int i = 0; i < 3; ++i) ASSERT_OK(PublishOne(MakeArticle(Numbered("a", i), "One")));
  Replicate();
  replica_.reset();
  replica_ = Open("replica");
  EXPECT_EQ(replica_->LastCommit(), 3u);
  for (int i = 0; i < 3; ++i) ASSERT_OK(PublishOne(MakeArticle(Numbered("b", i), "Two")));
  EXPECT_EQ(Replicate().size(), 3u);
  ExpectIdentical();
}

TEST_F(ReplicationStoreTest, RefusesACommitThatDoesNotContinueItsLog) {
  ASSERT_OK(PublishOne(MakeArticle("a", "One")));
  ASSERT_OK_AND_ASSIGN(auto page, primary_->ReadCommits(1, 10));
  ASSERT_EQ(page.commits_size(), 1);

  auto later = page.commits(0);
  later.set_commit(2);
  auto skipped = replica_->ApplyCommit(later);
  ASSERT_FALSE(skipped);
  EXPECT_EQ(skipped.error().code, v1::ERROR_CODE_DIFF_MISMATCH);

  // Another log's record under the right index breaks the wire chain.
  auto forged = page.commits(0);
  v1::LogEntry entry;
  ASSERT_TRUE(entry.ParseFromString(forged.log_entries(0)));
  entry.set_chain_hash(std::string(32, 'x'));
  forged.set_log_entries(0, entry.SerializeAsString());
  auto broken = replica_->ApplyCommit(forged);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, v1::ERROR_CODE_DIFF_MISMATCH);
  EXPECT_EQ(replica_->LastCommit(), 0u);
  EXPECT_EQ(replica_->LastWireSeq(), 0u);

  ASSERT_OK(replica_->ApplyCommit(page.commits(0)));
  EXPECT_EQ(replica_->LastWireSeq(), 1u);
}

// A commit of an older term than the replica's newest (a fenced primary
// writing on) is refused as not the primary's, even across a reopen, and
// leaves the replica's log as it was.
TEST_F(ReplicationStoreTest, RefusesACommitOfAnOlderEpoch) {
  primary_->SetEpoch(7);
  ASSERT_OK(PublishOne(MakeArticle("a", "One")));
  Replicate();
  ASSERT_EQ(replica_->LastCommit(), 1u);
  replica_.reset();
  replica_ = Open("replica");

  primary_->SetEpoch(5);  // What an old primary, cut off, would still write.
  ASSERT_OK(PublishOne(MakeArticle("b", "Two")));
  ASSERT_OK_AND_ASSIGN(auto page, primary_->ReadCommits(2, 10));
  ASSERT_EQ(page.commits_size(), 1);
  auto stale = replica_->ApplyCommit(page.commits(0));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, v1::ERROR_CODE_NOT_PRIMARY);
  EXPECT_NE(stale.error().message.find("older than this log's epoch 7"), std::string::npos)
      << stale.error().message;
  EXPECT_EQ(replica_->LastCommit(), 1u);
  EXPECT_EQ(replica_->LastWireSeq(), 1u);
}

// What a commit record costs: revisions are named, never copied.
TEST_F(ReplicationStoreTest, CommitRecordsNameRevisionsInsteadOfCopyingThem) {
  std::vector<PublishInput> batch;
  for (int i = 0; i < 8; ++i) {
    batch.push_back({"desk", Numbered("key-", i), 0, testing::ExampleStory(1)});
    batch.back().article.set_id(Numbered("story-", i));
  }
  for (auto& result : Publish(std::move(batch))) ASSERT_OK(result);
  ASSERT_OK_AND_ASSIGN(auto page, primary_->ReadCommits(1, 10));
  ASSERT_EQ(page.commits_size(), 1);
  v1::CommitRecord record;
  ASSERT_TRUE(record.ParseFromString(page.commits(0).record()));
  EXPECT_EQ(record.first_wire_seq(), 1u);
  EXPECT_EQ(record.last_wire_seq(), 8u);
  EXPECT_EQ(record.ops_size(), 8);  // The idempotency records alone.
  for (const auto& op : record.ops()) EXPECT_FALSE(op.delete_());
  std::size_t articles = 0;
  for (const auto& revision : page.commits(0).revisions()) articles += revision.size();
  EXPECT_LT(page.commits(0).record().size() * 5, articles / 2);
}

// Retention cutting through one batch's channel runs, in chunks and in two
// passes, replicates exactly, and a replica reopened (as when promoted)
// goes on from the same channel heads.
TEST_F(ReplicationStoreTest, RetentionThroughABatchReplicatesAndAReopenedReplicaKeepsItsHeads) {
  const std::string feed = "f/test-feed|";
  std::vector<PublishInput> batch;
  for (int i = 0; i < 1500; ++i) {
    batch.push_back({"desk", "", 0, MakeArticle(Numbered("old-", i), "Old")});
  }
  for (auto& result : Publish(std::move(batch))) ASSERT_OK(result);
  std::vector<PublishInput> mid;
  for (int i = 0; i < 3; ++i) {
    mid.push_back({"desk", "", 0, MakeArticle(Numbered("mid-", i), "Mid")});
  }
  for (auto& result : Publish(std::move(mid), kTime + 7200 * kSecond)) ASSERT_OK(result);
  auto other = MakeArticle("other", "Elsewhere");
  other.set_feed("other-feed");
  ASSERT_OK(PublishOne(other, "", kTime + 86400 * kSecond));
  Replicate();
  ASSERT_OK_AND_ASSIGN(auto removed, primary_->ApplyRetention(kTime + 3600 * kSecond));
  EXPECT_EQ(removed, 1500u);
  Replicate();
  ASSERT_OK_AND_ASSIGN(removed, primary_->ApplyRetention(kTime + 8000 * kSecond));
  EXPECT_EQ(removed, 3u);
  Replicate();
  EXPECT_EQ(replica_->LastChannelSeq(feed), 1503u);
  replica_.reset();
  replica_ = Open("replica");
  EXPECT_EQ(replica_->LastChannelSeq(feed), 1503u);
  primary_.reset();
  primary_ = Open("primary");
  EXPECT_EQ(primary_->LastChannelSeq(feed), 1503u);
  ExpectIdentical();
}

}  // namespace
}  // namespace newswire::store
