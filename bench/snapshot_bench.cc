// newswire-snapshot-bench: the wire as of a moment (GetSnapshot) for a
// feed of 10,000 stories, in the store and through the daemon's query
// service, at the end of a day and stepping through it minute by minute as
// a back-tester does. Target (issue 19): 10 ms for the feed's snapshot.
//
// The store holds one simulated day of the workload corpus: revisions of
// stories on the measured feed and, as much again, on other feeds, with
// wire times spread over 24 hours. Prints one figure a line,
// `newswire-snapshot workload metric value`.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "corpus.h"
#include "newswire/daemon/wire_daemon.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/snapshot.h"

namespace newswire::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kDayStart = 1'795'564'800LL * 1'000'000'000;  // 2026-11-25T00:00:00Z
constexpr int64_t kDay = 86'400LL * 1'000'000'000;
constexpr const char* kFeed = "bench-feed";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Print(const std::string& workload, const std::string& metric, double value) {
  std::printf("newswire-snapshot %s %s %.6g\n", workload.c_str(), metric.c_str(), value);
  std::fflush(stdout);
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

void Die(const Error& error) {
  std::fprintf(stderr, "# %s\n", error.ToString().c_str());
  std::exit(1);
}

// A day of the corpus until `stories` distinct stories are on the feed;
// every other story goes to other feeds. Returns the store's last wire seq;
// sets `*instrument` to the channel of the instrument most revisions name.
uint64_t FillStore(const std::string& path, std::size_t stories, std::string* instrument) {
  store::StoreOptions options;
  options.path = path;
  options.durability = store::Durability::kAsync;
  auto opened = store::RevisionStore::Open(options);
  if (!opened) Die(opened.error());
  CorpusGenerator corpus(CorpusOptions{});
  std::set<std::string> on_feed;
  std::vector<Revision> all;
  std::map<std::string, int> mentions;
  while (on_feed.size() < stories) {
    Revision r = corpus.Next();
    for (const auto& in : r.article.instruments()) {
      ++mentions["i/" + in.exchange() + ":" + in.symbol() + "|"];
    }
    const bool ours = std::hash<std::string>()(r.article.id()) % 2 == 0;
    r.article.set_feed(ours ? kFeed : "other-feed");
    if (ours) on_feed.insert(r.article.id());
    all.push_back(std::move(r));
  }
  const int64_t step = kDay / static_cast<int64_t>(all.size() + 1);
  for (std::size_t i = 0; i < all.size(); i += 8) {
    std::vector<store::PublishInput> batch;
    for (std::size_t k = i; k < std::min(all.size(), i + 8); ++k) {
      batch.push_back({.publisher_id = "bench", .article = std::move(all[k].article)});
    }
    for (auto& result :
         (*opened)->Publish(std::move(batch), kDayStart + static_cast<int64_t>(i + 1) * step)) {
      if (!result) Die(result.error());
    }
  }
  std::fprintf(stderr, "# %zu revisions, %zu stories on %s\n", all.size(), on_feed.size(), kFeed);
  *instrument = std::max_element(mentions.begin(), mentions.end(), [](auto& a, auto& b) {
                  return a.second < b.second;
                })->first;
  return (*opened)->LastWireSeq();
}

// Every page of the feed's snapshot at wire sequence `at`, in the store.
std::size_t StoreSnapshot(const store::RevisionStore& store, const std::string& channel,
                          uint64_t at, bool with_full) {
  std::size_t count = 0;
  std::string token;
  do {
    auto page = store.ReadSnapshot(channel, at, token, 5000, with_full);
    if (!page) Die(page.error());
    count += page->items.size();
    token = page->next_page_token;
  } while (!token.empty());
  return count;
}

void StoreBenchmarks(const std::string& path, uint64_t last, const std::string& instrument,
                     int runs) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  auto opened = store::RevisionStore::Open(options);
  if (!opened) Die(opened.error());
  const store::RevisionStore& store = **opened;
  const std::string feed = std::string("f/") + kFeed + "|";
  StoreSnapshot(store, feed, last, false);  // Warm the block cache.
  std::vector<double> end_of_day, stepping, with_full;
  std::size_t stories = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    stories = StoreSnapshot(store, feed, last, false);
    end_of_day.push_back(Ms(Clock::now() - t0));
  }
  Print("store_end_of_day", "stories", static_cast<double>(stories));
  Print("store_end_of_day", "p50_ms", Percentile(end_of_day, 0.5));
  Print("store_end_of_day", "p99_ms", Percentile(end_of_day, 0.99));
  // Minute by minute through the day (every 10th minute in quick mode).
  for (int minute = 0; minute < 1440; minute += runs < 10 ? 10 : 1) {
    const uint64_t at = last * static_cast<uint64_t>(minute + 1) / 1440;
    auto t0 = Clock::now();
    StoreSnapshot(store, feed, at, false);
    stepping.push_back(Ms(Clock::now() - t0));
  }
  Print("store_minute_by_minute", "p50_ms", Percentile(stepping, 0.5));
  Print("store_minute_by_minute", "p99_ms", Percentile(stepping, 0.99));
  Print("store_minute_by_minute", "max_ms", Percentile(stepping, 1.0));
  for (int i = 0; i < std::max(1, runs / 4); ++i) {
    auto t0 = Clock::now();
    StoreSnapshot(store, feed, last, true);
    with_full.push_back(Ms(Clock::now() - t0));
  }
  Print("store_with_articles", "p50_ms", Percentile(with_full, 0.5));
  auto t0 = Clock::now();
  const std::size_t on_instrument = StoreSnapshot(store, instrument, last, false);
  Print("store_instrument", "stories", static_cast<double>(on_instrument));
  Print("store_instrument", "ms", Ms(Clock::now() - t0));
}

