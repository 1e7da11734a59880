// Unicode end to end against a real newswired: NFC on ingest and in
// subscriptions, line terminators and controls refused, and the CLI never
// showing half a character.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/article.h"
#include "newswire/core/unicode.h"
#include "newswire/core/utf8.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Daemon;
using testing::MakeArticle;
using testing::NewswirePath;

constexpr auto kWait = 10s;
const std::string kSocieteNfc = "Société Générale";
const std::string kSocieteNfd = "Socie\u0301te\u0301 Ge\u0301ne\u0301rale";

class UnicodeTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(dir_.path() + "/store"); }

  std::unique_ptr<publisher::Publisher> NewPublisher() {
    publisher::PublisherOptions options;
    options.hub = daemon_->hub();
    options.publisher_id = "unicode-test";
    auto publisher = publisher::Publisher::Connect(options);
    EXPECT_TRUE(publisher);
    return std::move(*publisher);
  }

  Result<std::unique_ptr<subscriber::Subscriber>> Subscribe(std::vector<std::string> topics) {
    subscriber::SubscriberOptions options;
    options.hub = daemon_->hub();
    options.channels.topics = std::move(topics);
    return subscriber::Subscriber::Connect(options);
  }

  // The next revision's article id, or "" at the deadline.
  static std::string NextArticleId(subscriber::Subscriber& subscriber) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto notice = subscriber.Next(200ms);
      if (!notice) return "";
      if (!notice->has_value()) continue;
      if (auto* delivery = std::get_if<subscriber::Delivery>(&**notice)) {
        return delivery->event.article_id();
      }
    }
    return "";
  }

  testing::Completed Newswire(std::vector<std::string> args,
                              std::optional<std::string> stdin_text = std::nullopt) {
    args.insert(args.begin(), NewswirePath());
    return testing::Run(std::move(args), std::move(stdin_text));
  }

  testing::Completed PublishJson(const json& article) {
    return Newswire({"publish", "--hub", daemon_->hub(), "-"}, article.dump());
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

json Story(const std::string& id, const std::string& headline, std::vector<std::string> body) {
  return {{"id", id},
          {"feed", "equities-asia"},
          {"headline", headline},
          {"body", body},
          {"time_zone", "Asia/Tokyo"}};
}

TEST_F(UnicodeTest, StoryResentDecomposedIsTheSameStoryUnchanged) {
  auto publisher = NewPublisher();
  auto nfc = MakeArticle("societe-talks", kSocieteNfc + " in talks, ガソリン prices");
  nfc.set_body(0, "Les négociations de " + kSocieteNfc + " avancent.");
  auto nfd = MakeArticle("societe-talks",
                         kSocieteNfd + " in talks, \u30AB\u3099\u30BD\u30EA\u30F3 prices");
  nfd.set_body(0, "Les ne\u0301gociations de " + kSocieteNfd + " avancent.");
  auto first = publisher->Publish(nfc);
  ASSERT_TRUE(first) << first.error().ToString();
  auto again = publisher->Publish(nfd);
  ASSERT_TRUE(again) << again.error().ToString();
  // The same text: an unchanged re-send, no new version.
  EXPECT_TRUE(again->unchanged());
  EXPECT_EQ(again->version(), first->version());
  EXPECT_EQ(again->content_hash(), first->content_hash());

  auto query = subscriber::QueryClient::Connect(daemon_->hub(), 5s);
  ASSERT_TRUE(query);
  auto before = (*query)->GetArticle("societe-talks", first->version());
  auto after = (*query)->GetArticle("societe-talks", again->version());
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->article().headline(), kSocieteNfc + " in talks, ガソリン prices");
  EXPECT_EQ(after->article().body(0), "Les négociations de " + kSocieteNfc + " avancent.");
  // Nothing but the version number differs: no text removed and re-added.
  v1::Article renumbered = after->article();
  renumbered.set_version(before->article().version());
  EXPECT_EQ(core::CanonicalBytes(renumbered), core::CanonicalBytes(before->article()));
  EXPECT_EQ(core::ContentHash(renumbered), core::ContentHash(before->article()));
}

TEST_F(UnicodeTest, TopicTypedInEitherFormReachesSubscribersOfTheOther) {
  auto decomposed = Subscribe({kSocieteNfd});
  ASSERT_TRUE(decomposed) << decomposed.error().ToString();
  auto precomposed = Subscribe({kSocieteNfc});
  ASSERT_TRUE(precomposed) << precomposed.error().ToString();
  auto publisher = NewPublisher();

  auto tagged_nfc = MakeArticle("tagged-nfc", "Bank results");
  tagged_nfc.add_topics(kSocieteNfc);
  ASSERT_TRUE(publisher->Publish(tagged_nfc));
  auto tagged_nfd = MakeArticle("tagged-nfd", "Bank outlook");
  tagged_nfd.add_topics(kSocieteNfd);
  ASSERT_TRUE(publisher->Publish(tagged_nfd));

  for (auto* subscriber : {decomposed->get(), precomposed->get()}) {
    EXPECT_EQ(NextArticleId(*subscriber), "tagged-nfc");
    EXPECT_EQ(NextArticleId(*subscriber), "tagged-nfd");
  }
}

