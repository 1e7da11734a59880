// newswire-bench: the end-to-end load generator. Starts its own newswired on
// loopback (once per durability mode) or targets a running one with --hub,
// drives it with a seeded corpus of realistic revisions, and prints one
// figure a line as `system workload metric value`, the format of the peer
// benchmark in ../shared/peers, so both can run side by side. With
// --security off,on each durability mode runs twice, in clear and with
// CURVE and an access file, and the on/off ratios are printed. Progress
// goes to stderr, prefixed with '#'. See bench/README.md.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "corpus.h"
#include "daemon_process.h"  // tests/support: one way to start a daemon
#include "newswire/core/article.h"
#include "newswire/core/diff.h"
#include "newswire/publisher/publisher.h"
#include "newswire/security/curve.h"
#include "newswire/security/keys.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/replayer.h"
#include "newswire/subscriber/subscriber.h"

extern char** environ;

namespace newswire::bench {
namespace {

using std::chrono::milliseconds;
using testing::DaemonProcess;

// ---------------------------------------------------------------- clocks, output

// CLOCK_REALTIME, as the peers stamp their messages.
int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Pacing to an absolute schedule: a late wake-up does not lower the rate.
void SleepUntilNs(int64_t t_ns) {
  timespec ts{static_cast<time_t>(t_ns / 1'000'000'000), static_cast<long>(t_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

std::string FormatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

double Seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

void Log(const std::string& line) {
  std::fprintf(stderr, "# %s\n", line.c_str());
  std::fflush(stderr);
}

// Figures on stdout; a failed sanity check marks the run as failed.
class Report {
 public:
  explicit Report(std::string system) : system_(std::move(system)) {}

  void Figure(const std::string& workload, const std::string& metric, double value,
              int decimals = 0) {
    std::printf("%s %s %s %.*f\n", system_.c_str(), workload.c_str(), metric.c_str(), decimals,
                value);
    std::fflush(stdout);
    figures_[workload + " " + metric] = value;
  }
  // A figure printed before ("workload metric"); nullopt when it was not.
  std::optional<double> Value(const std::string& key) const {
    auto it = figures_.find(key);
    return it == figures_.end() ? std::nullopt : std::optional(it->second);
  }
  void Text(const std::string& workload, const std::string& metric, const std::string& value) {
    std::printf("%s %s %s %s\n", system_.c_str(), workload.c_str(), metric.c_str(), value.c_str());
    std::fflush(stdout);
  }
  void Check(bool ok, const std::string& what) {
    if (ok) return;
    Log(system_ + ": CHECK FAILED: " + what);
    failed_ = true;
  }
  bool failed() const { return failed_; }
  const std::string& system() const { return system_; }

 private:
  std::string system_;
  bool failed_ = false;
  std::map<std::string, double> figures_;
};

// Nearest-rank percentile of sorted nanoseconds, in microseconds.
double PercentileUs(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return -1;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

// ---------------------------------------------------------------- settings

struct Settings {
  std::string hub;  // Empty: start our own daemon.
  std::string daemon_path = NEWSWIRE_BENCH_DAEMON_PATH;
  std::vector<std::string> modes = {"async", "sync"};
  std::vector<std::string> security = {"off"};  // "on": CURVE and an access file.
  std::string host = "127.0.0.1";
  int port = 0;
  std::string tmp;
  uint64_t seed = 20261125;
  std::size_t n_publish = 50000;
  std::size_t n_fanout = 20000;
  int subs = 10;
  double rate = 2000;
  double fast_rate = 20000;
  double duration_s = 10;
  int window = 256;
  int publishers = 8;
  std::size_t rebuild_threads = 0;     // Replay's ReplayOptions::rebuild_threads (0: its default).
  std::vector<std::string> workloads;  // Empty: all of them.
  bool quick = false;
  long dump_corpus = -1;
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

constexpr const char* kUsage =
    "usage: newswire-bench [--quick] [--hub tcp://HOST:PORT | --daemon PATH] [--modes async,sync]\n"
    "                      [--security off,on]\n"
    "                      [--n-publish N] [--n-fanout N] [--subs N] [--rate R] [--fast-rate R]\n"
    "                      [--duration S] [--window W] [--publishers P] [--seed S]\n"
    "                      [--rebuild-threads N]\n"
    "                      [--host H] [--port P] [--tmp DIR] [--dump-corpus N]\n"
    "                      [--workloads "
    "publish,publish8,latency,latency20k,fanout,replay_get,replay]\n"
    "Defaults come from PEER_HOST, PEER_PORT, PEER_TMP, PEER_N_PUBLISH, PEER_N_FANOUT,\n"
    "PEER_SUBS, PEER_RATE, PEER_DURATION and PEER_WINDOW when set (see ../shared/peers).\n";

// Environment first (the peers' harness), then flags; nullopt on bad usage.
std::optional<Settings> ParseSettings(int argc, char** argv) {
  Settings s;
  auto number = [](const std::string& text, double& out) {
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return !text.empty() && end != nullptr && *end == '\0' && out >= 0;
  };
  std::vector<std::pair<std::string, std::string>> options;
  for (const char* key : {"PEER_HOST", "PEER_PORT", "PEER_TMP", "PEER_N_PUBLISH", "PEER_N_FANOUT",
                          "PEER_SUBS", "PEER_RATE", "PEER_DURATION", "PEER_WINDOW"}) {
    if (std::string value = Env(key); !value.empty()) options.emplace_back(key, value);
  }
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--quick") {
      quick = true;
    } else if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (flag.rfind("--", 0) == 0 && i + 1 < argc) {
      options.emplace_back(flag, argv[++i]);
    } else {
      std::fprintf(stderr, "newswire-bench: unknown or incomplete option %s\n%s", argv[i], kUsage);
      return std::nullopt;
    }
  }
  if (quick) {
    // Small enough for CI (~10-20 s for both modes); flags may still override.
    s.quick = true;
    s.n_publish = 3000;
    s.n_fanout = 1000;
    s.subs = 3;
    s.duration_s = 1;
    options.erase(std::remove_if(options.begin(), options.end(),
                                 [](const auto& o) {
                                   return o.first.rfind("PEER_", 0) == 0 &&
                                          o.first != "PEER_HOST" && o.first != "PEER_PORT" &&
                                          o.first != "PEER_TMP";
                                 }),
                  options.end());
  }
  for (const auto& [key, value] : options) {
    double v = 0;
    const bool numeric = number(value, v);
    if (key == "--hub") {
      s.hub = value;
    } else if (key == "--daemon") {
      s.daemon_path = value;
    } else if (key == "--modes") {
      s.modes = Split(value, ',');
    } else if (key == "--security") {
      s.security = Split(value, ',');
    } else if (key == "--workloads") {
      s.workloads = Split(value, ',');
    } else if (key == "--host" || key == "PEER_HOST") {
      s.host = value;
    } else if (key == "--tmp" || key == "PEER_TMP") {
      s.tmp = value;
    } else if (!numeric) {
      std::fprintf(stderr, "newswire-bench: %s needs a non-negative number, not '%s'\n",
                   key.c_str(), value.c_str());
      return std::nullopt;
    } else if (key == "--port" || key == "PEER_PORT") {
      s.port = static_cast<int>(v);
    } else if (key == "--seed") {
      s.seed = static_cast<uint64_t>(v);
    } else if (key == "--n-publish" || key == "PEER_N_PUBLISH") {
      s.n_publish = static_cast<std::size_t>(v);
    } else if (key == "--n-fanout" || key == "PEER_N_FANOUT") {
      s.n_fanout = static_cast<std::size_t>(v);
    } else if (key == "--subs" || key == "PEER_SUBS") {
      s.subs = std::max(1, static_cast<int>(v));
    } else if (key == "--rate" || key == "PEER_RATE") {
      s.rate = std::max(1.0, v);
    } else if (key == "--fast-rate") {
      s.fast_rate = std::max(1.0, v);
    } else if (key == "--duration" || key == "PEER_DURATION") {
      s.duration_s = v;
    } else if (key == "--window" || key == "PEER_WINDOW") {
      s.window = std::max(1, static_cast<int>(v));
    } else if (key == "--publishers") {
      s.publishers = std::max(1, static_cast<int>(v));
    } else if (key == "--rebuild-threads") {
      s.rebuild_threads = static_cast<std::size_t>(v);
    } else if (key == "--dump-corpus") {
      s.dump_corpus = static_cast<long>(v);
    } else {
      std::fprintf(stderr, "newswire-bench: unknown option %s\n%s", key.c_str(), kUsage);
      return std::nullopt;
    }
  }
  const bool loopback = s.host.rfind("127.", 0) == 0 || s.host == "localhost" || s.host == "::1";
  if (!loopback) {
    std::fprintf(stderr, "newswire-bench: refusing non-loopback host %s\n", s.host.c_str());
    return std::nullopt;
  }
  for (const auto& mode : s.modes) {
    if (mode != "async" && mode != "sync") {
      std::fprintf(stderr, "newswire-bench: --modes takes async and/or sync\n");
      return std::nullopt;
    }
  }
  for (const auto& security : s.security) {
    if (security != "off" && security != "on") {
      std::fprintf(stderr, "newswire-bench: --security takes off and/or on\n");
      return std::nullopt;
    }
  }
  return s;
}

// ---------------------------------------------------------------- the daemon

// A newswired child process on a temp store. The harness's suggested port
// may be taken: then let the daemon pick free ones.
std::unique_ptr<DaemonProcess> StartDaemon(const Settings& settings, const std::string& mode,
                                           const std::string& data_dir,
                                           const std::vector<std::string>& extra = {}) {
  auto start = [&](int port) {
    std::vector<std::string> args = {
        "--listen",         "tcp://" + settings.host + ":" + std::to_string(port),
        "--data-dir",       data_dir,
        "--durability",     mode,
        "--log-level",      "warn",
        "--metrics-listen", settings.host + ":0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return DaemonProcess::Start(settings.daemon_path, args, std::chrono::seconds(20),
                                data_dir + ".log");
  };
  auto daemon = start(settings.port);
  if (!daemon && settings.port != 0) daemon = start(0);
  if (!daemon) {
    std::fprintf(stderr, "# %s\n", daemon.error().message.c_str());
    return nullptr;
  }
  return std::move(*daemon);
}

// Security on: a key pair for the daemon and one for the benchmark's
// clients (a publisher and reader of every feed: the mixed channels, as
// with security off), written in `dir` as `newswire keygen` writes them,
// and the access file naming it. The daemon's flags, and the clients' CURVE.
struct SecureSetup {
  std::vector<std::string> daemon_flags;
  security::CurveClient client;
};

Result<SecureSetup> MakeKeys(const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (const char* name : {"daemon", "bench"}) {
    auto pair = security::GenerateKeyPair();
    if (!pair) return Fail(pair.error());
    if (auto files = security::WriteKeyFiles(*pair, dir, name); !files) return Fail(files.error());
  }
  auto bench_key = security::ReadPublicKeyFile(dir + "/bench.pub");
  if (!bench_key) return Fail(bench_key.error());
  std::ofstream(dir + "/access.toml")
      << "[[identity]]\nname = \"bench\"\npublic_key = \"" << *bench_key
      << "\"\nroles = [\"publisher\", \"subscriber\"]\npublish_feeds = [\"*\"]\n"
         "read_feeds = [\"*\"]\n";
  auto client = security::LoadCurveClient(dir + "/bench.key", dir + "/daemon.pub");
  if (!client) return Fail(client.error());
  return SecureSetup{{"--curve-secret-key", dir + "/daemon.key", "--access", dir + "/access.toml"},
                     **client};
}

// ---------------------------------------------------------------- corpus helpers

std::string RevisionKey(const std::string& article_id, uint32_t version) {
  return article_id + "#" + std::to_string(version);
}

// Every revision of a workload's corpus valid, as the daemon will check.
bool ValidateCorpus(const std::vector<Revision>& corpus, std::size_t limit, std::string* problem) {
  for (std::size_t i = 0; i < std::min(limit, corpus.size()); ++i) {
    v1::Article copy = corpus[i].article;
    if (auto ok = core::NormalizeAndValidate(copy); !ok) {
      *problem = corpus[i].article.id() + ": " + ok.error().ToString();
      return false;
    }
  }
  return true;
}

struct CorpusSpec {
  std::string prefix;
  uint64_t seed;
  std::size_t count;
};

// Generates a workload's corpus and checks it; aborts the workload (empty)
// when the generator produced something the daemon would refuse.
std::vector<Revision> MakeCorpus(const CorpusSpec& spec, bool validate_all, Report& report) {
  const int64_t start = NowNs();
  CorpusOptions options;
  options.seed = spec.seed;
  options.id_prefix = spec.prefix;
  std::vector<Revision> corpus = GenerateCorpus(options, spec.count);
  std::string problem;
  const bool valid = ValidateCorpus(corpus, validate_all ? corpus.size() : 2000, &problem);
  report.Check(valid, "generator made an invalid revision: " + problem);
  char line[160];
  std::snprintf(line, sizeof line, "corpus %s: %zu revisions in %.2f s", spec.prefix.c_str(),
                corpus.size(), Seconds(NowNs() - start));
  Log(line);
  if (!valid) corpus.clear();
  return corpus;
}

// ---------------------------------------------------------------- publishing

struct PublishOutcome {
  uint64_t acked = 0;
  uint64_t errors = 0;
  std::string first_error;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  std::vector<v1::PublishAck> acks;
};

// Sends `revisions` in order keeping up to `window` un-acked, as the peers do.
PublishOutcome PublishWindowed(publisher::Publisher& pub,
                               const std::vector<const Revision*>& revisions, int window,
                               bool keep_acks) {
  PublishOutcome out;
  if (keep_acks) out.acks.reserve(revisions.size());
  std::size_t next = 0;
  int in_flight = 0;
  out.start_ns = NowNs();
  while (next < revisions.size() || in_flight > 0) {
    while (next < revisions.size() && in_flight < window) {
      auto sent = pub.Send(revisions[next++]->article);
      if (!sent) {
        if (out.errors++ == 0) out.first_error = sent.error().ToString();
        continue;
      }
      ++in_flight;
    }
    if (in_flight == 0) break;
    auto reply = pub.Receive(milliseconds(10000));
    if (!reply) {
      if (out.errors == 0) out.first_error = reply.error().ToString();
      out.errors += static_cast<uint64_t>(in_flight);  // No answer in 10 s: count them lost.
      break;
    }
    --in_flight;
    if (reply->has_ack()) {
      ++out.acked;
      if (keep_acks) out.acks.push_back(std::move(*reply->mutable_ack()));
    } else if (out.errors++ == 0) {
      out.first_error = Error::FromProto(reply->error()).ToString();
    }
  }
  out.end_ns = NowNs();
  return out;
}

std::unique_ptr<publisher::Publisher> ConnectPublisher(
    const std::string& hub, const std::string& id,
    const std::optional<security::CurveClient>& curve) {
  publisher::PublisherOptions options;
  options.hub = hub;
  options.curve = curve;
  options.publisher_id = id;
  auto pub = publisher::Publisher::Connect(options);
  if (!pub) {
    Log("publisher: " + pub.error().ToString());
    return nullptr;
  }
  return std::move(*pub);
}

std::unique_ptr<subscriber::Subscriber> ConnectSubscriber(
    const std::string& hub, const std::optional<security::CurveClient>& curve) {
  subscriber::SubscriberOptions options;
  options.hub = hub;
  options.curve = curve;
  auto sub = subscriber::Subscriber::Connect(options);
  if (!sub) {
    Log("subscriber: " + sub.error().ToString());
    return nullptr;
  }
  return std::move(*sub);
}

std::vector<const Revision*> Pointers(const std::vector<Revision>& corpus) {
  std::vector<const Revision*> out;
  out.reserve(corpus.size());
  for (const auto& r : corpus) out.push_back(&r);
  return out;
}

// ---------------------------------------------------------------- workloads

struct Context {
  const Settings& settings;
  std::string hub;
  Report& report;
  const DaemonProcess* daemon;                 // Null with --hub.
  std::optional<security::CurveClient> curve;  // Security on.
  std::vector<v1::PublishAck> history;         // Acks of (a), for replay.
  double zstd_seconds = 0;
};

// (a) One publisher, a window of in-flight publishes.
void RunPublish(Context& ctx) {
  auto corpus =
      MakeCorpus({"a", ctx.settings.seed, ctx.settings.n_publish}, ctx.settings.quick, ctx.report);
  auto pub = ConnectPublisher(ctx.hub, "bench-a", ctx.curve);
  if (corpus.empty() || !pub) return ctx.report.Check(false, "publish: no corpus or publisher");
  Log(ctx.report.system() + ": (a) publish " + std::to_string(corpus.size()) + ", window " +
      std::to_string(ctx.settings.window));
  auto out = PublishWindowed(*pub, Pointers(corpus), ctx.settings.window, true);
  const double s = Seconds(out.end_ns - out.start_ns);
  ctx.report.Figure("publish", "revisions_per_s", static_cast<double>(out.acked) / s);
  ctx.report.Figure("publish", "acked", static_cast<double>(out.acked));
  ctx.report.Figure("publish", "ack_errors", static_cast<double>(out.errors));
  if (!out.first_error.empty()) Log("publish: first error: " + out.first_error);
  ctx.report.Check(out.acked == corpus.size() && out.errors == 0,
                   "publish: not every revision acked");
  ctx.history = std::move(out.acks);
}

// (a) Several publishers at once, each its own connection and thread; the
// corpus is split by article so each story's revisions stay in order.
void RunPublishConcurrent(Context& ctx) {
  const int n = ctx.settings.publishers;
  auto corpus = MakeCorpus({"a8", ctx.settings.seed + 1, ctx.settings.n_publish},
                           ctx.settings.quick, ctx.report);
  if (corpus.empty()) return;
  std::vector<std::vector<const Revision*>> shares(static_cast<std::size_t>(n));
  std::unordered_map<std::string, std::size_t> owner;
  for (const auto& r : corpus) {
    auto [it, fresh] = owner.emplace(r.article.id(), owner.size() % static_cast<std::size_t>(n));
    shares[it->second].push_back(&r);
  }
  std::vector<std::unique_ptr<publisher::Publisher>> pubs;
  for (int i = 0; i < n; ++i) {
    pubs.push_back(ConnectPublisher(ctx.hub, "bench-a8-" + std::to_string(i), ctx.curve));
    if (!pubs.back()) return ctx.report.Check(false, "publish8: no publisher");
  }
  const std::string workload = "publish" + std::to_string(n);
  Log(ctx.report.system() + ": (a) " + workload + " " + std::to_string(corpus.size()) +
      ", window " + std::to_string(ctx.settings.window) + " each");
  std::vector<PublishOutcome> outs(static_cast<std::size_t>(n));
  std::latch go(n + 1);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      outs[i] = PublishWindowed(*pubs[i], shares[i], ctx.settings.window, false);
    });
  }
  go.arrive_and_wait();
  const int64_t start = NowNs();
  for (auto& t : threads) t.join();
  uint64_t acked = 0, errors = 0;
  int64_t end = start;
  for (const auto& o : outs) {
    acked += o.acked;
    errors += o.errors;
    end = std::max(end, o.end_ns);
    if (!o.first_error.empty()) Log(workload + ": first error: " + o.first_error);
  }
  ctx.report.Figure(workload, "revisions_per_s", static_cast<double>(acked) / Seconds(end - start));
  ctx.report.Figure(workload, "acked", static_cast<double>(acked));
  ctx.report.Figure(workload, "ack_errors", static_cast<double>(errors));
  ctx.report.Check(acked == corpus.size() && errors == 0, workload + ": not every revision acked");
}

struct ByteStats {
  std::vector<uint32_t> wire, full, version;
  std::vector<std::size_t> position;
};

// (b) Publish -> subscriber applied and verified, at a paced rate. The
// benchmark holds the send time of every revision, keyed by article id and
// the version the wire will give it.
void RunLatency(Context& ctx, const std::string& workload, double rate, uint64_t seed,
                bool measure_bytes) {
  const auto count = static_cast<std::size_t>(std::llround(rate * ctx.settings.duration_s));
  auto corpus = MakeCorpus({workload, seed, count}, ctx.settings.quick, ctx.report);
  if (corpus.empty()) return;
  std::unordered_map<std::string, std::size_t> position;
  position.reserve(corpus.size());
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    position.emplace(RevisionKey(corpus[i].article.id(), corpus[i].version), i);
  }
  auto send_ns = std::make_unique<std::atomic<int64_t>[]>(corpus.size());
  auto pub = ConnectPublisher(ctx.hub, "bench-" + workload, ctx.curve);
  auto sub = ConnectSubscriber(ctx.hub, ctx.curve);
  if (!pub || !sub) return ctx.report.Check(false, workload + ": cannot connect");

