// newswire-store-bench: the revision store next to raw RocksDB, and the
// read paths a back-tester uses (as-of lookups, history and log scans,
// replay and late-joiner catch-up through the subscriber library).
//
// Prints one figure a line, `system workload metric value`, like
// newswire-bench. Every rate is measured in this run next to its baseline:
// the store's commit rate against raw RocksDB puts of the same article bytes
// with the same durability and batch size.
#include <rocksdb/db.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "corpus.h"
#include "newswire/core/article.h"
#include "newswire/daemon/wire_daemon.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/replayer.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void Print(const std::string& workload, const std::string& metric, double value) {
  std::printf("newswire-store %s %s %.6g\n", workload.c_str(), metric.c_str(), value);
  std::fflush(stdout);
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  return values[rank];
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("PEER_TMP");
  auto dir = std::filesystem::path(base && *base ? base : std::filesystem::temp_directory_path()) /
             ("newswire-store-bench-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

// Revisions from the workload generator, in publish order.
std::vector<v1::Article> Corpus(std::size_t count) {
  std::vector<v1::Article> out;
  for (auto& revision : GenerateCorpus(CorpusOptions{}, count)) {
    out.push_back(std::move(revision.article));
  }
  return out;
}

// Commits `articles` through the store in batches of `batch` (what `batch`
// concurrent publishers give the daemon's group commit); returns revisions/s.
double StoreCommitRate(const std::vector<v1::Article>& articles, store::Durability durability,
                       std::size_t batch) {
  store::StoreOptions options;
  options.path = TempDir("store");
  options.durability = durability;
  auto opened = store::RevisionStore::Open(options);
  if (!opened) {
    std::fprintf(stderr, "# %s\n", opened.error().ToString().c_str());
    std::exit(1);
  }
  auto& store = *opened;
  const auto start = Clock::now();
  int64_t time = 1'795'590'300'000'000'000;
  for (std::size_t i = 0; i < articles.size(); i += batch) {
    std::vector<store::PublishInput> inputs;
    for (std::size_t k = i; k < std::min(articles.size(), i + batch); ++k) {
      inputs.push_back({"bench", "", 0, articles[k]});
    }
    for (auto& result : store->Publish(std::move(inputs), time += 1000)) {
      if (!result) {
        std::fprintf(stderr, "# publish failed: %s\n", result.error().ToString().c_str());
        std::exit(1);
      }
    }
  }
  const double rate = static_cast<double>(articles.size()) / Seconds(Clock::now() - start);
  store.reset();
  std::filesystem::remove_all(options.path);
  return rate;
}

// The baseline: one raw RocksDB put per revision of its canonical bytes,
// same batch size and durability, default options.
double RawRocksRate(const std::vector<v1::Article>& articles, store::Durability durability,
                    std::size_t batch) {
  const std::string path = TempDir("raw");
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, path, &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::string> values;
  for (const auto& article : articles) values.push_back(core::CanonicalBytes(article));
  rocksdb::WriteOptions write_options;
  write_options.sync = durability == store::Durability::kSync;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < values.size(); i += batch) {
    rocksdb::WriteBatch writes;
    for (std::size_t k = i; k < std::min(values.size(), i + batch); ++k) {
      char key[16];
      std::snprintf(key, sizeof key, "%015zu", k);
      writes.Put(key, values[k]);
    }
    if (!db->Write(write_options, &writes).ok()) std::exit(1);
  }
  const double rate = static_cast<double>(values.size()) / Seconds(Clock::now() - start);
  db.reset();
  std::filesystem::remove_all(path);
  return rate;
}

void CommitBenchmarks(std::size_t count) {
  const auto articles = Corpus(count);
  for (auto durability : {store::Durability::kAsync, store::Durability::kSync}) {
    const std::string mode = durability == store::Durability::kSync ? "sync" : "async";
    // Sync commits cost an fsync each: fewer of them keep the run short.
    const std::size_t n = durability == store::Durability::kSync ? count / 5 : count;
    std::vector<v1::Article> sample(articles.begin(), articles.begin() + static_cast<long>(n));
    for (std::size_t publishers : {1u, 8u}) {
      const std::string workload = "commit_" + mode + "_" + std::to_string(publishers) + "pub";
      const double ours = StoreCommitRate(sample, durability, publishers);
      const double raw = RawRocksRate(sample, durability, publishers);
      Print(workload, "revisions_per_s", ours);
      Print(workload, "raw_rocksdb_puts_per_s", raw);
      Print(workload, "ratio_vs_raw", ours / raw);
    }
  }
}

