// Figure changes as a desk receives them (README "Figure changes"):
// published corrections through a real newswired, followed live by the
// subscriber library and by `newswire tail`, in English, Japanese (full-
// width digits, 億), Thai and with signs, percentages and currencies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/subscriber.h"
#include "process.h"
#include "result_assertions.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class FiguresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::Daemon>(dir_.path() + "/store");
    subscriber::SubscriberOptions options;
    options.hub = daemon_->hub();
    ASSERT_OK_AND_ASSIGN(subscriber_, subscriber::Subscriber::Connect(options));
    publisher::PublisherOptions publisher_options;
    publisher_options.hub = daemon_->hub();
    ASSERT_OK_AND_ASSIGN(publisher_, publisher::Publisher::Connect(publisher_options));
  }

  static v1::Article Story(const std::string& id, const std::string& language,
                           std::vector<std::string> body, const std::string& headline = "Talks") {
    auto article = testing::MakeArticle(id, headline, 0);
    article.set_language(language);
    for (auto& paragraph : body) article.add_body(paragraph);
    return article;
  }

  // Publishes `before` then `after` and returns the second delivery's
  // figure changes, as the library computed them on arrival.
  std::vector<core::FigureChange> Publish(const v1::Article& before, const v1::Article& after) {
    for (const auto* article : {&before, &after}) {
      auto ack = publisher_->Publish(*article, {});
      EXPECT_TRUE(ack) << ack.error().ToString();
    }
    std::vector<core::FigureChange> out;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto notice = subscriber_->Next(100ms);
      if (!notice || !*notice) continue;
      auto* d = std::get_if<subscriber::Delivery>(&**notice);
      if (!d || d->event.article_id() != after.id() || d->event.version() != 2) continue;
      EXPECT_TRUE(d->verified);
      EXPECT_NE(d->previous, nullptr) << "the library held version 1";
      return d->figure_changes();
    }
    ADD_FAILURE() << "version 2 of " << after.id() << " never arrived";
    return out;
  }

  static std::vector<std::string> Lines(const std::vector<core::FigureChange>& changes) {
    std::vector<std::string> out;
    for (const auto& c : changes) out.push_back(core::FigureChangeLine(c));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Daemon> daemon_;
  std::unique_ptr<subscriber::Subscriber> subscriber_;
  std::unique_ptr<publisher::Publisher> publisher_;
};

using Strings = std::vector<std::string>;

TEST_F(FiguresTest, TheExampleStorysCorrectionChangesItsShareMoveOnly) {
  auto v2 = testing::ExampleStory(2);
  auto v3 = v2;
  for (auto& point : *v3.mutable_key_points()) {
    if (auto at = point.find("3.2%"); at != std::string::npos) point.replace(at, 4, "3.4%");
  }
  for (auto& paragraph : *v3.mutable_body()) {
    if (auto at = paragraph.find("3.2%"); at != std::string::npos) paragraph.replace(at, 4, "3.4%");
  }
  v3.set_ednote("Corrects share move to 3.4%");
  v2.clear_version();
  EXPECT_EQ(Lines(Publish(v2, v3)),
            (Strings{"3.2% → 3.4% (key point 3: \"Minato shares jumped … in late trading\")",
                     "3.2% → 3.4% (paragraph 3: \"Minato shares rose … to 4,515 yen\")"}));
}

TEST_F(FiguresTest, EnglishCurrenciesSignsAndPercentages) {
  auto changes =
      Publish(Story("en", "en",
                    {"Kaito offered ¥4,515 a share, or 180 billion yen, and sales fell -0.8%."}),
              Story("en", "en",
                    {"Kaito offered ¥4,520 a share, or 210 billion yen, and sales fell -1.2%."}));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].after->text, "¥4,520");
  EXPECT_EQ(changes[0].after->unit, "JPY");
  EXPECT_EQ(changes[1].before->value, "180000000000");
  EXPECT_EQ(changes[1].after->value, "210000000000");
  EXPECT_EQ(changes[2].before->value, "-0.8");
  EXPECT_EQ(changes[2].after->value, "-1.2");
  EXPECT_EQ(changes[2].after->unit, "%");
}

