#include <gtest/gtest.h>

#include "articles.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/embedded.h"
#include "newswire/core/hub.h"
#include "newswire/core/utf8.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::core {
namespace {

using testing::ExampleStory;

v1::Article Valid() { return testing::MakeArticle("story-1", "Headline"); }

void ExpectInvalid(v1::Article article, const std::string& mentions) {
  auto result = NormalizeAndValidate(article);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_INVALID_ARTICLE);
  EXPECT_NE(result.error().message.find(mentions), std::string::npos) << result.error().message;
}

TEST(ArticleTest, ExampleStoryIsValid) {
  for (int version : {1, 2}) {
    auto article = ExampleStory(version);
    EXPECT_TRUE(NormalizeAndValidate(article)) << "version " << version;
  }
}

TEST(ArticleTest, FillsDefaultsAndClearsVersion) {
  auto article = Valid();
  article.set_version(7);
  ASSERT_TRUE(NormalizeAndValidate(article));
  EXPECT_EQ(article.urgency(), 5u);
  EXPECT_EQ(article.pubstatus(), v1::PUB_STATUS_USABLE);
  EXPECT_EQ(article.version(), 0u);
}

TEST(ArticleTest, RejectsMissingIdFeedOrHeadline) {
  auto no_id = Valid();
  no_id.clear_id();
  ExpectInvalid(no_id, "id");
  auto no_feed = Valid();
  no_feed.clear_feed();
  ExpectInvalid(no_feed, "feed");
  auto no_headline = Valid();
  no_headline.clear_headline();
  ExpectInvalid(no_headline, "headline");
}

TEST(ArticleTest, RejectsUrgencyOutsideOneToNine) {
  auto article = Valid();
  article.set_urgency(10);
  ExpectInvalid(article, "urgency");
}

TEST(ArticleTest, RejectsInvalidUtf8AndControlCharacters) {
  auto bad_utf8 = Valid();
  bad_utf8.set_body(1, std::string("caf\xC3", 4));
  ExpectInvalid(bad_utf8, "body[1] is not valid UTF-8");
  auto control = Valid();
  control.set_headline("line\x01");
  ExpectInvalid(control, "headline contains a control character");
  auto newline_in_headline = Valid();
  newline_in_headline.set_headline("two\nlines");
  ExpectInvalid(newline_in_headline, "headline");
}

TEST(ArticleTest, RejectsEmptyParagraphNamingIt) {
  auto article = Valid();
  article.add_body("");
  ExpectInvalid(article, "body[3] is empty");
}

TEST(ArticleTest, RejectsChannelTerminatorInTopic) {
  auto article = Valid();
  article.add_topics("a|b");
  ExpectInvalid(article, "topics");
}

TEST(ArticleTest, RejectsBadInstrument) {
  auto article = Valid();
  article.mutable_instruments(0)->set_exchange("TOKYO");
  ExpectInvalid(article, "instruments[0].exchange");
}

TEST(ArticleTest, SortsAndDeduplicatesSetsSoHashIgnoresOrder) {
  auto a = Valid();
  auto b = Valid();
  a.clear_topics();
  b.clear_topics();
  for (auto* t : {"rates", "fx", "rates"}) a.add_topics(t);
  for (auto* t : {"fx", "rates"}) b.add_topics(t);
  ASSERT_TRUE(NormalizeAndValidate(a));
  ASSERT_TRUE(NormalizeAndValidate(b));
  EXPECT_EQ(a.topics_size(), 2);
  EXPECT_EQ(ContentHash(a), ContentHash(b));
}

TEST(ArticleTest, HashChangesWithAnyContentChange) {
  auto a = Valid();
  ASSERT_TRUE(NormalizeAndValidate(a));
  auto b = a;
  b.set_body(0, b.body(0) + " ");
  EXPECT_NE(ContentHash(a), ContentHash(b));
  EXPECT_EQ(ContentHash(a).size(), 32u);
}

