// The newswire CLI as a user runs it, against a real newswired.
#include <gtest/gtest.h>

#include <filesystem>

#include <map>

#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "http_probe.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Daemon;
using testing::NewswirePath;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = std::make_unique<Daemon>(dir_.path() + "/store"); }

  testing::Completed Newswire(std::vector<std::string> args,
                              std::optional<std::string> stdin_text = std::nullopt) {
    args.insert(args.begin(), NewswirePath());
    return testing::Run(std::move(args), std::move(stdin_text));
  }

  std::string Example(int version) {
    return testing::ExamplesDir() + "/tokyo-talks/v" + std::to_string(version) + ".json";
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(CliTest, TailShowsVersionTwoAsAVerifiedDeltaSmallerThanTheArticle) {
  testing::Process tail(
      {NewswirePath(), "tail", "--hub", daemon_->hub(), "--json", "--count", "2"});
  ASSERT_TRUE(tail.WaitForStderr("following", 10s)) << tail.AllStderr();

  auto publish = Newswire({"publish", "--hub", daemon_->hub(), "--json", Example(1), Example(2)});
  ASSERT_EQ(publish.exit_code, 0) << publish.err;

  auto line1 = tail.ReadStdoutLine(10s);
  auto line2 = tail.ReadStdoutLine(10s);
  ASSERT_TRUE(line1 && line2) << tail.AllStderr();
  auto v1 = json::parse(*line1);
  auto v2 = json::parse(*line2);
  EXPECT_EQ(v1["version"], 1);
  EXPECT_EQ(v1["payload"], "delta");  // Compressed whole: there is no base.
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["payload"], "delta");
  EXPECT_EQ(v2["verified"], true);
  EXPECT_LT(v2["diff_bytes"].get<int>(), v2["full_bytes"].get<int>());
  EXPECT_EQ(v2["article"]["ednote"], "Adds market reaction, analyst comment");
  EXPECT_EQ(v2["article"]["key_points"].size(), 4u);
  for (const char* key : {"article_id", "wire_seq", "diff_bytes", "full_bytes", "verified"}) {
    EXPECT_TRUE(v2.contains(key)) << key;
  }
  EXPECT_EQ(tail.Wait(10s), 0);
}

TEST_F(CliTest, PublishPrintsOneAckPerFileInOrder) {
  auto publish = Newswire({"publish", "--hub", daemon_->hub(), "--json", Example(1), Example(2)});
  ASSERT_EQ(publish.exit_code, 0) << publish.err;
  std::istringstream lines(publish.out);
  std::string line;
  int version = 0;
  while (std::getline(lines, line)) {
    auto ack = json::parse(line);
    EXPECT_EQ(ack["version"], ++version);
    EXPECT_EQ(ack["wire_seq"], version);
    EXPECT_EQ(ack["article_id"], "nw-20261125-kaito-minato");
    EXPECT_EQ(ack["content_hash"].get<std::string>().size(), 64u);
  }
  EXPECT_EQ(version, 2);
}

TEST_F(CliTest, InvalidJsonIsATypedErrorAndPublishesNothing) {
  auto broken = Newswire({"publish", "--hub", daemon_->hub(), "-"}, "{ \"id\": ");
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("invalid article"), std::string::npos) << broken.err;

  auto unknown_field = Newswire({"publish", "--hub", daemon_->hub(), "--json", "-"},
                                R"({"id": "x", "feed": "f", "headlin": "typo"})");
  EXPECT_EQ(unknown_field.exit_code, 1);
  EXPECT_NE(unknown_field.err.find("headlin"), std::string::npos) << unknown_field.err;
  EXPECT_EQ(json::parse(unknown_field.out)["error"]["code"], "invalid_article");

  auto history = Newswire({"history", "--hub", daemon_->hub(), "x"});
  EXPECT_EQ(history.exit_code, 1);
}

