#include "newswire/daemon/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "process.h"

namespace newswire::daemon {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = dir_.path() + "/newswired.toml";
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(ConfigTest, KeysMirrorTheFlags) {
  Config config;
  auto path = Write(R"(
listen = "tcp://127.0.0.1:9900"
data_dir = "/var/lib/newswire"
durability = "async"
heartbeat_ms = 250
max_batch = 64
log_level = "debug"
payload = "diff"
)");
  ASSERT_TRUE(LoadConfigFile(path, config));
  EXPECT_EQ(config.daemon.listen, "tcp://127.0.0.1:9900");
  EXPECT_EQ(config.daemon.data_dir, "/var/lib/newswire");
  EXPECT_EQ(config.daemon.durability, store::Durability::kAsync);
  EXPECT_EQ(config.daemon.heartbeat_interval.count(), 250);
  EXPECT_EQ(config.daemon.max_batch, 64u);
  EXPECT_EQ(config.logging.level, "debug");
  EXPECT_FALSE(config.daemon.deltas);
}

TEST_F(ConfigTest, KeysNotInTheFileKeepTheirValues) {
  Config config;
  config.daemon.data_dir = "kept";
  ASSERT_TRUE(LoadConfigFile(Write("durability = \"sync\"\n"), config));
  EXPECT_EQ(config.daemon.data_dir, "kept");
}

TEST_F(ConfigTest, UnknownKeyIsAnError) {
  Config config;
  auto result = LoadConfigFile(Write("listne = \"tcp://x:1\"\n"), config);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("unknown key 'listne'"), std::string::npos);
}

TEST_F(ConfigTest, WrongTypeOrRangeIsAnError) {
  Config config;
  EXPECT_FALSE(LoadConfigFile(Write("max_batch = \"lots\"\n"), config));
  EXPECT_FALSE(LoadConfigFile(Write("max_batch = 0\n"), config));
  EXPECT_FALSE(LoadConfigFile(Write("durability = \"sometimes\"\n"), config));
  EXPECT_FALSE(LoadConfigFile(Write("payload = \"zip\"\n"), config));
}

TEST_F(ConfigTest, SyntaxErrorNamesTheFile) {
  Config config;
  auto path = Write("listen = \n");
  auto result = LoadConfigFile(path, config);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find(path), std::string::npos);
}

}  // namespace
}  // namespace newswire::daemon