// Through a daemon's query service and the subscriber library's ReadSnapshot.
void DaemonBenchmarks(const std::string& path, int runs) {
  daemon::DaemonOptions options;
  options.listen = "tcp://127.0.0.1:0";
  options.metrics_listen = "";
  options.data_dir = path;
  options.durability = store::Durability::kAsync;
  auto started = daemon::WireDaemon::Start(options);
  if (!started) Die(started.error());
  std::atomic<bool> stop{false};
  std::thread serve([&] { (*started)->Run(stop); });
  auto client = subscriber::QueryClient::Connect((*started)->hub(), std::chrono::seconds(10));
  if (!client) Die(client.error());
  auto measure = [&](const std::string& name, subscriber::SnapshotRequest request, int n) {
    std::vector<double> ms;
    std::size_t stories = 0;
    for (int i = 0; i <= n; ++i) {
      auto t0 = Clock::now();
      auto snapshot = subscriber::ReadSnapshot(**client, request);
      if (!snapshot) Die(snapshot.error());
      if (i > 0) ms.push_back(Ms(Clock::now() - t0));  // The first warms up.
      stories = snapshot->stories.size();
    }
    Print(name, "stories", static_cast<double>(stories));
    Print(name, "p50_ms", Percentile(ms, 0.5));
    Print(name, "p99_ms", Percentile(ms, 0.99));
  };
  subscriber::SnapshotRequest request;
  request.channels.feeds = {kFeed};
  request.page_size = 5000;
  measure("query_end_of_day", request, runs);
  request.page_size = 500;
  measure("query_end_of_day_pages_of_500", request, runs);
  request.page_size = 5000;
  request.as_of = google::protobuf::Timestamp();
  request.as_of->set_seconds((kDayStart + kDay / 2) / 1'000'000'000);
  measure("query_midday", request, runs);
  request.as_of.reset();
  request.with_articles = true;
  measure("query_with_articles", request, std::max(1, runs / 4));
  stop = true;
  serve.join();
}

}  // namespace
}  // namespace newswire::bench

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  if (argc > 1 && !quick) {
    std::fprintf(stderr, "usage: newswire-snapshot-bench [--quick]\n");
    return 2;
  }
  const char* base = std::getenv("PEER_TMP");
  const auto path = std::filesystem::path(base && *base ? base : "/tmp") /
                    ("newswire-snapshot-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(path);
  const std::size_t stories = quick ? 1000 : 10000;
  const int runs = quick ? 3 : 50;
  std::string instrument;
  const uint64_t last = newswire::bench::FillStore(path.string(), stories, &instrument);
  newswire::bench::StoreBenchmarks(path.string(), last, instrument, runs);
  newswire::bench::DaemonBenchmarks(path.string(), runs);
  std::filesystem::remove_all(path);
  return 0;
}
