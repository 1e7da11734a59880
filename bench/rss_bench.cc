// newswire-rss-bench: does the daemon's memory stay flat as the store grows?
//
// Fills a store through the store API to a small size, starts the real
// newswired on it, drives one fixed workload (publishes of new stories and
// updates of stored ones, then random reads) and reads the daemon's VmRSS
// and VmHWM; then stops it, grows the same store to the large size and runs
// the identical workload again. Prints `newswire-rss WORKLOAD METRIC VALUE`.
//
//   newswire-rss-bench [--quick] [--small N] [--large N] [--workload N]
//                      [--reads N] [--keep] [--daemon PATH]
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "corpus.h"
#include "daemon_process.h"
#include "newswire/core/numbers.h"
#include "newswire/publisher/publisher.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/query_client.h"

extern char** environ;

namespace newswire::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::DaemonProcess;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Log(const std::string& line) {
  std::fprintf(stderr, "# %s\n", line.c_str());
  std::fflush(stderr);
}

[[noreturn]] void Fail(const std::string& why) {
  Log("FAILED: " + why);
  std::exit(1);
}

void Print(const std::string& workload, const std::string& metric, double value) {
  std::printf("newswire-rss %s %s %.6g\n", workload.c_str(), metric.c_str(), value);
  std::fflush(stdout);
}

struct Settings {
  std::size_t small = 100'000;
  std::size_t large = 1'000'000;
  std::size_t workload = 20'000;  // Revisions published per measurement.
  std::size_t reads = 5'000;      // GetArticle calls per measurement.
  std::string daemon_path = NEWSWIRE_RSS_BENCH_DAEMON_PATH;
};

std::string Label(std::size_t n) {
  if (n % 1'000'000 == 0) return "store_" + std::to_string(n / 1'000'000) + "m";
  if (n % 1'000 == 0) return "store_" + std::to_string(n / 1'000) + "k";
  return "store_" + std::to_string(n);
}

// Grows the store by publishing the fill corpus through the store API. The
// generator and the id list live across calls so the second fill continues
// the same stream (new stories and revisions of earlier ones).
class Filler {
 public:
  explicit Filler(std::string path) : path_(std::move(path)), corpus_(Options()) {}

  void GrowTo(std::size_t target) {
    store::StoreOptions options;
    options.path = path_;
    options.durability = store::Durability::kAsync;
    auto opened = store::RevisionStore::Open(options);
    if (!opened) Fail("open store: " + opened.error().ToString());
    auto& store = *opened;
    const auto start = Clock::now();
    const std::size_t from = stored_;
    constexpr std::size_t kBatch = 256;
    while (stored_ < target) {
      std::vector<store::PublishInput> inputs;
      for (std::size_t k = 0; k < kBatch && stored_ + k < target; ++k) {
        Revision revision = corpus_.Next();
        if (revision.version == 1) ids_.push_back(revision.article.id());
        inputs.push_back({"rss-fill", "", 0, std::move(revision.article)});
      }
      // Wire time is max(now, last) in the store; real time keeps the daemon's
      // later stamps in order with these.
      for (auto& result : store->Publish(std::move(inputs), WallNs())) {
        if (!result) Fail("fill publish: " + result.error().ToString());
        ++stored_;
      }
    }
    const double secs = Seconds(Clock::now() - start);
    char line[160];
    std::snprintf(line, sizeof line, "filled %zu -> %zu revisions in %.1f s (%.0f/s), %zu articles",
                  from, stored_, secs, static_cast<double>(stored_ - from) / secs, ids_.size());
    Log(line);
    Print(Label(target), "fill_revisions_per_s", static_cast<double>(stored_ - from) / secs);
  }

  const std::vector<std::string>& ids() const { return ids_; }
  std::size_t stored() const { return stored_; }

 private:
  static CorpusOptions Options() {
    CorpusOptions options;
    options.id_prefix = "fill";
    return options;
  }

  std::string path_;
  CorpusGenerator corpus_;
  std::vector<std::string> ids_;  // Every fill article, for random updates and reads.
  std::size_t stored_ = 0;
};