// A store of `count` revisions for the read benchmarks, one second apart.
std::unique_ptr<store::RevisionStore> LoadedStore(const std::string& path, std::size_t count,
                                                  int64_t start_ns, std::vector<std::string>& ids) {
  store::StoreOptions options;
  options.path = path;
  options.durability = store::Durability::kAsync;
  auto store = std::move(*store::RevisionStore::Open(options));
  const auto articles = Corpus(count);
  for (std::size_t i = 0; i < articles.size(); i += 256) {
    std::vector<store::PublishInput> inputs;
    for (std::size_t k = i; k < std::min(articles.size(), i + 256); ++k) {
      inputs.push_back({"bench", "", 0, articles[k]});
    }
    auto results =
        store->Publish(std::move(inputs), start_ns + static_cast<int64_t>(i) * 1'000'000'000);
    for (auto& result : results) {
      if (result) ids.push_back(result->ack.article_id());
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return store;
}

void ReadBenchmarks(std::size_t count) {
  const std::string path = TempDir("reads");
  const int64_t start = 1'795'590'300'000'000'000;
  std::vector<std::string> ids;
  auto store = LoadedStore(path, count, start, ids);
  std::mt19937_64 rng(7);
  const int64_t span = static_cast<int64_t>(count) * 1'000'000'000;

  // Warm the cache once, then time.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> as_of_us, get_us;
    for (int i = 0; i < 20000; ++i) {
      const auto& id = ids[rng() % ids.size()];
      const int64_t t = start + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
      auto t0 = Clock::now();
      (void)store->GetRevisionAsOf(id, t);
      auto t1 = Clock::now();
      (void)store->GetRevision(id, 0);
      auto t2 = Clock::now();
      as_of_us.push_back(Seconds(t1 - t0) * 1e6);
      get_us.push_back(Seconds(t2 - t1) * 1e6);
    }
    if (pass == 1) {
      Print("as_of", "p50_us", Percentile(as_of_us, 0.5));
      Print("as_of", "p99_us", Percentile(as_of_us, 0.99));
      Print("get_latest", "p50_us", Percentile(get_us, 0.5));
      Print("get_latest", "p99_us", Percentile(get_us, 0.99));
    }
  }

  auto t0 = Clock::now();
  uint64_t history = 0;
  for (const auto& id : ids) {
    if (auto revisions = store->GetHistory(id)) history += revisions->size();
  }
  Print("history_scan", "revisions_per_s",
        static_cast<double>(history) / Seconds(Clock::now() - t0));
  t0 = Clock::now();
  uint64_t logged = 0;
  for (uint64_t from = 1;;) {
    auto page = store->ReadLog(from, 1000);
    if (!page || page->empty()) break;
    logged += page->size();
    from = page->back().seq + 1;
  }
  Print("log_scan", "revisions_per_s", static_cast<double>(logged) / Seconds(Clock::now() - t0));
  store.reset();

  // Through the daemon and the subscriber library, as a back-tester does.
  daemon::DaemonOptions options;
  options.listen = "tcp://127.0.0.1:0";
  options.metrics_listen = "";
  options.data_dir = path;
  options.durability = store::Durability::kAsync;
  auto started = daemon::WireDaemon::Start(options);
  if (!started) {
    std::fprintf(stderr, "# %s\n", started.error().ToString().c_str());
    std::exit(1);
  }
  std::atomic<bool> stop{false};
  std::thread serve([&] { (*started)->Run(stop); });

  subscriber::ReplayOptions replay;
  replay.hub = (*started)->hub();
  replay.from.set_seconds(0);
  auto replayer = subscriber::Replayer::Open(replay);
  t0 = Clock::now();
  uint64_t replayed = 0, unverified = 0;
  while (true) {
    auto next = (*replayer)->Next();
    if (!next || !*next) break;
    ++replayed;
    unverified += !(*next)->verified;
  }
  Print("replay", "msgs_per_s", static_cast<double>(replayed) / Seconds(Clock::now() - t0));
  Print("replay", "msgs", static_cast<double>(replayed));
  Print("replay", "unverified", static_cast<double>(unverified));

  subscriber::SubscriberOptions late;
  late.hub = (*started)->hub();
  late.since_wire_seq = 1;
  t0 = Clock::now();
  auto joiner = subscriber::Subscriber::Connect(late);
  uint64_t caught = 0;
  while (joiner && caught < logged) {
    auto notice = (*joiner)->Next(std::chrono::milliseconds(2000));
    if (!notice || !*notice) break;
    if (std::holds_alternative<subscriber::Delivery>(**notice)) ++caught;
  }
  Print("catchup", "msgs_per_s", static_cast<double>(caught) / Seconds(Clock::now() - t0));
  Print("catchup", "msgs", static_cast<double>(caught));
  stop = true;
  serve.join();
  started->reset();
  std::filesystem::remove_all(path);
}

// A field of /proc/self/io: "wchar" (bytes passed to write calls) or
// "write_bytes" (bytes this process caused to be sent to storage).
uint64_t ProcessIo(const std::string& field) {
  std::ifstream in("/proc/self/io");
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == field + ":") return value;
  }
  return 0;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// What a revision costs the disk: RocksDB's own count of the bytes it wrote
// (WAL, flush, compaction; Written()) over `count` revisions of the workload
// corpus committed in batches of 64 with a publisher key each, as the daemon
// does under load, against the canonical bytes of the same revisions. The
// memtables are flushed at the end (a checkpoint) and compactions let finish,
// so every revision has paid its flush and its share of compaction.
void WrittenBenchmark(std::size_t count, bool compress_wal) {
  const auto articles = Corpus(count);
  store::StoreOptions options;
  options.compress_wal = compress_wal;
  options.path = TempDir("written");
  options.durability = store::Durability::kAsync;
  auto opened = store::RevisionStore::Open(options);
  if (!opened) {
    std::fprintf(stderr, "# %s\n", opened.error().ToString().c_str());
    std::exit(1);
  }
  auto& store = *opened;
  const uint64_t wchar_before = ProcessIo("wchar");
  const double cpu_before = ProcessCpuSeconds();
  uint64_t canonical = 0;
  int64_t time = 1'795'590'300'000'000'000;
  constexpr std::size_t kBatch = 64;
  for (std::size_t i = 0; i < articles.size(); i += kBatch) {
    std::vector<store::PublishInput> inputs;
    for (std::size_t k = i; k < std::min(articles.size(), i + kBatch); ++k) {
      inputs.push_back({"bench", "key-" + std::to_string(k), 0, articles[k]});
    }
    for (auto& result : store->Publish(std::move(inputs), time += 1000)) {
      v1::RevisionEvent event;
      if (!result || !event.ParseFromString(result->event)) {
        std::fprintf(stderr, "# publish failed\n");
        std::exit(1);
      }
      canonical += event.full_bytes();
    }
  }
  // A checkpoint flushes every memtable; then wait until compactions stop.
  const std::string copy = options.path + "-checkpoint";
  if (auto ok = store->Checkpoint(copy); !ok) std::exit(1);
  std::filesystem::remove_all(copy);
  for (uint64_t last = 0; last != ProcessIo("wchar");) {
    last = ProcessIo("wchar");
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  const auto n = static_cast<double>(articles.size());
  Print("written", "revisions", n);
  // Commits, flushes and compactions, all threads (the corpus was made before).
  Print("written", "cpu_us_per_revision", (ProcessCpuSeconds() - cpu_before) * 1e6 / n);
  Print("written", "canonical_bytes_per_revision", static_cast<double>(canonical) / n);
  for (const auto& [kind, bytes] : store->Written()) {
    Print("written", kind + "_bytes_per_revision", static_cast<double>(bytes) / n);
  }
  // The tickers count the WAL before its compression: the process's write
  // calls (nothing else in it writes) say what reached the files.
  const auto files = static_cast<double>(ProcessIo("wchar") - wchar_before);
  uint64_t tables = 0;
  for (const auto& [kind, bytes] : store->Written()) {
    if (kind == "flush" || kind == "compaction") tables += bytes;
  }
  Print("written", "wal_file_bytes_per_revision", (files - static_cast<double>(tables)) / n);
  Print("written", "total_bytes_per_revision", files / n);
  Print("written", "ratio_to_canonical", files / static_cast<double>(canonical));
  uint64_t disk = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options.path)) {
    if (entry.is_regular_file()) disk += entry.file_size();
  }
  Print("written", "disk_bytes_per_revision", static_cast<double>(disk) / n);
  store.reset();
  std::filesystem::remove_all(options.path);
}

}  // namespace
}  // namespace newswire::bench

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  if ((argc == 3 || argc == 4) && std::string(argv[1]) == "--written") {
    newswire::bench::WrittenBenchmark(std::stoul(argv[2]),
                                      argc == 4 && std::string(argv[3]) == "--compressed-wal");
    return 0;
  }
  if (argc > 1 && !quick) {
    std::fprintf(stderr,
                 "usage: newswire-store-bench [--quick | --written N [--compressed-wal]]\n"
                 "  the store next to raw RocksDB, and its read paths; figures on stdout\n"
                 "  --written N: only the bytes RocksDB writes per revision, over N revisions\n"
                 "  (--compressed-wal: with StoreOptions::compress_wal)\n");
    return 2;
  }
  std::fprintf(stderr, "# written: bytes RocksDB writes per revision\n");
  newswire::bench::WrittenBenchmark(quick ? 2000 : 100000, false);
  std::fprintf(stderr, "# commit: the store vs raw RocksDB puts of the same bytes\n");
  newswire::bench::CommitBenchmarks(quick ? 2000 : 20000);
  std::fprintf(stderr, "# reads: as-of, lookups, scans, replay, catch-up\n");
  newswire::bench::ReadBenchmarks(quick ? 5000 : 60000);
  return 0;
}
