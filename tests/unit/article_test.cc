#include <gtest/gtest.h>

#include "articles.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/embedded.h"
#include "newswire/core/hub.h"
#include "newswire/core/unicode.h"
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

TEST(ArticleTest, OneLineFieldsRefuseEveryLineBreakAndControlNamingIt) {
  using Setter = void (*)(v1::Article&, const std::string&);
  const std::pair<const char*, Setter> fields[] = {
      {"headline", [](v1::Article& a, const std::string& t) { a.set_headline(t); }},
      {"byline", [](v1::Article& a, const std::string& t) { a.set_byline(t); }},
      {"ednote", [](v1::Article& a, const std::string& t) { a.set_ednote(t); }},
      {"source", [](v1::Article& a, const std::string& t) { a.set_source(t); }},
      {"topics[1]", [](v1::Article& a, const std::string& t) { a.add_topics(t); }},
  };
  const std::pair<const char*, const char*> breaks[] = {{"\n", "line break (U+000A)"},
                                                        {"\r", "line break (U+000D)"},
                                                        {"\v", "line break (U+000B)"},
                                                        {"\f", "line break (U+000C)"},
                                                        {"\u0085", "line break (U+0085)"},
                                                        {"\u2028", "line break (U+2028)"},
                                                        {"\u2029", "line break (U+2029)"},
                                                        {"\u009B", "control character (U+009B)"},
                                                        {"\u0080", "control character (U+0080)"},
                                                        {"\x1B", "control character (U+001B)"}};
  for (const auto& [field, set] : fields) {
    for (const auto& [bad, says] : breaks) {
      auto article = Valid();
      set(article, std::string("Two") + bad + "parts");
      ExpectInvalid(article,
                    std::string(field) +
                        (says[0] == 'l' ? " must be one line: it contains a " : " contains a ") +
                        says);
    }
  }
}

TEST(ArticleTest, ParagraphsTakeUnicodeLineSeparatorsButNoControls) {
  auto article = Valid();
  article.set_body(0, "First line\u2028second line\u2029third\u0085fourth\nfifth");
  article.add_key_points("One\u2028two");
  EXPECT_TRUE(NormalizeAndValidate(article));
  auto csi = Valid();
  csi.set_body(1, "Red \u009B31m alert");
  ExpectInvalid(csi, "body[1] contains a control character (U+009B)");
  auto cr = Valid();
  cr.add_key_points("Windows\r\nline ends");
  ExpectInvalid(cr, "key_points[0] contains a control character (U+000D)");
}

// W3C Character Model: text is compared in NFC. A story re-sent with its
// accents decomposed is the same story, byte for byte.
TEST(ArticleTest, EveryTextFieldIsBroughtToNfcSoTheHashIgnoresTheForm) {
  auto nfc = Valid();
  nfc.set_headline("Nestlé and Hermès talks: ガソリン prices");
  nfc.add_key_points("Café déjà vu");
  nfc.set_body(0, "Über die Fusion sprach Mañana ガ");
  nfc.set_ednote("Corrects Zoë's title");
  nfc.set_byline("Zoë Müller");
  nfc.set_source("Agence Française");
  nfc.clear_topics();
  nfc.add_topics("Société Générale");
  auto nfd = Valid();
  nfd.set_headline("Nestle\u0301 and Herme\u0300s talks: \u30AB\u3099\u30BD\u30EA\u30F3 prices");
  nfd.add_key_points("Cafe\u0301 de\u0301ja\u0300 vu");
  nfd.set_body(0, "U\u0308ber die Fusion sprach Man\u0303ana \u30AB\u3099");
  nfd.set_ednote("Corrects Zoe\u0308's title");
  nfd.set_byline("Zoe\u0308 Mu\u0308ller");
  nfd.set_source("Agence Franc\u0327aise");
  nfd.clear_topics();
  nfd.add_topics("Socie\u0301te\u0301 Ge\u0301ne\u0301rale");
  ASSERT_NE(nfc.headline(), nfd.headline());
  ASSERT_TRUE(NormalizeAndValidate(nfc));
  ASSERT_TRUE(NormalizeAndValidate(nfd));
  EXPECT_EQ(nfd.headline(), "Nestlé and Hermès talks: ガソリン prices");
  EXPECT_EQ(nfd.body(0), "Über die Fusion sprach Mañana ガ");
  EXPECT_EQ(nfd.topics(0), "Société Générale");
  EXPECT_EQ(CanonicalBytes(nfd), CanonicalBytes(nfc));
  EXPECT_EQ(ContentHash(nfd), ContentHash(nfc));
}