// A newswired on the store folder, on free loopback ports.
std::unique_ptr<DaemonProcess> StartDaemon(const std::string& path, const std::string& data_dir) {
  auto daemon =
      DaemonProcess::Start(path,
                           {"--listen", "tcp://127.0.0.1:0", "--data-dir", data_dir, "--durability",
                            "async", "--metrics-listen", "127.0.0.1:0", "--log-level", "warn"},
                           std::chrono::seconds(60), data_dir + ".log");
  if (!daemon) Fail(daemon.error().message);
  return std::move(*daemon);
}

// The store's own sizes from /metrics (block cache, memtables): what of the
// RSS RocksDB accounts for.
std::vector<std::string> StoreGauges(const DaemonProcess& daemon) {
  std::vector<std::string> lines;
  const auto colon = daemon.metrics().rfind(':');
  if (colon == std::string::npos) return lines;
  const auto port =
      core::ParseNumber<uint16_t>(std::string_view(daemon.metrics()).substr(colon + 1));
  if (!port) return lines;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(*port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return lines;
  }
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) < 0) Log("metrics request failed");
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  for (std::size_t at = 0; (at = text.find("\nnewswire_store_bytes{", at)) != std::string::npos;) {
    const std::size_t end = text.find('\n', at + 1);
    lines.push_back(text.substr(at + 1, end - at - 1));
    at = end;
  }
  return lines;
}

// Sends `articles` keeping up to 128 un-acked; every one must be acked.
void PublishAll(publisher::Publisher& pub, const std::vector<v1::Article>& articles) {
  constexpr std::size_t kWindow = 128;
  std::size_t next = 0, in_flight = 0, acked = 0;
  while (next < articles.size() || in_flight > 0) {
    while (next < articles.size() && in_flight < kWindow) {
      auto sent = pub.Send(articles[next++]);
      if (!sent) Fail("send: " + sent.error().ToString());
      ++in_flight;
    }
    auto reply = pub.Receive(milliseconds(20000));
    if (!reply) Fail("receive: " + reply.error().ToString());
    if (!reply->has_ack()) Fail("publish: " + Error::FromProto(reply->error()).ToString());
    --in_flight;
    ++acked;
  }
  if (acked != articles.size()) Fail("not every publish was acked");
}

// An update of a stored article as an editor would send it: a new paragraph
// and update note, an hour later.
v1::Article Updated(v1::Article article, std::size_t n) {
  article.set_version(0);
  article.add_body("Update " + std::to_string(n) +
                   ": the company confirmed the figures in a statement after the close.");
  article.set_ednote("Adds company statement");
  article.mutable_versioncreated()->set_seconds(article.versioncreated().seconds() + 3600);
  return article;
}

struct Memory {
  double rss = 0, hwm = 0;  // MiB.
};

// The identical workload at each size: half new stories (same seed, own id
// prefix so their versions start at 1), half updates of random stored
// articles, then random reads. Returns the daemon's memory after it.
Memory RunWorkload(const Settings& s, const std::string& label, const std::string& data_dir,
                   const std::vector<std::string>& ids) {
  auto daemon_process = StartDaemon(s.daemon_path, data_dir);
  DaemonProcess& daemon = *daemon_process;
  const double rss_start = daemon.Usage().resident_bytes / (1 << 20);
  const double hwm_start = daemon.Usage().peak_resident_bytes / (1 << 20);  // Open, WAL recovery.
  const auto start = Clock::now();

  publisher::PublisherOptions options;
  options.hub = daemon.hub();
  options.publisher_id = "rss-bench";
  auto pub = publisher::Publisher::Connect(options);
  if (!pub) Fail("publisher: " + pub.error().ToString());
  auto query = subscriber::QueryClient::Connect(daemon.hub(), milliseconds(20000));
  if (!query) Fail("query client: " + query.error().ToString());

  // New stories and their revisions, as the generator interleaves them.
  CorpusOptions fresh;
  fresh.seed = 7;
  fresh.id_prefix = "rss-" + label;
  std::vector<v1::Article> articles;
  for (auto& r : GenerateCorpus(fresh, s.workload / 2)) articles.push_back(std::move(r.article));
  PublishAll(**pub, articles);

  // Updates of stored articles: read the latest, edit, publish.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, ids.size() - 1);
  articles.clear();
  for (std::size_t i = 0; i < s.workload - s.workload / 2; ++i) {
    auto got = (*query)->GetArticle(ids[pick(rng)], 0);
    if (!got) Fail("get for update: " + got.error().ToString());
    articles.push_back(Updated(std::move(*got->mutable_article()), i));
  }
  PublishAll(**pub, articles);

  // Plain reads of random stored articles and versions.
  for (std::size_t i = 0; i < s.reads; ++i) {
    auto got = (*query)->GetArticle(ids[pick(rng)], i % 4 == 0 ? 1 : 0);
    if (!got) Fail("get: " + got.error().ToString());
  }

  const double secs = Seconds(Clock::now() - start);
  const double rss = daemon.Usage().resident_bytes / (1 << 20);
  const double hwm = daemon.Usage().peak_resident_bytes / (1 << 20);
  Print(label, "rss_start_mib", rss_start);
  Print(label, "hwm_start_mib", hwm_start);
  Print(label, "rss_mib", rss);
  Print(label, "hwm_mib", hwm);
  Print(label, "workload_s", secs);
  for (const auto& line : StoreGauges(daemon)) Log(label + " " + line);
  daemon.Stop();
  return {rss, hwm};
}