TEST_F(FiguresTest, JapaneseFullWidthDigitsAndOku) {
  auto changes = Publish(Story("ja", "ja", {"買収額は１８００億円、株価は前年比▲０．８％。"}),
                         Story("ja", "ja", {"買収額は２１００億円、株価は前年比▲０．８％。"}));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, core::FigureChange::Kind::kChanged);
  EXPECT_EQ(changes[0].before->text, "１８００億円");
  EXPECT_EQ(changes[0].after->text, "２１００億円");
  EXPECT_EQ(changes[0].after->value, "210000000000");
  EXPECT_EQ(changes[0].after->unit, "JPY");
}

TEST_F(FiguresTest, NumbersInsideThaiText) {
  auto changes = Publish(Story("th", "th", {"หุ้นมินาโตะปรับตัวขึ้น3.2%ที่ 4,515 เยน ในช่วงครึ่งชั่วโมงสุดท้าย"}),
                         Story("th", "th", {"หุ้นมินาโตะปรับตัวขึ้น3.4%ที่ 4,515 เยน ในช่วงครึ่งชั่วโมงสุดท้าย"}));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].before->text, "3.2%");
  EXPECT_EQ(changes[0].after->text, "3.4%");
}

TEST_F(FiguresTest, NoneWhenOnlyWordsChange) {
  EXPECT_EQ(Lines(Publish(Story("words", "en", {"Minato shares rose 3.2% to 4,515 yen."}),
                          Story("words", "en",
                                {"Minato stock climbed 3.2% to 4,515 yen, "
                                 "traders said."}))),
            Strings{});
}

TEST_F(FiguresTest, TailFiguresOnlyPrintsRevisionsThatChangeFigures) {
  testing::Process tail({testing::NewswirePath(), "tail", "--hub", daemon_->hub(), "--json",
                         "--figures-only", "--count", "1"});
  ASSERT_TRUE(tail.WaitForStderr("following", 10s)) << tail.AllStderr();
  const auto v1 = Story("cli", "en", {"Shares rose 3.2% to 4,515 yen."});
  ASSERT_OK(publisher_->Publish(v1, {}));
  ASSERT_OK(publisher_->Publish(Story("cli", "en", {"Stock rose 3.2% to 4,515 yen."}), {}));
  ASSERT_OK(publisher_->Publish(Story("cli", "en", {"Stock rose 3.4% to 4,515 yen."}), {}));
  auto line = tail.ReadStdoutLine(10s);
  ASSERT_TRUE(line) << tail.AllStderr();
  const auto printed = json::parse(*line);
  EXPECT_EQ(printed["version"], 3) << "versions 1 and 2 change no figure";
  ASSERT_EQ(printed["figures"].size(), 1u);
  EXPECT_EQ(printed["figures"][0]["change"], "changed");
  EXPECT_EQ(printed["figures"][0]["where"], "paragraph 1");
  EXPECT_EQ(printed["figures"][0]["before"]["text"], "3.2%");
  EXPECT_EQ(printed["figures"][0]["after"]["value"], "3.4");
  EXPECT_EQ(printed["figures"][0]["context"], "Stock rose … to 4,515 yen");
  EXPECT_EQ(tail.Wait(10s), 0);
}

TEST_F(FiguresTest, TailPrintsFigureChangesForPeople) {
  testing::Process tail(
      {testing::NewswirePath(), "tail", "--hub", daemon_->hub(), "--no-color", "--count", "2"});
  ASSERT_TRUE(tail.WaitForStderr("following", 10s)) << tail.AllStderr();
  ASSERT_OK(publisher_->Publish(Story("people", "en", {"Shares rose 3.2% to 4,515 yen."}), {}));
  ASSERT_OK(publisher_->Publish(Story("people", "en", {"Shares rose 3.4% to 4,515 yen."}), {}));
  ASSERT_EQ(tail.Wait(10s), 0);
  EXPECT_NE(
      tail.AllStdout().find("  figures: 3.2% → 3.4% (paragraph 1: \"Shares rose … to 4,515 yen\")"),
      std::string::npos)
      << tail.AllStdout();
}

}  // namespace
}  // namespace newswire