TEST(ArticleTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Utf8Test, AcceptsJapaneseAndEmojiRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("ソフトバンクG、協議中 📈"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // Overlong.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Past U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("abc\xE3\x81"));       // Truncated.
}

// The word-at-a-time scan agrees with a byte-at-a-time reading wherever the
// offending byte sits in its eight-byte word, and whatever surrounds it.
TEST(Utf8Test, TextCheckFindsEveryControlCharacterAtEveryOffset) {
  auto reference = [](std::string_view text, bool allow_newlines) {
    if (!IsValidUtf8(text)) return TextFault::kInvalidUtf8;
    for (char c : text) {
      auto u = static_cast<unsigned char>(c);
      if (u == 0x7F || (u < 0x20 && u != '\t' && !(allow_newlines && u == '\n'))) {
        return TextFault::kControlCharacter;
      }
    }
    return TextFault::kNone;
  };
  const std::string fillers[] = {"Markets rallied on the news today, analysts said",
                                 "日経平均は続伸、半導体株が買われた 📈 and more text"};
  for (const std::string& filler : fillers) {
    for (std::size_t at = 0; at <= filler.size(); ++at) {
      if (!IsCharBoundary(filler, at)) continue;
      for (int byte = 0; byte < 0x80; ++byte) {
        std::string text = filler;
        text.insert(at, 1, static_cast<char>(byte));
        for (bool newlines : {false, true}) {
          ASSERT_EQ(CheckTextBytes(text, newlines), reference(text, newlines))
              << "byte " << byte << " at " << at << " in \"" << filler << "\"";
        }
      }
    }
  }
  EXPECT_EQ(CheckTextBytes("tab\tand\nnewline", true), TextFault::kNone);
  EXPECT_EQ(CheckTextBytes("newline\n", false), TextFault::kControlCharacter);
  EXPECT_EQ(CheckTextBytes("\x01 then bad \xC0\xAF", false), TextFault::kInvalidUtf8)
      << "invalid UTF-8 outranks a control character";
  EXPECT_EQ(CheckTextBytes("", false), TextFault::kNone);
}

TEST(EmbeddedTest, SplicedArticleIsTheRequestsOwnSerialisation) {
  auto article = Valid();
  ASSERT_TRUE(NormalizeAndValidate(article));
  article.add_body(std::string(300, 'x'));  // A length past one varint byte.
  v1::PublishRequest request;
  request.set_request_id(300);
  request.set_publisher_id("desk");
  request.set_base_version(2);
  std::string spliced = request.SerializeAsString();
  AppendEmbedded(spliced, v1::PublishRequest::kArticleFieldNumber, article.SerializeAsString());
  *request.mutable_article() = article;
  EXPECT_EQ(spliced, request.SerializeAsString());
}

TEST(ChannelTest, NoChannelIsAPrefixOfAnother) {
  auto nvda = InstrumentChannel("XNAS", "NVDA");
  auto nvdax = InstrumentChannel("XNAS", "NVDAX");
  EXPECT_NE(nvdax.rfind(nvda, 0), 0u) << nvda << " prefixes " << nvdax;
  EXPECT_NE(FeedChannel("eq-asia").rfind(FeedChannel("eq"), 0), 0u);
}

TEST(ChannelTest, ArticleGoesOutOnWireFeedInstrumentsAndTopics) {
  auto article = Valid();
  auto channels = ChannelsOf(article);
  ASSERT_EQ(channels.size(), 4u);
  EXPECT_EQ(channels[0], WireChannel());
  EXPECT_EQ(channels[1], FeedChannel("test-feed"));
  EXPECT_EQ(channels[2], InstrumentChannel("XTKS", "9984"));
  EXPECT_EQ(channels[3], TopicChannel("markets"));
}

TEST(ChannelTest, SequenceFrameRoundTrips) {
  EXPECT_EQ(DecodeSequence(EncodeSequence(0x0102030405060708ULL)), 0x0102030405060708ULL);
  EXPECT_FALSE(DecodeSequence("short"));
}

TEST(HubTest, DerivesThreeConsecutivePorts) {
  auto hub = ParseHub("tcp://127.0.0.1:7700");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->ingest, "tcp://127.0.0.1:7700");
  EXPECT_EQ(hub->fanout, "tcp://127.0.0.1:7701");
  EXPECT_EQ(hub->query, "tcp://127.0.0.1:7702");
}

TEST(HubTest, AnIpcHubNamesThreeSocketPaths) {
  auto hub = ParseHub("ipc:///run/newswire/hub");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->address, "ipc:///run/newswire/hub");
  EXPECT_EQ(hub->ingest, "ipc:///run/newswire/hub.ingest");
  EXPECT_EQ(hub->fanout, "ipc:///run/newswire/hub.fanout");
  EXPECT_EQ(hub->query, "ipc:///run/newswire/hub.query");
}

TEST(HubTest, RejectsMalformedAddresses) {
  for (auto* bad : {"127.0.0.1:7700", "tcp://127.0.0.1", "tcp://:7700", "tcp://h:99999",
                    "tcp://h:77x", "ipc://", "udp://h:7700"}) {
    auto hub = ParseHub(bad);
    ASSERT_FALSE(hub) << bad;
    EXPECT_EQ(hub.error().code, v1::ERROR_CODE_MALFORMED);
  }
}

}  // namespace
}  // namespace newswire::core