  std::atomic<bool> publisher_done{false};
  std::atomic<uint64_t> sent{0};
  std::vector<int64_t> latencies;
  latencies.reserve(corpus.size());
  std::vector<uint8_t> seen(corpus.size(), 0);
  uint64_t unverified = 0, repaired = 0, gaps = 0, unmatched = 0, duplicates = 0;
  ByteStats bytes;
  std::thread reader([&] {
    std::optional<int64_t> drain_deadline;
    uint64_t delivered = 0;
    while (true) {
      if (publisher_done.load() && !drain_deadline) drain_deadline = NowNs() + 15'000'000'000;
      if (drain_deadline && (delivered >= sent.load() || NowNs() > *drain_deadline)) break;
      auto next = sub->Next(milliseconds(50));
      const int64_t now = NowNs();
      if (!next) {
        Log(workload + ": subscriber: " + next.error().ToString());
        break;
      }
      if (!next->has_value()) continue;
      const auto& notice = **next;
      if (std::holds_alternative<subscriber::Gap>(notice)) ++gaps;
      if (!std::holds_alternative<subscriber::Delivery>(notice)) continue;
      const auto& d = std::get<subscriber::Delivery>(notice);
      auto it = position.find(RevisionKey(d.event.article_id(), d.event.version()));
      if (it == position.end()) {
        ++unmatched;
        continue;
      }
      if (seen[it->second]++) {
        ++duplicates;
        continue;
      }
      ++delivered;
      latencies.push_back(now - send_ns[it->second].load(std::memory_order_acquire));
      if (!d.verified) ++unverified;
      if (d.repaired) ++repaired;
      if (measure_bytes) {
        bytes.wire.push_back(static_cast<uint32_t>(d.event_bytes));
        bytes.full.push_back(d.event.full_bytes());
        bytes.version.push_back(d.event.version());
        bytes.position.push_back(it->second);
      }
    }
  });