TEST(ArticleTest, TopicsEqualOnceNormalisedAreOneTopic) {
  auto article = Valid();
  article.clear_topics();
  article.add_topics("Société");
  article.add_topics("Socie\u0301te\u0301");
  ASSERT_TRUE(NormalizeAndValidate(article));
  ASSERT_EQ(article.topics_size(), 1);
  EXPECT_EQ(article.topics(0), "Société");
}

TEST(ArticleTest, HeadlineLimitAppliesToTheNormalisedText) {
  // U+0958 (क़) is excluded from composition: NFC decomposes it, 3 -> 6 bytes.
  auto article = Valid();
  std::string headline;
  while (headline.size() < 600) headline += "\u0958";
  article.set_headline(headline);
  ExpectInvalid(article, "headline is over 1024 bytes");
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

TEST(ArticleTest, TimeZoneMustBeInTheTzDatabase) {
  for (const char* zone : {"Mars/Olympus_Mons", "Asia/Tokio", "JST+9"}) {
    auto article = Valid();
    article.set_time_zone(zone);
    ExpectInvalid(article, "time_zone must be an IANA zone such as Asia/Tokyo");
  }
  for (const char* zone : {"Asia/Tokyo", "Europe/London", "UTC", "Etc/GMT-9"}) {
    auto article = Valid();
    article.set_time_zone(zone);
    EXPECT_TRUE(NormalizeAndValidate(article)) << zone;
  }
}

TEST(ArticleTest, TimesOutsideTheYears1To9999AreRefusedNamingTheField) {
  auto far = Valid();
  far.mutable_embargoed()->set_seconds(253'402'300'800);  // 10000-01-01
  ExpectInvalid(far, "embargoed is out of range");
  auto negative_nanos = Valid();
  negative_nanos.mutable_versioncreated()->set_nanos(-1);
  ExpectInvalid(negative_nanos, "versioncreated is out of range");
  auto last = Valid();
  last.mutable_embargoed()->set_seconds(253'402'300'799);  // 9999-12-31T23:59:59Z
  EXPECT_TRUE(NormalizeAndValidate(last));
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
  // The reused per-thread context starts afresh each time.
  EXPECT_EQ(Sha256("abc"), Sha256("abc"));
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ArticleTest, Sha256MatchesChecksTheWholeDigest) {
  const std::string digest = Sha256("abc");
  EXPECT_TRUE(Sha256Matches("abc", digest));
  EXPECT_FALSE(Sha256Matches("abd", digest));
  std::string flipped = digest;
  flipped.back() ^= 1;
  EXPECT_FALSE(Sha256Matches("abc", flipped));
  EXPECT_FALSE(Sha256Matches("abc", digest.substr(0, 31))) << "a digest cut short";
  EXPECT_FALSE(Sha256Matches("abc", ""));
}

TEST(Utf8Test, AcceptsJapaneseAndEmojiRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("ソフトバンクG、協議中 📈"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // Overlong.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Past U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("abc\xE3\x81"));       // Truncated.
}

// The word-at-a-time scan agrees with a character-at-a-time reading
// wherever the offending character sits in its eight-byte word, and
// whatever surrounds it.
TEST(Utf8Test, TextCheckFindsEveryControlCharacterAtEveryOffset) {
  auto reference = [](std::string_view text, bool allow_newlines) {
    if (!IsValidUtf8(text)) return TextFault::kInvalidUtf8;
    for (std::size_t pos = 0; pos < text.size();) {
      const Utf8Char ch = FirstChar(text.substr(pos));
      pos += ch.length;
      const uint32_t c = ch.code_point;
      const bool newline = c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
      const bool line_break = newline || c == '\r' || c == '\v' || c == '\f';
      if (allow_newlines && newline) continue;
      if (!allow_newlines && line_break) return TextFault::kLineBreak;
      if ((c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F)) {
        return TextFault::kControlCharacter;
      }
    }
    return TextFault::kNone;
  };
  std::vector<std::string> inserts;
  for (int byte = 0; byte < 0x80; ++byte) inserts.emplace_back(1, static_cast<char>(byte));
  for (uint32_t c = 0x80; c <= 0xA0; ++c) {  // C1 controls, NEL and NBSP (allowed).
    inserts.push_back({static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))});
  }
  for (const char* c : {"\u2027", "\u2028", "\u2029", "\u202A", "é", "📈"}) inserts.push_back(c);
  const std::string fillers[] = {"Markets rallied on the news today, analysts said",
                                 "日経平均は続伸、半導体株が買われた 📈 and more text"};
  for (const std::string& filler : fillers) {
    for (std::size_t at = 0; at <= filler.size(); ++at) {
      if (!IsCharBoundary(filler, at)) continue;
      for (const std::string& insert : inserts) {
        std::string text = filler;
        text.insert(at, insert);
        for (bool newlines : {false, true}) {
          ASSERT_EQ(CheckTextBytes(text, newlines), reference(text, newlines))
              << "U+" << std::hex << FirstChar(insert).code_point << " at " << std::dec << at
              << " in \"" << filler << "\", newlines " << newlines;
        }
      }
    }
  }
  EXPECT_EQ(CheckTextBytes("tab\tand\nnewline", true), TextFault::kNone);
  EXPECT_EQ(CheckTextBytes("newline\n", false), TextFault::kLineBreak);
  EXPECT_EQ(CheckTextBytes("\x01 then bad \xC0\xAF", false), TextFault::kInvalidUtf8)
      << "invalid UTF-8 outranks a control character";
  EXPECT_EQ(CheckTextBytes("", false), TextFault::kNone);
}

// Each line terminator of Unicode (UAX #14 BK, CR, LF, NL) and each C0/C1
// control, by name, in a one-line and in a multi-line field.
TEST(Utf8Test, LineBreaksAndControlsAreNamedInOneLineAndMultiLineFields) {
  struct Case {
    const char* text;
    uint32_t code_point;
    TextFault one_line, multi_line;
  };
  const Case cases[] = {
      {"a\nb", 0x0A, TextFault::kLineBreak, TextFault::kNone},
      {"a\rb", 0x0D, TextFault::kLineBreak, TextFault::kControlCharacter},
      {"a\vb", 0x0B, TextFault::kLineBreak, TextFault::kControlCharacter},
      {"a\fb", 0x0C, TextFault::kLineBreak, TextFault::kControlCharacter},
      {"a\u0085b", 0x85, TextFault::kLineBreak, TextFault::kNone},  // NEL
      {"a\u2028b", 0x2028, TextFault::kLineBreak, TextFault::kNone},
      {"a\u2029b", 0x2029, TextFault::kLineBreak, TextFault::kNone},
      {"a\u009B31mred", 0x9B, TextFault::kControlCharacter, TextFault::kControlCharacter},  // CSI
      {"a\u0080b", 0x80, TextFault::kControlCharacter, TextFault::kControlCharacter},
      {"a\u009Fb", 0x9F, TextFault::kControlCharacter, TextFault::kControlCharacter},
      {"a\x1B[2Jb", 0x1B, TextFault::kControlCharacter, TextFault::kControlCharacter},  // ESC
      {"a\x7F"
       "b",
       0x7F, TextFault::kControlCharacter, TextFault::kControlCharacter},
      {"a\x01"
       "b",
       0x01, TextFault::kControlCharacter, TextFault::kControlCharacter},
  };
  for (const Case& c : cases) {
    TextFacts facts;
    EXPECT_EQ(CheckTextBytes(c.text, false, &facts), c.one_line) << std::hex << c.code_point;
    EXPECT_EQ(facts.culprit, c.code_point);
    EXPECT_EQ(CheckTextBytes(c.text, true, &facts), c.multi_line) << std::hex << c.code_point;
    EXPECT_EQ(facts.culprit, c.multi_line == TextFault::kNone ? 0 : c.code_point);
  }
  EXPECT_EQ(CheckTextBytes("tab\tand\u00A0no-break space", false), TextFault::kNone);
  TextFacts facts;
  EXPECT_EQ(CheckTextBytes("first \u2028 then \x01", false, &facts), TextFault::kLineBreak);
  EXPECT_EQ(facts.culprit, 0x2028u) << "the first offending character is named";
  EXPECT_TRUE(facts.from_u0300);
  EXPECT_EQ(CheckTextBytes("Zoë Müller, Łódź", false, &facts), TextFault::kNone);
  EXPECT_FALSE(facts.from_u0300) << "Latin-1 and Latin Extended: always NFC";
  EXPECT_EQ(CheckTextBytes("e\u0301", false, &facts), TextFault::kNone);
  EXPECT_TRUE(facts.from_u0300);
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

TEST(ChannelTest, TopicTypedInAnyNormalisationFormIsOneChannel) {
  EXPECT_EQ(TopicChannel("Socie\u0301te\u0301 Ge\u0301ne\u0301rale"), "t/Société Générale|");
  EXPECT_EQ(TopicChannel("\u30AB\u3099\u30BD\u30EA\u30F3"), TopicChannel("ガソリン"));
  EXPECT_EQ(TopicChannel("markets"), "t/markets|");
}

TEST(ChannelTest, ArticleGoesOutOnWireFeedInstrumentsAndTopicsThenScopedOnes) {
  auto article = Valid();
  auto channels = ChannelsOf(article);
  ASSERT_EQ(channels.size(), 6u);
  EXPECT_EQ(channels[0], WireChannel());
  EXPECT_EQ(channels[1], FeedChannel("test-feed"));
  EXPECT_EQ(channels[2], InstrumentChannel("XTKS", "9984"));
  EXPECT_EQ(channels[3], TopicChannel("markets"));
  EXPECT_EQ(channels[4], "f/test-feed/i/XTKS:9984|");
  EXPECT_EQ(channels[5], "f/test-feed/t/markets|");
}

// A scoped channel names its feed and what it scopes; its topic frame
// neither prefixes nor is prefixed by the feed's or the instrument's.
TEST(ChannelTest, ScopedChannelsBelongToOneFeedAndPrefixNothingElse) {
  const auto scoped = ScopedChannel("eq", InstrumentChannel("XNAS", "NVDA"));
  EXPECT_EQ(KindOf(scoped), ChannelKind::kScoped);
  EXPECT_EQ(FeedOf(scoped), "eq");
  EXPECT_EQ(Unscoped(scoped), "i/XNAS:NVDA|");
  EXPECT_EQ(ChannelName(scoped), "XNAS:NVDA");
  EXPECT_EQ(KindOf(FeedChannel("eq")), ChannelKind::kFeed);
  EXPECT_EQ(FeedOf(FeedChannel("eq")), "eq");
  EXPECT_EQ(FeedOf(InstrumentChannel("XNAS", "NVDA")), "");
  EXPECT_NE(scoped.rfind(FeedChannel("eq"), 0), 0u);
  EXPECT_NE(scoped.rfind(InstrumentChannel("XNAS", "NVDA"), 0), 0u);
  EXPECT_NE(ScopedChannel("eq", TopicChannel("M&A")).rfind(ScopedChannel("e", ""), 0), 0u);
}

// The replication channel is a kind of its own, never taken for the wire
// (whose readers may not read what it carries: held embargoes).
TEST(ChannelTest, TheReplicationChannelIsNotTheWire) {
  EXPECT_EQ(KindOf(ReplicationChannel()), ChannelKind::kReplication);
  EXPECT_EQ(KindOf(WireChannel()), ChannelKind::kWire);
  EXPECT_TRUE(IsChannelTopic(ReplicationChannel()));
  EXPECT_EQ(FeedOf(ReplicationChannel()), "");
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