TEST_F(CliTest, AmbiguousJsonIsRefusedNamingTheKeyAndPublishesNothing) {
  struct Case {
    std::string json;
    std::string says;
  };
  const std::string story = R"({"id": "s1", "feed": "equities-asia", "headline": "Talks")";
  for (const auto& [text, says] : std::vector<Case>{
           {story + R"(, "urgency": 5, "urgency": 1})", "key \"urgency\" appears twice"},
           {story + R"(, "key_points": ["a"], "keyPoints": ["b"]})",
            "keys \"key_points\" and \"keyPoints\" both set key_points"},
           {story + R"(, "id": "s2"})", "key \"id\" appears twice"},
           {story + R"(, "embargoed": "2026-11-25T06:05:00.1234567891Z"})",
            "embargoed: '2026-11-25T06:05:00.1234567891Z' is more precise than nanoseconds"},
           {story + R"(, "time_zone": "Mars/Olympus_Mons"})",
            "time_zone must be an IANA zone such as Asia/Tokyo"}}) {
    auto run = Newswire({"publish", "--hub", daemon_->hub(), "--json", "-"}, text);
    EXPECT_EQ(run.exit_code, 1) << text;
    EXPECT_NE(run.err.find(says), std::string::npos) << run.err;
    EXPECT_EQ(json::parse(run.out)["error"]["code"], "invalid_article") << run.out;
  }
  auto get = Newswire({"get", "--hub", daemon_->hub(), "s1"});
  EXPECT_EQ(get.exit_code, 1) << "nothing was published";
}