  Log(ctx.report.system() + ": (b) " + workload + " " + std::to_string(static_cast<long>(rate)) +
      "/s x " + FormatNumber(ctx.settings.duration_s) + " s");
  const auto period_ns = static_cast<int64_t>(1e9 / rate);
  const int64_t start = NowNs() + 1'000'000;
  int64_t behind_max = 0;
  int in_flight = 0;
  uint64_t acked = 0, errors = 0;
  std::string first_error;
  auto take_reply = [&](milliseconds timeout) {
    auto reply = pub->Receive(timeout);
    if (!reply) return false;
    --in_flight;
    if (reply->has_ack()) {
      ++acked;
    } else if (errors++ == 0) {
      first_error = Error::FromProto(reply->error()).ToString();
    }
    return true;
  };
  // An offered rate the wire cannot sustain shows as a growing delay behind
  // schedule; past 2 s the run stops rather than measure an ever longer queue.
  constexpr int64_t kMaxBehindNs = 2'000'000'000;
  bool stopped_behind = false;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const int64_t due = start + static_cast<int64_t>(i) * period_ns;
    SleepUntilNs(due);
    // Acks are not on the latency path, but the window bounds what is in flight.
    while (in_flight >= ctx.settings.window && take_reply(milliseconds(10000))) {
    }
    const int64_t now = NowNs();
    behind_max = std::max(behind_max, now - due);
    if (now - due > kMaxBehindNs) {
      stopped_behind = true;
      break;
    }
    send_ns[i].store(now, std::memory_order_release);
    if (auto id = pub->Send(corpus[i].article); id) {
      ++in_flight;
      sent.fetch_add(1);
    } else if (errors++ == 0) {
      first_error = id.error().ToString();
    }
    while (in_flight > 0 && take_reply(milliseconds(0))) {
    }
  }
  const int64_t ack_deadline = NowNs() + 15'000'000'000;
  while (in_flight > 0 && NowNs() < ack_deadline && take_reply(milliseconds(1000))) {
  }
  errors += static_cast<uint64_t>(in_flight);
  publisher_done.store(true);
  reader.join();

