// Operating the wire: /metrics in the Prometheus format with counters that
// move, /healthz that turns unhealthy when the store cannot be written, the
// stats channel, and `newswire top` under a pseudo-terminal.
#include <gtest/gtest.h>

#include <httplib.h>

#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "articles.h"
#include "daemon.h"
#include "http_probe.h"
#include "in_process_daemon.h"
#include "manual_clock.h"
#include "newswire/publisher/publisher.h"
#include "result_assertions.h"
#include "sync_points.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;

using testing::Get;
using testing::ParsePrometheus;

class OpsTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(OpsTest, MetricsParseAsPrometheusAndCountersMove) {
  testing::Daemon daemon(dir_.path() + "/store");
  auto before = ParsePrometheus(Get(daemon.metrics(), "/metrics"));
  EXPECT_EQ(before["newswire_revisions_ingested_total"], 0);

  publisher::PublisherOptions options;
  options.hub = daemon.hub();
  auto publisher = publisher::Publisher::Connect(options);
  ASSERT_TRUE(publisher);
  ASSERT_TRUE((*publisher)->Publish(testing::ExampleStory(1)));
  ASSERT_TRUE((*publisher)->Publish(testing::ExampleStory(2)));
  ASSERT_FALSE((*publisher)->Publish(testing::MakeArticle("bad", "")));

  auto after = ParsePrometheus(Get(daemon.metrics(), "/metrics"));
  EXPECT_EQ(after["newswire_revisions_ingested_total"], 2);
  EXPECT_EQ(after["newswire_publish_rejected_total{code=\"invalid_article\"}"], 1);
  EXPECT_EQ(after["newswire_wire_seq"], 2);
  EXPECT_EQ(after["newswire_commit_batch_size_count"], 3);
  EXPECT_GE(after["newswire_last_commit_age_seconds"], 0);
  EXPECT_GT(after["process_resident_memory_bytes"], 0);
  // RocksDB's own count of what it wrote: the WAL holds each article whole.
  const std::string wal = "newswire_store_written_bytes_total{kind=\"wal\"}";
  EXPECT_GE(after[wal] - before[wal], static_cast<double>(testing::ExampleStory(1).ByteSizeLong() +
                                                          testing::ExampleStory(2).ByteSizeLong()));
  EXPECT_EQ(after.count("newswire_store_written_bytes_total{kind=\"compaction\"}"), 1u);
}

// Health follows the store's writes: a commit that fails (as on a full
// disk) turns it 503 until the store recovers by itself.
TEST_F(OpsTest, HealthzTurnsUnhealthyWhenTheStoreCannotBeWritten) {
  std::atomic<bool> broken{false};
  testing::ManualClock clock(1'795'590'300LL * 1'000'000'000);
  testing::InProcessDaemon daemon(dir_.path() + "/store", clock);
  testing::ArmedSyncPoint write("store.write", [&] { return broken.load(); });
  testing::ArmedSyncPoint resume("store.resume", [&] { return broken.load(); });
  publisher::PublisherOptions options;
  options.hub = daemon.hub();
  auto publisher = publisher::Publisher::Connect(options);
  ASSERT_OK(publisher);
  int status = 0;
  auto healthy = nlohmann::json::parse(Get(daemon.metrics(), "/healthz", &status));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(healthy["status"], "ok");
  broken = true;  // As a full or failed disk would.
  auto refused = (*publisher)->Publish(testing::MakeArticle("a", "refused"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_STORE_FAILURE);
  auto unhealthy = nlohmann::json::parse(Get(daemon.metrics(), "/healthz", &status));
  EXPECT_EQ(status, 503);
  EXPECT_EQ(unhealthy["store_writable"], false);
  broken = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    Get(daemon.metrics(), "/healthz", &status);
    if (status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // Polling, with a deadline.
  }
  EXPECT_EQ(status, 200) << "healthy again once the store takes writes";
  EXPECT_TRUE((*publisher)->Publish(testing::MakeArticle("a", "accepted")));
}

// A flood of health checks costs the store nothing: they share one probe
// write every few seconds instead of a synced write each.
TEST_F(OpsTest, HealthChecksDoNotWriteOncePerCall) {
  testing::Daemon daemon(dir_.path() + "/store");
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    Get(daemon.metrics(), "/healthz", &status);
    ASSERT_EQ(status, 200);
  }
  auto metrics = ParsePrometheus(Get(daemon.metrics(), "/metrics"));
  EXPECT_LE(metrics["newswire_store_probe_writes_total"], 2);
}

TEST_F(OpsTest, StatsChannelDeliversOnTheWire) {
  testing::Daemon daemon(dir_.path() + "/store");
  publisher::PublisherOptions options;
  options.hub = daemon.hub();
  auto publisher = publisher::Publisher::Connect(options);
  ASSERT_OK(publisher);
  ASSERT_TRUE((*publisher)->Publish(testing::ExampleStory(1)));
  auto stats = testing::Run({testing::NewswirePath(), "stats", "--hub", daemon.hub(), "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  auto event = nlohmann::json::parse(stats.out);
  EXPECT_EQ(event["wire_seq"], 1);
  ASSERT_FALSE(event["recent"].empty());
  EXPECT_EQ(event["recent"][0]["article_id"], "nw-20261125-kaito-minato");
  EXPECT_EQ(event["recent"][0]["urgency"], 3);
  EXPECT_EQ(event["recent"][0]["headline"],
            "Kaito Robotics in talks to buy Minato Sensor Works, sources say");
}

TEST_F(OpsTest, TopRendersUnderAPseudoTerminal) {
  testing::Daemon daemon(dir_.path() + "/store");
  // script(1) gives `top` a real pseudo-terminal, as an operator's shell would.
  auto top = testing::Run(
      {"/usr/bin/script", "-qec",
       testing::NewswirePath() + " top --hub " + daemon.hub() + " --iterations 2", "/dev/null"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_NE(top.out.find("newswire top"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("ingest"), std::string::npos);
  EXPECT_NE(top.out.find("\033[H\033[2J"), std::string::npos) << "redraws in place";
  EXPECT_EQ(top.out.find('\0'), std::string::npos) << "no garbage bytes";
}

}  // namespace
}  // namespace newswire