TEST_F(CliTest, GetUnknownArticleSaysNotFound) {
  auto get = Newswire({"get", "--hub", daemon_->hub(), "--json", "no-such-story"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_EQ(json::parse(get.out)["error"]["code"], "not_found");
}

TEST_F(CliTest, GetAndHistoryServeTheStore) {
  ASSERT_EQ(Newswire({"publish", "--hub", daemon_->hub(), Example(1), Example(2)}).exit_code, 0);
  auto get = Newswire(
      {"get", "--hub", daemon_->hub(), "--json", "--version", "1", "nw-20261125-kaito-minato"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(json::parse(get.out)["article"]["key_points"].size(), 3u);

  auto history =
      Newswire({"history", "--hub", daemon_->hub(), "--json", "nw-20261125-kaito-minato"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::istringstream lines(history.out);
  std::string line;
  std::vector<json> entries;
  while (std::getline(lines, line)) entries.push_back(json::parse(line));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["ednote"], "Adds market reaction, analyst comment");
  EXPECT_LT(entries[1]["diff_bytes"].get<int>(), entries[1]["full_bytes"].get<int>());

  auto human = Newswire({"get", "--hub", daemon_->hub(), "nw-20261125-kaito-minato"});
  EXPECT_NE(human.out.find("16:20:00 JST"), std::string::npos) << human.out;
}

TEST_F(CliTest, StaleBaseVersionExitsWithConflict) {
  ASSERT_EQ(Newswire({"publish", "--hub", daemon_->hub(), Example(1), Example(2)}).exit_code, 0);
  auto stale = Newswire({"publish", "--hub", daemon_->hub(), "--base-version", "1", Example(2)});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("version conflict"), std::string::npos) << stale.err;
}

TEST_F(CliTest, UnreachableDaemonExitsThree) {
  testing::SilentHub down;
  auto publish = Newswire({"publish", "--hub", down.hub(), "--timeout-ms", "200", Example(1)});
  EXPECT_EQ(publish.exit_code, 3);
  EXPECT_NE(publish.err.find("unavailable"), std::string::npos) << publish.err;
}

}  // namespace
}  // namespace newswire

namespace newswire {
namespace {

TEST_F(CliTest, GetAsOfShowsWhatWasOutAtThatInstant) {
  auto publish = Newswire({"publish", "--hub", daemon_->hub(), "--json", Example(1), Example(2)});
  ASSERT_EQ(publish.exit_code, 0) << publish.err;
  std::istringstream lines(publish.out);
  std::string line1, line2;
  std::getline(lines, line1);
  std::getline(lines, line2);
  const std::string t1 = json::parse(line1)["wire_time"], t2 = json::parse(line2)["wire_time"];
  auto at = [&](const std::string& t) {
    auto get = Newswire(
        {"get", "--hub", daemon_->hub(), "--json", "--as-of", t, "nw-20261125-kaito-minato"});
    return get.exit_code == 0 ? json::parse(get.out)["version"].get<int>() : 0;
  };
  EXPECT_EQ(at(t1), 1);
  EXPECT_EQ(at(t2), 2);
  EXPECT_EQ(at("2000-01-01T00:00:00Z"), 0) << "nothing was out in 2000";
}

TEST_F(CliTest, BackupWhileServingRestoresToAVerifiedStore) {
  const std::string backups = dir_.path() + "/backups";
  daemon_ = std::make_unique<Daemon>(dir_.path() + "/store2",
                                     std::vector<std::string>{"--backup-dir", backups});
  ASSERT_EQ(Newswire({"publish", "--hub", daemon_->hub(), Example(1), Example(2)}).exit_code, 0);
  const std::string backup = backups + "/nightly", restored = dir_.path() + "/restored";
  auto taken = Newswire({"admin", "backup", "--hub", daemon_->hub(), "--to", "nightly"});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  EXPECT_NE(taken.out.find(backup), std::string::npos) << "says where it is: " << taken.out;
  EXPECT_EQ(std::filesystem::status(backup).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all)
      << "a backup holds held embargoed text: owner-only";
  auto restore = Newswire({"admin", "restore", "--from", backup, "--data-dir", restored});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  auto verify = Newswire({"admin", "verify", "--data-dir", restored});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("clean, 2 revisions"), std::string::npos) << verify.out;

  testing::Daemon from_backup(restored);
  auto get = Newswire({"get", "--hub", from_backup.hub(), "--json", "nw-20261125-kaito-minato"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(json::parse(get.out)["version"], 2);
  auto again = Newswire({"admin", "restore", "--from", backup, "--data-dir", restored});
  EXPECT_NE(again.exit_code, 0) << "restore must never overwrite a store";
}

// A backup through the daemon is a new folder inside its backup folder,
// never a path of the client's choosing; and it is off unless configured.
TEST_F(CliTest, BackupsAreConfinedToTheBackupFolder) {
  auto off = Newswire({"admin", "backup", "--hub", daemon_->hub(), "--to", "nightly"});
  EXPECT_EQ(off.exit_code, 1);
  EXPECT_NE(off.err.find("backups are off"), std::string::npos) << off.err;
  const std::string backups = dir_.path() + "/backups";
  daemon_ = std::make_unique<Daemon>(dir_.path() + "/store2",
                                     std::vector<std::string>{"--backup-dir", backups});
  for (const std::string& bad :
       std::vector<std::string>{dir_.path() + "/elsewhere", "../escape", "a/b", ".hidden", ""}) {
    auto refused = Newswire({"admin", "backup", "--hub", daemon_->hub(), "--to", bad});
    EXPECT_EQ(refused.exit_code, bad.empty() ? 2 : 1) << bad << ": " << refused.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/elsewhere"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/escape"));
  auto metrics = testing::ParsePrometheus(testing::Get(daemon_->metrics(), "/metrics"));
  EXPECT_EQ(metrics["newswire_backups_total"], 0);
}

TEST_F(CliTest, VerifyOfAMissingFolderFailsClearly) {
  auto verify = Newswire({"admin", "verify", "--data-dir", dir_.path() + "/nothing-here"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.err.find("no store folder"), std::string::npos) << verify.err;
}

}  // namespace
}  // namespace newswire

namespace newswire {
namespace {

// Publishes the example's two versions and a third that corrects 3.2% to 3.4%.
void PublishCorrectedStory(const std::string& hub, const std::string& v1, const std::string& v2) {
  auto corrected = testing::ReadFile(v2);
  for (std::size_t at; (at = corrected.find("3.2%")) != std::string::npos;) {
    corrected.replace(at, 4, "3.4%");
  }
  auto first = testing::Run({testing::NewswirePath(), "publish", "--hub", hub, v1, v2});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto third = testing::Run({testing::NewswirePath(), "publish", "--hub", hub, "-"}, corrected);
  ASSERT_EQ(third.exit_code, 0) << third.err;
}

TEST_F(CliTest, DiffBetweenAnyTwoStoredVersions) {
  PublishCorrectedStory(daemon_->hub(), Example(1), Example(2));
  auto diff = Newswire(
      {"diff", "--hub", daemon_->hub(), "--no-color", "nw-20261125-kaito-minato", "2", "3"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("3.[-2-]{+4+}%"), std::string::npos) << diff.out;
  auto skip =
      Newswire({"diff", "--hub", daemon_->hub(), "--json", "nw-20261125-kaito-minato", "1", "3"});
  ASSERT_EQ(skip.exit_code, 0) << skip.err;
  auto line = json::parse(skip.out);
  EXPECT_EQ(line["from"], 1);
  EXPECT_EQ(line["to"], 3);
  EXPECT_TRUE(line["diff"].contains("body"));
}

// Whether an update came as a structured diff or as a zstd delta, the
// human tail shows the edits as a word diff.
TEST_F(CliTest, TailShowsEveryUpdateAsAWordDiff) {
  testing::Process tail(
      {NewswirePath(), "tail", "--hub", daemon_->hub(), "--no-color", "--count", "3"});
  ASSERT_TRUE(tail.WaitForStderr("following", 10s)) << tail.AllStderr();
  PublishCorrectedStory(daemon_->hub(), Example(1), Example(2));
  EXPECT_EQ(tail.Wait(10s), 0);
  const std::string out = tail.AllStdout();
  EXPECT_NE(out.find("delta: "), std::string::npos) << out;
  EXPECT_NE(out.find("3.[-2-]{+4+}%"), std::string::npos) << out;
  EXPECT_EQ(out.find("NOT VERIFIED"), std::string::npos) << out;
}

TEST_F(CliTest, BlameSaysWhenEachParagraphTookItsText) {
  PublishCorrectedStory(daemon_->hub(), Example(1), Example(2));
  auto blame = Newswire({"blame", "--hub", daemon_->hub(), "--json", "nw-20261125-kaito-minato"});
  ASSERT_EQ(blame.exit_code, 0) << blame.err;
  std::map<std::string, int> since;  // "kind index" -> version
  std::istringstream lines(blame.out);
  for (std::string line; std::getline(lines, line);) {
    auto entry = json::parse(line);
    since[entry["kind"].get<std::string>() + " " + std::to_string(entry["index"].get<int>())] =
        entry["since_version"];
  }
  EXPECT_EQ(since["paragraph 1"], 1);
  EXPECT_EQ(since["paragraph 3"], 3) << "the share move was corrected in version 3";
  EXPECT_EQ(since["paragraph 4"], 2) << "the analyst quote came with the update";
  EXPECT_EQ(since["key point 3"], 3);
  EXPECT_EQ(since["key point 4"], 1);
}

TEST_F(CliTest, ReplayPrintsTheSameLinesAsTail) {
  ASSERT_EQ(Newswire({"publish", "--hub", daemon_->hub(), Example(1), Example(2)}).exit_code, 0);
  auto replay = Newswire({"replay", "--hub", daemon_->hub(), "--json", "--from",
                          "2000-01-01T00:00:00Z", "--speed", "max"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  std::istringstream lines(replay.out);
  std::string line1, line2;
  ASSERT_TRUE(std::getline(lines, line1) && std::getline(lines, line2)) << replay.out;
  auto v2 = json::parse(line2);
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["payload"], "delta");
  EXPECT_EQ(v2["verified"], true);
  EXPECT_LT(v2["diff_bytes"].get<int>(), v2["full_bytes"].get<int>());
}

TEST_F(CliTest, TailResumeContinuesWhereItStopped) {
  const std::string state = "NEWSWIRE_STATE_DIR=" + dir_.path() + "/state";
  auto tail_cmd = [&](const std::string& count) {
    return std::vector<std::string>{"/usr/bin/env", state,          NewswirePath(), "tail",
                                    "--hub",        daemon_->hub(), "--json",       "--resume",
                                    "desk",         "--count",      count};
  };
  {
    testing::Process tail(tail_cmd("1"));
    ASSERT_TRUE(tail.WaitForStderr("following", 10s));
    ASSERT_EQ(Newswire({"publish", "--hub", daemon_->hub(), Example(1)}).exit_code, 0);
    EXPECT_EQ(tail.Wait(10s), 0);
  }
  // While nobody follows, version 2 goes out.
  ASSERT_EQ(Newswire({"publish", "--hub", daemon_->hub(), Example(2)}).exit_code, 0);
  testing::Process resumed(tail_cmd("1"));
  auto line = resumed.ReadStdoutLine(10s);
  ASSERT_TRUE(line) << resumed.AllStderr();
  auto v2 = json::parse(*line);
  EXPECT_EQ(v2["version"], 2) << "exactly the next revision, no repeat";
  EXPECT_EQ(v2["verified"], true);
  EXPECT_EQ(resumed.Wait(10s), 0);
}

}  // namespace
}  // namespace newswire