  std::sort(latencies.begin(), latencies.end());
  const uint64_t delivered = latencies.size();
  const uint64_t lost = acked > delivered ? acked - delivered : 0;
  ctx.report.Figure(workload, "p50_us", PercentileUs(latencies, 0.50), 1);
  ctx.report.Figure(workload, "p99_us", PercentileUs(latencies, 0.99), 1);
  ctx.report.Figure(workload, "p999_us", PercentileUs(latencies, 0.999), 1);
  ctx.report.Figure(workload, "max_us", PercentileUs(latencies, 1.0), 1);
  ctx.report.Figure(workload, "lost", static_cast<double>(lost));
  ctx.report.Figure(workload, "pub_behind_schedule_max_us", static_cast<double>(behind_max) / 1e3,
                    1);
  ctx.report.Figure(workload, "delivered", static_cast<double>(delivered));
  ctx.report.Figure(workload, "stopped_behind_schedule", stopped_behind ? 1 : 0);
  if (stopped_behind) {
    Log(workload + ": stopped after " + std::to_string(sent.load()) + " of " +
        std::to_string(corpus.size()) + " revisions, over 2 s behind schedule");
  }
  ctx.report.Figure(workload, "unverified", static_cast<double>(unverified));
  ctx.report.Figure(workload, "repaired", static_cast<double>(repaired));
  if (!first_error.empty()) Log(workload + ": first error: " + first_error);
  ctx.report.Check(acked == sent.load() && errors == 0, workload + ": not every revision acked");
  ctx.report.Check(delivered > 0 && lost == 0 && gaps == 0, workload + ": revisions lost");
  ctx.report.Check(unverified == 0, workload + ": unverified revisions");
  ctx.report.Check(unmatched == 0 && duplicates == 0,
                   workload + ": unexpected or duplicate revisions delivered");
  if (!measure_bytes || bytes.wire.empty()) return;