TEST_F(UnicodeTest, TopicWithALineBreakIsAMalformedSubscription) {
  auto bad = Subscribe({"markets\u2028news"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, v1::ERROR_CODE_MALFORMED);
}

TEST_F(UnicodeTest, LineSeparatorOrTerminalEscapeInAOneLineFieldIsRefusedAndChangesNothing) {
  auto publisher = NewPublisher();
  auto separator = MakeArticle("separated", "First line\u2028second line");
  auto refused = publisher->Publish(separator);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_INVALID_ARTICLE);
  EXPECT_NE(refused.error().message.find("headline must be one line: it contains a line break "
                                         "(U+2028)"),
            std::string::npos)
      << refused.error().message;

  auto escape = MakeArticle("escaped", "Headline");
  escape.set_byline("Reporter \u009B2J");
  refused = publisher->Publish(escape);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("byline contains a control character (U+009B)"),
            std::string::npos)
      << refused.error().message;

  auto query = subscriber::QueryClient::Connect(daemon_->hub(), 5s);
  ASSERT_TRUE(query);
  EXPECT_FALSE((*query)->GetArticle("separated", 0)) << "nothing was stored";
  EXPECT_FALSE((*query)->GetArticle("escaped", 0));
}

TEST_F(UnicodeTest, DiffShowsAFlagChangeAsWholeFlags) {
  const std::string before =
      "The desk's year-end trip to 🇯🇵 is booked, the travel office said on Monday, and the "
      "team voted 👍🏻 on the hotel.";
  std::string after = before;
  after.replace(after.find("🇯🇵"), 8, "🇯🇲").replace(after.find("👍🏻"), 8, "👍🏿");
  ASSERT_EQ(PublishJson(Story("trip", "Desk trip", {before})).exit_code, 0);
  ASSERT_EQ(PublishJson(Story("trip", "Desk trip", {after})).exit_code, 0);
  auto diff = Newswire({"diff", "--hub", daemon_->hub(), "--no-color", "trip", "1", "2"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("trip to [-🇯🇵-]{+🇯🇲+} is booked"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("voted [-👍🏻-]{+👍🏿+} on"), std::string::npos) << diff.out;
}

// Every line `blame` and `stats` print is valid UTF-8, and text cut to fit
// is cut between characters, by display width (a kanji takes two columns).
TEST_F(UnicodeTest, BlameAndStatsTruncateByDisplayWidthNeverMidCharacter) {
  const std::string headline =
      "ソフトバンクグループ、英半導体設計大手の買収で最終調整　関係者が明らかに";
  const std::string paragraph =
      "ソフトバンクグループは25日、英半導体設計大手の買収に向けて最終調整に入った。"
      "買収額は約3兆円になる見通しで、早ければ来月にも発表する。";
  ASSERT_EQ(PublishJson(Story("sbg-deal", headline, {paragraph})).exit_code, 0);

  auto blame = Newswire({"blame", "--hub", daemon_->hub(), "sbg-deal"});
  ASSERT_EQ(blame.exit_code, 0) << blame.err;
  ASSERT_TRUE(core::IsValidUtf8(blame.out)) << blame.out;
  const std::size_t at = blame.out.find("paragraph 1: ");
  ASSERT_NE(at, std::string::npos) << blame.out;
  std::string shown = blame.out.substr(at + 13);
  shown = shown.substr(0, shown.find('\n'));
  EXPECT_EQ(shown, core::TruncateToWidth(paragraph, 70));
  EXPECT_EQ(shown.substr(shown.size() - 3), "...");
  EXPECT_EQ(core::DisplayWidth(shown), 69) << "33 kanji and kana, then ...";

  auto stats = Newswire({"stats", "--hub", daemon_->hub(), "--no-color"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  ASSERT_TRUE(core::IsValidUtf8(stats.out)) << stats.out;
  const std::size_t line = stats.out.find("sbg-deal v1  ");
  ASSERT_NE(line, std::string::npos) << stats.out;
  std::string title = stats.out.substr(line + 13);
  title = title.substr(0, title.find('\n'));
  EXPECT_EQ(title, core::TruncateToWidth(headline, 50));
  EXPECT_LE(core::DisplayWidth(title), 50);
}

}  // namespace
}  // namespace newswire