std::size_t Count(const char* text) {
  const auto n = core::ParseNumber<std::size_t>(text);
  if (!n || *n == 0) Fail(std::string("not a count: ") + text);
  return *n;
}

int Main(int argc, char** argv) {
  Settings s;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      s.small = 5'000;
      s.large = 20'000;
      s.workload = 2'000;
      s.reads = 500;
    } else if (arg == "--small" && has_value) {
      s.small = Count(argv[++i]);
    } else if (arg == "--large" && has_value) {
      s.large = Count(argv[++i]);
    } else if (arg == "--workload" && has_value) {
      s.workload = std::max<std::size_t>(2, Count(argv[++i]));
    } else if (arg == "--reads" && has_value) {
      s.reads = Count(argv[++i]);
    } else if (arg == "--keep") {
      keep = true;  // Leave the store for inspection.
    } else if (arg == "--daemon" && has_value) {
      s.daemon_path = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: newswire-rss-bench [--quick] [--small N] [--large N] [--workload N] "
                   "[--reads N] [--keep] [--daemon PATH]\n");
      return 2;
    }
  }
  if (s.large <= s.small) Fail("--large must be above --small");

  const char* base = std::getenv("TMPDIR");
  const auto dir = std::filesystem::path(base && *base ? base : "/tmp") /
                   ("newswire-rss-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string data_dir = (dir / "store").string();
  const auto started = Clock::now();

  Filler filler(data_dir);
  const std::string small = Label(s.small), large = Label(s.large);
  filler.GrowTo(s.small);
  const Memory a = RunWorkload(s, small, data_dir, filler.ids());
  // The workload's revisions come on top; sizes count the fill's own.
  filler.GrowTo(s.large);
  const Memory b = RunWorkload(s, large, data_dir, filler.ids());

  std::error_code ignored;
  const auto bytes = [&] {
    uintmax_t total = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir, ignored)) {
      if (e.is_regular_file(ignored)) total += e.file_size(ignored);
    }
    return total;
  }();
  if (keep) {
    Log("kept " + dir.string());
  } else {
    std::filesystem::remove_all(dir, ignored);
  }

  Print("store", "disk_mib_large", static_cast<double>(bytes) / (1 << 20));
  const std::string pair = large + "_vs_" + small.substr(6);
  Print(pair, "rss_ratio", b.rss / a.rss);
  Print(pair, "hwm_ratio", b.hwm / a.hwm);
  Print("store", "total_s", Seconds(Clock::now() - started));
  const bool flat = b.rss <= a.rss * 1.2;
  Log(std::string("RSS ") + (flat ? "flat" : "NOT flat") + " within 20%");
  return 0;
}

}  // namespace
}  // namespace newswire::bench

int main(int argc, char** argv) { return newswire::bench::Main(argc, argv); }