  // Bytes on the wire against the full canonical article and against that
  // article compressed with zstd -3, the obvious alternative to diffs.
  const int64_t zstd_start = NowNs();
  ZSTD_CCtx* zstd = ZSTD_createCCtx();
  std::vector<char> buffer;
  double wire_sum = 0, full_sum = 0, zstd_sum = 0;
  std::vector<double> update_wire, update_full, update_zstd;
  for (std::size_t k = 0; k < bytes.wire.size(); ++k) {
    v1::Article article = corpus[bytes.position[k]].article;
    (void)core::NormalizeAndValidate(article);  // Checked when the corpus was made.
    article.set_version(bytes.version[k]);
    const std::string canonical = core::CanonicalBytes(article);
    buffer.resize(ZSTD_compressBound(canonical.size()));
    const std::size_t z = ZSTD_compressCCtx(zstd, buffer.data(), buffer.size(), canonical.data(),
                                            canonical.size(), 3);
    wire_sum += bytes.wire[k];
    full_sum += bytes.full[k];
    zstd_sum += static_cast<double>(z);
    if (bytes.version[k] > 1) {
      update_wire.push_back(bytes.wire[k]);
      update_full.push_back(bytes.full[k]);
      update_zstd.push_back(static_cast<double>(z));
    }
  }
  ZSTD_freeCCtx(zstd);
  ctx.zstd_seconds += Seconds(NowNs() - zstd_start);
  const auto n = static_cast<double>(bytes.wire.size());
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  ctx.report.Figure("bytes", "wire_bytes_per_revision", wire_sum / n, 1);
  ctx.report.Figure("bytes", "full_bytes_per_revision", full_sum / n, 1);
  ctx.report.Figure("bytes", "zstd_full_bytes_per_revision", zstd_sum / n, 1);
  ctx.report.Figure("bytes", "wire_to_full_ratio", wire_sum / full_sum, 3);
  ctx.report.Figure("bytes", "updates_share", static_cast<double>(update_wire.size()) / n, 3);
  ctx.report.Figure("bytes", "update_wire_bytes_p50", median(update_wire), 1);
  ctx.report.Figure("bytes", "update_full_bytes_p50", median(update_full), 1);
  ctx.report.Figure("bytes", "update_zstd_full_bytes_p50", median(update_zstd), 1);
  std::vector<double> ratios;
  for (std::size_t k = 0; k < update_wire.size(); ++k)
    ratios.push_back(update_wire[k] / update_full[k]);
  ctx.report.Figure("bytes", "update_wire_to_full_ratio_p50", median(ratios), 3);
  ctx.report.Check(wire_sum > 0 && full_sum > 0, "bytes: nothing measured");
}

