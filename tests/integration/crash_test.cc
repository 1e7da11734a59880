// Crash safety: several publishers (one of them keeping a window of
// publishes in flight) keep publishing while the daemon is
// killed with SIGKILL again and again. Every acked revision must survive,
// intact, with versions and wire sequences contiguous and the store's hash
// chains clean — in both durability modes.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "articles.h"
#include "daemon.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;

struct Acked {
  std::string article_id;
  uint32_t version;
  uint64_t wire_seq;
  std::string content_hash;
};

class CrashTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<testing::Daemon> StartDaemon(const std::string& listen) {
    return std::make_unique<testing::Daemon>(
        dir_.path() + "/store", std::vector<std::string>{"--durability", GetParam()}, listen);
  }

  // Publishes revisions of its own few articles until told to stop; every
  // publish has its own idempotency key, reused until it is acked, so a
  // publish whose ack was lost in a crash is never made twice.
  void PublishUntilStopped(int thread, const std::string& hub) {
    publisher::PublisherOptions options;
    options.hub = hub;
    options.publisher_id = "crash-" + std::to_string(thread);
    options.attempt_timeout = 300ms;
    options.attempts = 1;
    auto publisher = publisher::Publisher::Connect(options);
    ASSERT_TRUE(publisher);
    for (int n = 0; !stop_.load(); ++n) {
      auto article =
          testing::MakeArticle("t" + std::to_string(thread) + "-a" + std::to_string(n % 4),
                               "revision " + std::to_string(n), 1 + n % 6);
      const std::string key = std::to_string(thread) + "/" + std::to_string(n);
      while (!stop_.load()) {
        auto ack = (*publisher)->Publish(article, {.publisher_key = key});
        if (ack) {
          std::lock_guard lock(mutex_);
          acked_.push_back(
              {ack->article_id(), ack->version(), ack->wire_seq(), ack->content_hash()});
          break;
        }
        ASSERT_EQ(ack.error().code, v1::ERROR_CODE_UNAVAILABLE) << ack.error().ToString();
      }
    }
  }

  // Keeps a window of new stories in flight, so the daemon's group commits
  // are large and go through its writer thread while the next batch is
  // prepared. After a silence (the daemon may be down) every unanswered
  // publish is sent again under its key; each key's first answer counts.
  void PublishBurstsUntilStopped(const std::string& hub) {
    publisher::PublisherOptions options;
    options.hub = hub;
    options.publisher_id = "crash-burst";
    auto publisher = publisher::Publisher::Connect(options);
    ASSERT_TRUE(publisher);
    std::map<uint64_t, int> in_flight;  // Request id -> story number.
    auto send = [&](int n) {
      auto article = testing::MakeArticle("burst-" + std::to_string(n), "burst", 1 + n % 3);
      auto id = (*publisher)->Send(article, {.publisher_key = "burst/" + std::to_string(n)});
      ASSERT_TRUE(id) << id.error().ToString();
      in_flight[*id] = n;
    };
    for (int next = 0; !stop_.load();) {
      while (in_flight.size() < 64) send(next++);
      auto reply = (*publisher)->Receive(300ms);
      if (!reply) {
        std::vector<int> again;
        for (const auto& [id, n] : in_flight) again.push_back(n);
        in_flight.clear();
        for (int n : again) send(n);
        continue;
      }
      auto it = in_flight.find(reply->request_id());
      if (it == in_flight.end()) continue;  // The answer to an earlier attempt.
      in_flight.erase(it);
      ASSERT_TRUE(reply->has_ack()) << reply->error().message();
      const auto& ack = reply->ack();
      std::lock_guard lock(mutex_);
      acked_.push_back({ack.article_id(), ack.version(), ack.wire_seq(), ack.content_hash()});
    }
  }

  std::size_t AckedCount() {
    std::lock_guard lock(mutex_);
    return acked_.size();
  }

  // Waits until `more` further acks have come in (deadline 60 s).
  void WaitForAcks(std::size_t more) {
    const std::size_t target = AckedCount() + more;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (AckedCount() < target) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "publishers made no progress";
      std::this_thread::sleep_for(5ms);  // Polling a counter, not synchronising on time.
    }
  }

  testing::TempDir dir_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Acked> acked_;
};

TEST_P(CrashTest, EveryAckedRevisionSurvivesRepeatedKill9) {
  // Restarted on the same address after each kill: an ipc:// hub in the
  // test's own folder, which no other test can take meanwhile.
  auto daemon = StartDaemon("ipc://" + dir_.path() + "/hub");
  const std::string hub = daemon->hub();
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t)
    publishers.emplace_back([this, t, hub] { PublishUntilStopped(t, hub); });
  publishers.emplace_back([this, hub] { PublishBurstsUntilStopped(hub); });

  for (int round = 0; round < 4; ++round) {
    WaitForAcks(150);
    daemon->Kill9();  // Mid-burst: five publishers are sending right now.
    daemon = StartDaemon(hub);
  }
  WaitForAcks(50);
  stop_ = true;
  for (auto& thread : publishers) thread.join();

  auto query = subscriber::QueryClient::Connect(hub, 10s);
  ASSERT_TRUE(query);
  // Every ack names a revision that is there, with the acked content.
  std::map<std::pair<std::string, uint32_t>, std::string> acked_hash;
  for (const auto& ack : acked_) {
    auto stored = (*query)->GetArticle(ack.article_id, ack.version);
    ASSERT_TRUE(stored) << ack.article_id << " v" << ack.version << ": "
                        << stored.error().ToString();
    EXPECT_EQ(stored->content_hash(), ack.content_hash);
    EXPECT_EQ(stored->wire_seq(), ack.wire_seq);
    auto [it, inserted] =
        acked_hash.emplace(std::pair{ack.article_id, ack.version}, ack.content_hash);
    EXPECT_TRUE(inserted) << "two acks for " << ack.article_id << " v" << ack.version;
  }
  // The wire log is contiguous from 1 and each article's versions too.
  uint64_t expected = 1;
  std::map<std::string, uint32_t> versions;
  while (true) {
    v1::ReadLog page;
    page.set_from_seq(expected);
    page.set_limit(1000);
    auto log = (*query)->ReadLog(page);
    ASSERT_TRUE(log) << log.error().ToString();
    if (log->records().empty()) break;
    for (const auto& record : log->records()) {
      ASSERT_EQ(record.seq(), expected++);
      EXPECT_EQ(record.event().version(), ++versions[record.event().article_id()]);
    }
  }
  EXPECT_GE(expected - 1, acked_.size());
  EXPECT_EQ(daemon->Stop(), 0) << daemon->Stderr();

  auto verify = testing::Run(
      {testing::NewswirePath(), "admin", "verify", "--data-dir", dir_.path() + "/store"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

INSTANTIATE_TEST_SUITE_P(DurabilityModes, CrashTest, ::testing::Values("sync", "async"));

}  // namespace
}  // namespace newswire
