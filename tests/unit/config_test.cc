#include "newswire/daemon/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "process.h"

namespace newswire::daemon {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }

  // newswired's command line with `flags`, after --config FILE when
  // `file_text` is given.
  CommandLine Parse(std::vector<std::string> flags, std::optional<std::string> file_text = {}) {
    std::vector<std::string> args = {"newswired"};
    if (file_text) args.insert(args.end(), {"--config", Write(*file_text)});
    args.insert(args.end(), flags.begin(), flags.end());
    return ParseCommandLine(args);
  }

  // The error of a command line that must be refused.
  std::string Refusal(std::vector<std::string> flags, std::optional<std::string> file_text = {}) {
    auto parsed = Parse(std::move(flags), std::move(file_text));
    EXPECT_EQ(parsed.exit_code, 2) << "accepted";
    return parsed.message;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.path() + "/newswired.toml";
};

TEST_F(ConfigTest, KeysMirrorTheFlags) {
  auto parsed = Parse({}, R"(
listen = "tcp://127.0.0.1:9900"
data_dir = "/var/lib/newswire"
durability = "async"
heartbeat_ms = 250
max_batch = 64
log_level = "debug"
payload = "diff"
retention_days = 30
)");
  ASSERT_FALSE(parsed.exit_code) << parsed.message;
  const Config& config = parsed.config;
  EXPECT_EQ(config.daemon.listen, "tcp://127.0.0.1:9900");
  EXPECT_EQ(config.daemon.data_dir, "/var/lib/newswire");
  EXPECT_EQ(config.daemon.durability, store::Durability::kAsync);
  EXPECT_EQ(config.daemon.heartbeat_interval.count(), 250);
  EXPECT_EQ(config.daemon.max_batch, 64u);
  EXPECT_EQ(config.daemon.retention_days, 30);
  EXPECT_EQ(config.logging.level, "debug");
  EXPECT_FALSE(config.daemon.deltas);
}

TEST_F(ConfigTest, DefaultsHoldWithoutFileOrFlags) {
  auto parsed = Parse({});
  ASSERT_FALSE(parsed.exit_code) << parsed.message;
  EXPECT_EQ(parsed.config.daemon.listen, "tcp://127.0.0.1:7700");
  EXPECT_EQ(parsed.config.daemon.max_article_bytes, 1u << 20);
  EXPECT_EQ(parsed.config.daemon.durability, store::Durability::kSync);
  EXPECT_TRUE(parsed.config.daemon.deltas);
}

TEST_F(ConfigTest, FlagsOverrideTheFileAndKeysNotSetKeepTheirDefaults) {
  auto parsed = Parse({"--max-batch", "8", "--durability", "sync"},
                      "max_batch = 64\ndurability = \"async\"\nfanout_hwm = 5\n");
  ASSERT_FALSE(parsed.exit_code) << parsed.message;
  EXPECT_EQ(parsed.config.daemon.max_batch, 8u);
  EXPECT_EQ(parsed.config.daemon.durability, store::Durability::kSync);
  EXPECT_EQ(parsed.config.daemon.fanout_hwm, 5);
  EXPECT_EQ(parsed.config.daemon.data_dir, "newswire-data");
}

TEST_F(ConfigTest, AFlagIsRefusedWhereTheFileIsNotClamped) {
  // Each value is refused the same way from a flag as from the file (a flag
  // used to be clamped: --max-batch 0 ran with 1).
  struct Case {
    const char* flag;
    const char* key;
    const char* value;
  };
  for (auto [flag, key, value] :
       {Case{"--max-batch", "max_batch", "0"}, Case{"--heartbeat-ms", "heartbeat_ms", "5"},
        Case{"--retention-days", "retention_days", "-1"}, Case{"--fanout-hwm", "fanout_hwm", "0"},
        Case{"--max-article-bytes", "max_article_bytes", "100"}}) {
    const std::string from_flag = Refusal({flag, value});
    EXPECT_NE(from_flag.find(flag), std::string::npos) << from_flag;
    const std::string from_file = Refusal({}, std::string(key) + " = " + value + "\n");
    EXPECT_EQ(from_file.rfind("config " + path_ + ": " + key, 0), 0u) << from_file;
    EXPECT_NE(from_file.find("not in range"), std::string::npos) << from_file;
  }
  for (auto [flag, key, value] :
       {Case{"--durability", "durability", "sometimes"}, Case{"--payload", "payload", "zip"},
        Case{"--log-level", "log_level", "loud"}}) {
    Refusal({flag, value});
    const std::string from_file = Refusal({}, std::string(key) + " = \"" + value + "\"\n");
    EXPECT_EQ(from_file.rfind("config " + path_ + ": " + key, 0), 0u) << from_file;
  }
}

TEST_F(ConfigTest, ABadFlagIsBlamedOnTheFlagNotOnTheFile) {
  const std::string message = Refusal({"--max-batch", "0"}, "max_batch = 64\n");
  EXPECT_EQ(message.rfind("--max-batch", 0), 0u) << message;
}

TEST_F(ConfigTest, UnknownKeyIsAnError) {
  EXPECT_EQ(Refusal({}, "listne = \"tcp://x:1\"\n"), "config " + path_ + ": unknown key 'listne'");
  EXPECT_EQ(Refusal({}, "data-dir = \"x\"\n"), "config " + path_ + ": unknown key 'data-dir'");
  EXPECT_EQ(Refusal({}, "config = \"other.toml\"\n"), "config " + path_ + ": unknown key 'config'");
  EXPECT_EQ(Refusal({}, "[store]\ndata_dir = \"x\"\n"),
            "config " + path_ + ": unknown key 'store'");
}

TEST_F(ConfigTest, WrongTypeIsAnError) {
  EXPECT_EQ(Refusal({}, "max_batch = \"lots\"\n"),
            "config " + path_ + ": max_batch must be an integer");
  EXPECT_EQ(Refusal({}, "max_batch = \"12\"\n"),
            "config " + path_ + ": max_batch must be an integer");
  EXPECT_EQ(Refusal({}, "listen = 7700\n"), "config " + path_ + ": listen must be a string");
}

TEST_F(ConfigTest, SyntaxErrorNamesTheFileAndLine) {
  const std::string message = Refusal({}, "durability = \"sync\"\nlisten = \n");
  EXPECT_EQ(message.rfind("config " + path_ + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
}

TEST_F(ConfigTest, AMissingFileIsAnError) {
  auto parsed = ParseCommandLine({"newswired", "--config", dir_.path() + "/none.toml"});
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_NE(parsed.message.find("none.toml"), std::string::npos) << parsed.message;
}

TEST_F(ConfigTest, HelpListsEveryFlagAndExitsZero) {
  auto parsed = ParseCommandLine({"newswired", "--help"});
  EXPECT_EQ(parsed.exit_code, 0);
  for (const char* flag : {"--config", "--listen", "--data-dir", "--max-article-bytes",
                           "--retention-days", "--payload", "--metrics-listen"}) {
    EXPECT_NE(parsed.message.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace newswire::daemon