// (c) Fan-out: every subscriber receives every revision.
void RunFanout(Context& ctx) {
  auto corpus = MakeCorpus({"c", ctx.settings.seed + 4, ctx.settings.n_fanout}, ctx.settings.quick,
                           ctx.report);
  if (corpus.empty()) return;
  const auto n_subs = static_cast<std::size_t>(ctx.settings.subs);
  std::vector<std::unique_ptr<subscriber::Subscriber>> subs;
  for (std::size_t i = 0; i < n_subs; ++i) {
    subs.push_back(ConnectSubscriber(ctx.hub, ctx.curve));
    if (!subs.back()) return ctx.report.Check(false, "fanout: cannot connect a subscriber");
  }
  auto pub = ConnectPublisher(ctx.hub, "bench-c", ctx.curve);
  if (!pub) return ctx.report.Check(false, "fanout: cannot connect the publisher");
  Log(ctx.report.system() + ": (c) fanout " + std::to_string(corpus.size()) + " x " +
      std::to_string(n_subs));

  struct Tally {
    uint64_t delivered = 0, unverified = 0, gaps = 0;
    int64_t last_ns = 0;
  };
  std::vector<Tally> tallies(n_subs);
  std::atomic<int64_t> deadline{NowNs() + 300'000'000'000};
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < n_subs; ++i) {
    readers.emplace_back([&, i] {
      Tally& t = tallies[i];
      while (t.delivered < corpus.size() && NowNs() < deadline.load()) {
        auto next = subs[i]->Next(milliseconds(50));
        if (!next) break;
        if (!next->has_value()) continue;
        if (std::holds_alternative<subscriber::Gap>(**next)) ++t.gaps;
        auto* delivery = std::get_if<subscriber::Delivery>(&**next);
        if (!delivery) continue;
        ++t.delivered;
        if (!delivery->verified) ++t.unverified;
        t.last_ns = NowNs();
      }
    });
  }
  auto out = PublishWindowed(*pub, Pointers(corpus), ctx.settings.window, false);
  deadline.store(NowNs() + 30'000'000'000);
  for (auto& r : readers) r.join();
  uint64_t delivered = 0, unverified = 0, gaps = 0;
  int64_t last = out.start_ns;
  for (const auto& t : tallies) {
    delivered += t.delivered;
    unverified += t.unverified;
    gaps += t.gaps;
    last = std::max(last, t.last_ns);
  }
  const uint64_t expected = out.acked * n_subs;
  ctx.report.Figure("fanout", "delivered_msgs_per_s",
                    static_cast<double>(delivered) / Seconds(last - out.start_ns));
  ctx.report.Figure("fanout", "publish_revisions_per_s",
                    static_cast<double>(out.acked) / Seconds(out.end_ns - out.start_ns));
  ctx.report.Figure("fanout", "delivered", static_cast<double>(delivered));
  ctx.report.Figure("fanout", "lost",
                    static_cast<double>(expected > delivered ? expected - delivered : 0));
  ctx.report.Figure("fanout", "unverified", static_cast<double>(unverified));
  ctx.report.Check(out.acked == corpus.size() && out.errors == 0,
                   "fanout: not every revision acked");
  ctx.report.Check(delivered == expected && gaps == 0, "fanout: revisions lost");
  ctx.report.Check(unverified == 0, "fanout: unverified revisions");
}

// (d) Reading the stored history of (a) back. The subscriber library has no
// replay yet, so this fetches each revision through the query service and
// verifies it against the hash its publish ack returned.
void RunReplayGet(Context& ctx) {
  if (ctx.history.empty()) return ctx.report.Check(false, "replay_get: no history from (a)");
  Log(ctx.report.system() + ": (d) replay_get " + std::to_string(ctx.history.size()));
  const int64_t start = NowNs();
  auto query = subscriber::QueryClient::Connect(ctx.hub, milliseconds(5000), ctx.curve);
  if (!query) return ctx.report.Check(false, "replay_get: " + query.error().ToString());
  uint64_t ok = 0, failed = 0;
  std::string first_problem;
  for (const auto& ack : ctx.history) {
    auto reply = (*query)->GetArticle(ack.article_id(), ack.version());
    const bool good = reply && reply->content_hash() == ack.content_hash() &&
                      core::ContentHash(reply->article()) == ack.content_hash();
    if (good) {
      ++ok;
    } else {
      if (failed++ == 0) {
        first_problem = ack.article_id() + " v" + std::to_string(ack.version()) + ": " +
                        (reply ? "hash mismatch" : reply.error().ToString());
      }
      if (failed > 100) break;  // The daemon is gone; do not wait 50,000 times.
    }
  }
  const double s = Seconds(NowNs() - start);
  ctx.report.Figure("replay_get", "msgs_per_s", static_cast<double>(ok) / s);
  ctx.report.Figure("replay_get", "msgs", static_cast<double>(ok));
  ctx.report.Figure("replay_get", "lost", static_cast<double>(ctx.history.size() - ok));
  if (!first_problem.empty()) Log("replay_get: " + first_problem);
  ctx.report.Check(ok == ctx.history.size(), "replay_get: revisions missing or wrong");
}

// (d) Replay: a new reader replays (a)'s stretch of the wire at full speed
// with the subscriber library's Replayer, as `newswire replay --speed max`
// does: pages from the query service, every article rebuilt from the diffs
// the live wire sent and checked against its content hash.
void RunReplay(Context& ctx) {
  if (ctx.history.empty()) return ctx.report.Check(false, "replay: no history from (a)");
  const v1::PublishAck* first = &ctx.history.front();
  const v1::PublishAck* last = first;
  for (const auto& ack : ctx.history) {
    if (ack.wire_seq() < first->wire_seq()) first = &ack;
    if (ack.wire_seq() > last->wire_seq()) last = &ack;
  }
  Log(ctx.report.system() + ": (d) replay wire seq " + std::to_string(first->wire_seq()) + ".." +
      std::to_string(last->wire_seq()));
  const int64_t start = NowNs();
  subscriber::ReplayOptions options;
  options.hub = ctx.hub;
  options.curve = ctx.curve;
  options.from = first->wire_time();
  options.to = last->wire_time();
  options.rebuild_threads = ctx.settings.rebuild_threads;
  auto replayer = subscriber::Replayer::Open(options);
  if (!replayer) return ctx.report.Check(false, "replay: " + replayer.error().ToString());
  uint64_t ok = 0, unverified = 0, repaired = 0, in_range = 0;
  std::string problem;
  while (true) {
    auto next = (*replayer)->Next();
    if (!next) {
      problem = next.error().ToString();
      break;
    }
    if (!*next) break;
    const subscriber::Delivery& d = **next;
    const uint64_t seq = d.event.wire_seq();
    in_range += seq >= first->wire_seq() && seq <= last->wire_seq();
    repaired += d.repaired;
    if (d.verified) {
      ++ok;
    } else if (unverified++ == 0) {
      problem = d.event.article_id() + " v" + std::to_string(d.event.version()) + ": " + d.problem;
    }
  }
  const double s = Seconds(NowNs() - start);
  ctx.report.Figure("replay", "msgs_per_s", static_cast<double>(ok) / s);
  ctx.report.Figure("replay", "msgs", static_cast<double>(ok));
  ctx.report.Figure("replay", "unverified", static_cast<double>(unverified));
  ctx.report.Figure("replay", "repaired", static_cast<double>(repaired));
  if (!problem.empty()) Log("replay: " + problem);
  ctx.report.Check(in_range >= ctx.history.size() && unverified == 0,
                   "replay: revisions missing or wrong");
}

// Runs every workload against one hub; daemon CPU is charged per workload.
void RunAll(Context& ctx) {
  auto timed = [&](const std::string& name, auto&& run) {
    const double cpu_before = ctx.daemon ? ctx.daemon->Usage().cpu_seconds : 0;
    run();
    if (ctx.daemon) {
      ctx.report.Figure("daemon", name + "_cpu_s", ctx.daemon->Usage().cpu_seconds - cpu_before, 2);
    }
  };
  const Settings& s = ctx.settings;
  // --workloads picks some (for profiling one at a time); the replays read
  // (a)'s history, so asking for one of them runs (a) too.
  auto wanted = [&](const std::string& name) {
    auto has = [&](const char* w) {
      return std::find(s.workloads.begin(), s.workloads.end(), w) != s.workloads.end();
    };
    if (s.workloads.empty() || has(name.c_str())) return true;
    return name == "publish" && (has("replay_get") || has("replay"));
  };
  const std::string concurrent = "publish" + std::to_string(s.publishers);
  const std::string fast = "latency" + std::to_string(static_cast<long>(s.fast_rate / 1000)) + "k";
  if (wanted("publish")) timed("publish", [&] { RunPublish(ctx); });
  if (wanted(concurrent)) timed(concurrent, [&] { RunPublishConcurrent(ctx); });
  if (wanted("latency")) {
    timed("latency", [&] { RunLatency(ctx, "latency", s.rate, s.seed + 2, true); });
  }
  if (wanted(fast)) timed(fast, [&] { RunLatency(ctx, fast, s.fast_rate, s.seed + 3, false); });
  if (wanted("fanout")) timed("fanout", [&] { RunFanout(ctx); });
  if (wanted("replay_get")) timed("replay_get", [&] { RunReplayGet(ctx); });
  if (wanted("replay")) timed("replay", [&] { RunReplay(ctx); });
}

// Same seed, same corpus; a different seed, a different one.
bool CheckDeterminism(uint64_t seed) {
  auto bytes = [](uint64_t s) {
    std::string out;
    for (const auto& r : GenerateCorpus({.seed = s, .id_prefix = "det"}, 1500)) {
      out += core::CanonicalBytes(r.article);
    }
    return out;
  };
  const std::string a = bytes(seed);
  return !a.empty() && a == bytes(seed) && a != bytes(seed + 1);
}

int DumpCorpus(const Settings& s) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  for (const auto& r : GenerateCorpus({.seed = s.seed}, static_cast<std::size_t>(s.dump_corpus))) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(r.article, &json, options).ok()) return 1;
    std::printf("%s\n", json.c_str());
  }
  return 0;
}

