// deploy/ as an operator uses it: the sample config loads and runs a
// daemon, the systemd unit passes systemd-analyze, the image is built the
// README's way.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "articles.h"
#include "daemon.h"
#include "newswire/daemon/config.h"

namespace newswire {
namespace {

using testing::SourceDir;

TEST(DeployTest, SampleConfigSetsEveryKeyAndLoads) {
  auto loaded =
      daemon::ParseCommandLine({"newswired", "--config", SourceDir() + "/deploy/newswired.toml"});
  ASSERT_FALSE(loaded.exit_code) << loaded.message;
  const daemon::Config& config = loaded.config;
  EXPECT_EQ(config.daemon.data_dir, "/var/lib/newswire");
  EXPECT_EQ(config.daemon.durability, store::Durability::kSync);
  EXPECT_EQ(config.logging.format, "json");
}

TEST(DeployTest, DaemonStartsFromTheSampleConfig) {
  testing::TempDir dir;
  testing::Process daemon({testing::NewswiredPath(), "--config",
                           SourceDir() + "/deploy/newswired.toml", "--data-dir", dir.path(),
                           "--listen", "tcp://127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"});
  auto ready = daemon.ReadStdoutLine(std::chrono::seconds(15));
  ASSERT_TRUE(ready) << daemon.AllStderr();
  EXPECT_EQ(ready->rfind("ready tcp://127.0.0.1:", 0), 0u) << *ready;
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(std::chrono::seconds(15)), 0);
  EXPECT_NE(daemon.AllStderr().find("\"level\":\"info\""), std::string::npos)
      << "the sample config asks for JSON logs";
}

// The same config (and unit, and image) starts a follower: only `follow`
// differs.
TEST(DeployTest, SampleConfigStartsAFollowerWhenToldWhomToFollow) {
  testing::TempDir dir;
  testing::Daemon primary(dir.path() + "/primary");
  testing::Process follower({testing::NewswiredPath(), "--config",
                             SourceDir() + "/deploy/newswired.toml", "--data-dir",
                             dir.path() + "/follower", "--listen", "tcp://127.0.0.1:0",
                             "--metrics-listen", "127.0.0.1:0", "--follow", primary.hub()});
  auto ready = follower.ReadStdoutLine(std::chrono::seconds(15));
  ASSERT_TRUE(ready) << follower.AllStderr();
  EXPECT_TRUE(follower.WaitForStderr("following " + primary.hub(), std::chrono::seconds(15)));
  follower.Signal(SIGTERM);
  EXPECT_EQ(follower.Wait(std::chrono::seconds(15)), 0);
}

TEST(DeployTest, SystemdUnitPassesSystemdAnalyzeVerify) {
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze is not installed here";
  }
  testing::TempDir dir;
  // Point ExecStart at the binary just built: verify checks that it exists.
  std::string unit = testing::ReadFile(SourceDir() + "/deploy/newswired.service");
  unit = std::regex_replace(unit, std::regex("/usr/local/bin/newswired"), testing::NewswiredPath());
  const std::string path = dir.path() + "/newswired.service";
  std::ofstream(path) << unit;
  auto verify = testing::Run({"/usr/bin/systemd-analyze", "verify", path});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.err.find("newswired.service"), std::string::npos) << verify.err;
}

TEST(DeployTest, ImageIsBuiltTheWayTheReadmeBuilds) {
  const std::string dockerfile = testing::ReadFile(SourceDir() + "/deploy/Dockerfile");
  EXPECT_NE(dockerfile.find("FROM debian:12 AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("RUN scripts/setup.sh"), std::string::npos);
  EXPECT_NE(dockerfile.find("USER newswire"), std::string::npos) << "runs as non-root";
  const std::string readme = testing::ReadFile(SourceDir() + "/README.md");
  EXPECT_NE(readme.find("scripts/setup.sh"), std::string::npos);
}

}  // namespace
}  // namespace newswire