// Starts a daemon for one durability mode, in clear or secure, runs every
// workload against it and stops it; the figures.
Report RunDaemon(const Settings& s, const std::string& mode, bool secure) {
  Report report("newswire-" + mode + (secure ? "-curve" : ""));
  const std::string data_dir = s.tmp + "/" + report.system();
  std::optional<SecureSetup> keys;
  if (secure) {
    auto made = MakeKeys(data_dir + "-keys");
    if (!made) {
      Log("keys: " + made.error().ToString());
      report.Check(false, "security: cannot make keys");
      return report;
    }
    keys = std::move(*made);
  }
  auto daemon =
      StartDaemon(s, mode, data_dir, keys ? keys->daemon_flags : std::vector<std::string>{});
  if (!daemon) {
    report.Text("server", "status", "FAILED(start)");
    report.Check(false, "the daemon did not start");
    return report;
  }
  Log(report.system() + ": newswired pid " + std::to_string(daemon->pid()) + " on " +
      daemon->hub() + ", store " + data_dir);
  report.Text(
      "config", "pub_ack",
      mode == "sync" ? "after_rocksdb_wal_write_and_fsync" : "after_rocksdb_wal_write,no_fsync");
  report.Text("config", "corpus", "seeded_newswire_revisions,seed=" + std::to_string(s.seed));
  report.Text("config", "security", secure ? "curve_zap_access_file" : "off");
  report.Figure("config", "window", s.window);
  Context ctx{
      s, daemon->hub(), report, daemon.get(), keys ? std::optional(keys->client) : std::nullopt,
      {}};
  RunAll(ctx);
  const auto usage = daemon->Usage();
  report.Figure("daemon", "cpu_s", usage.cpu_seconds, 2);
  report.Figure("daemon", "peak_rss_mib", usage.peak_resident_bytes / (1 << 20), 1);
  report.Figure("daemon", "rss_mib", usage.resident_bytes / (1 << 20), 1);
  daemon->Stop();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir, ignored);
  std::filesystem::remove_all(data_dir + "-keys", ignored);
  std::filesystem::remove(data_dir + ".log", ignored);
  return report;
}

// What security costs: each figure with security on over the same figure
// in clear, from two daemons of one run (rates: below 1 is slower;
// latencies and CPU: above 1 is slower).
void PrintSecurityCost(const Report& off, const Report& on) {
  Report cost(on.system());
  for (const char* key :
       {"publish revisions_per_s", "publish8 revisions_per_s", "latency p50_us", "latency p99_us",
        "latency p999_us", "fanout delivered_msgs_per_s", "replay msgs_per_s",
        "replay_get msgs_per_s", "daemon publish_cpu_s", "daemon fanout_cpu_s"}) {
    auto clear = off.Value(key);
    auto secure = on.Value(key);
    if (!clear || !secure || *clear <= 0) continue;
    std::string metric = key;
    std::replace(metric.begin(), metric.end(), ' ', ':');
    cost.Figure("security_on_off_ratio", metric, *secure / *clear, 3);
  }
}

int Main(int argc, char** argv) {
  auto settings = ParseSettings(argc, argv);
  if (!settings) return 2;
  Settings& s = *settings;
  if (s.dump_corpus >= 0) return DumpCorpus(s);
  std::signal(SIGPIPE, SIG_IGN);

  bool failed = false;
  if (!CheckDeterminism(s.seed)) {
    Log("CHECK FAILED: the corpus generator is not deterministic per seed");
    failed = true;
  }

  if (!s.hub.empty()) {
    Report report("newswire-hub");
    report.Text("config", "hub", s.hub);
    Context ctx{s, s.hub, report, nullptr, std::nullopt, {}};
    RunAll(ctx);
    return failed || report.failed() ? 1 : 0;
  }

  const bool own_tmp = s.tmp.empty();
  if (own_tmp) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "newswire-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      Log("cannot create a temp folder: " + std::string(std::strerror(errno)));
      return 3;
    }
    s.tmp = pattern;
  }
  for (const auto& mode : s.modes) {
    std::map<std::string, Report> reports;  // By security setting.
    for (const auto& security : s.security) {
      auto report = RunDaemon(s, mode, security == "on");
      failed = failed || report.failed();
      reports.emplace(security, std::move(report));
    }
    if (reports.count("off") && reports.count("on")) {
      PrintSecurityCost(reports.at("off"), reports.at("on"));
    }
  }
  if (own_tmp) {
    std::error_code ignored;
    std::filesystem::remove_all(s.tmp, ignored);
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace newswire::bench

int main(int argc, char** argv) { return newswire::bench::Main(argc, argv); }
