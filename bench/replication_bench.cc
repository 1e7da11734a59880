// Followers under load (README "Followers"; figures in bench/README.md):
//
//  fanout   N live subscribers (10, 100, 1,000) on the primary alone, then
//           the same N spread over two followers of it: delivered messages/s,
//           publish-to-receipt latency, and the primary's CPU per revision.
//  tiers    one subscriber on each tier of primary -> follower -> follower of
//           the follower at a steady rate: latency per tier (p50/p99) and
//           what each tier adds.
//  catchup  a follower started on an empty store copies the primary's whole
//           log: revisions/s and commits/s.
//
// Subscribers are plain SUB sockets on the wire channel that parse each
// event (what the daemon sends is measured, not the subscriber library's
// verification, which bench/newswire_bench.cc covers). Daemons are real
// newswired processes from this build tree. Prints one figure a line:
// `newswire replication SCENARIO METRIC VALUE`.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "corpus.h"
#include "daemon_process.h"
#include "newswire/core/channel.h"
#include "newswire/core/clock.h"
#include "newswire/core/hub.h"
#include "newswire/publisher/publisher.h"
#include "newswire/subscriber/query_client.h"
#include "process.h"

namespace newswire {
namespace {

using namespace std::chrono_literals;
using testing::DaemonProcess;

int64_t NowNs() { return core::SystemClock().NowNs(); }

void Figure(const std::string& scenario, const std::string& metric, double value) {
  std::printf("newswire replication %s %s %.3f\n", scenario.c_str(), metric.c_str(), value);
  std::fflush(stdout);
}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "newswire-replication-bench: %s\n", why.c_str());
  std::exit(1);
}

double Percentile(std::vector<int64_t> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return static_cast<double>(values[static_cast<std::size_t>(q * (values.size() - 1))]);
}

struct Cluster {
  testing::TempDir dir;
  std::vector<std::unique_ptr<DaemonProcess>> nodes;

  const std::string& Start(const std::string& name, const std::string& follow = "",
                           std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--listen", "tcp://127.0.0.1:0", "--metrics-listen",
                                     "",         "--data-dir",        dir.path() + "/" + name};
    if (!follow.empty()) args.insert(args.end(), {"--follow", follow});
    if (std::find(extra.begin(), extra.end(), "--durability") == extra.end()) {
      extra.insert(extra.end(), {"--durability", "async"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto node = DaemonProcess::Start(NEWSWIRE_REPLICATION_BENCH_DAEMON_PATH, args, 15s,
                                     dir.path() + "/" + name + ".log");
    if (!node) Die(node.error().ToString());
    nodes.push_back(std::move(*node));
    return nodes.back()->hub();
  }
};

uint64_t LastCommit(const std::string& hub) {
  auto client = subscriber::QueryClient::Connect(hub, 5s);
  if (!client) return 0;
  auto page = (*client)->ReadCommits(UINT64_MAX, 1);
  return page ? page->last_commit() : 0;
}

void WaitCaughtUp(const std::string& primary, const std::string& follower, int seconds = 120) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const uint64_t want = LastCommit(primary);
    if (want > 0 && LastCommit(follower) == want) return;
    std::this_thread::sleep_for(10ms);
  }
  Die(follower + " did not catch up with " + primary);
}

// Live subscribers on the wire channel of some hubs, read by a few threads.
class Desks {
 public:
  Desks(const std::vector<std::string>& hubs, std::size_t count) : sockets_(count) {
    for (std::size_t i = 0; i < count; ++i) {
      auto hub = core::ParseHub(hubs[i % hubs.size()]);
      sockets_[i] = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::sub);
      sockets_[i]->set(zmq::sockopt::rcvhwm, 200000);
      sockets_[i]->set(zmq::sockopt::linger, 0);
      sockets_[i]->connect(hub->fanout);
      sockets_[i]->set(zmq::sockopt::subscribe, core::WireChannel());
    }
    // Joined once every socket had its welcome heartbeat.
    std::vector<bool> welcomed(count, false);
    std::size_t left = count;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (left > 0 && std::chrono::steady_clock::now() < deadline) {
      for (std::size_t i = 0; i < count; ++i) {
        zmq::message_t part;
        while (sockets_[i]->recv(part, zmq::recv_flags::dontwait)) {
          if (!part.more() && part.size() == 0 && !welcomed[i]) {
            welcomed[i] = true;
            --left;
          }
        }
      }
      std::this_thread::sleep_for(1ms);
    }
    if (left > 0) Die(std::to_string(left) + " subscribers got no welcome heartbeat");
  }

  // Reads until every socket had `expected` events or the deadline passed;
  // latencies are wire time to receipt, in ns.
  struct Result {
    uint64_t delivered = 0;
    int64_t last_ns = 0;
    std::vector<int64_t> latencies;
  };
  Result Read(uint64_t expected, std::chrono::seconds within) {
    const std::size_t threads = std::min<std::size_t>(4, sockets_.size());
    std::vector<Result> results(threads);
    std::vector<std::thread> readers;
    const auto deadline = std::chrono::steady_clock::now() + within;
    for (std::size_t t = 0; t < threads; ++t) {
      readers.emplace_back([&, t] {
        std::vector<zmq::pollitem_t> items;
        std::vector<uint64_t> got;
        for (std::size_t i = t; i < sockets_.size(); i += threads) {
          items.push_back({sockets_[i]->handle(), 0, ZMQ_POLLIN, 0});
          got.push_back(0);
        }
        std::size_t done = 0;
        Result& r = results[t];
        v1::RevisionEvent event;
        while (done < items.size() && std::chrono::steady_clock::now() < deadline) {
          if (zmq::poll(items.data(), items.size(), 100ms) == 0) continue;
          for (std::size_t k = 0; k < items.size(); ++k) {
            if (!(items[k].revents & ZMQ_POLLIN)) continue;
            zmq::socket_ref socket(zmq::from_handle, items[k].socket);
            zmq::message_t parts[3];
            while (socket.recv(parts[0], zmq::recv_flags::dontwait)) {
              std::size_t n = 1;
              while (parts[n - 1].more() && n < 3 && socket.recv(parts[n])) ++n;
              if (n != 3 || parts[2].size() == 0) continue;  // A heartbeat.
              const int64_t now = NowNs();
              if (event.ParseFromArray(parts[2].data(), static_cast<int>(parts[2].size()))) {
                const auto& w = event.wire_time();
                if (r.latencies.size() < 2'000'000) {
                  r.latencies.push_back(now - (w.seconds() * 1'000'000'000 + w.nanos()));
                }
              }
              ++r.delivered;
              r.last_ns = now;
              if (++got[k] == expected) ++done;
            }
          }
        }
      });
    }
    for (auto& reader : readers) reader.join();
    Result all;
    for (auto& r : results) {
      all.delivered += r.delivered;
      all.last_ns = std::max(all.last_ns, r.last_ns);
      all.latencies.insert(all.latencies.end(), r.latencies.begin(), r.latencies.end());
    }
    return all;
  }

 private:
  zmq::context_t context_{2};
  std::vector<std::unique_ptr<zmq::socket_t>> sockets_;
};

// Publishes `revisions` with a window of requests in flight; `rate` per
// second (0: as fast as acks come). Returns when every one is acked.
int64_t Publish(const std::string& hub, const std::vector<bench::Revision>& revisions,
                double rate = 0) {
  publisher::PublisherOptions options;
  options.hub = hub;
  options.publisher_id = "replication-bench";
  auto publisher = publisher::Publisher::Connect(options);
  if (!publisher) Die(publisher.error().ToString());
  const int64_t start = NowNs();
  std::size_t sent = 0, acked = 0, in_flight = 0;
  const std::size_t window = rate > 0 ? 1 : 64;
  while (acked < revisions.size()) {
    while (sent < revisions.size() && in_flight < window) {
      if (rate > 0) {
        const int64_t due = start + static_cast<int64_t>(static_cast<double>(sent) * 1e9 / rate);
        while (NowNs() < due) std::this_thread::sleep_for(100us);  // Pacing, not sync.
      }
      if (!(*publisher)->Send(revisions[sent].article)) Die("cannot send");
      ++sent;
      ++in_flight;
    }
    auto reply = (*publisher)->Receive(10s);
    if (!reply) Die("publish: " + reply.error().ToString());
    if (reply->has_error()) Die("publish refused: " + reply->error().message());
    ++acked;
    --in_flight;
  }
  return start;
}

std::vector<bench::Revision> Corpus(const std::string& prefix, std::size_t count) {
  bench::CorpusOptions options;
  options.id_prefix = prefix;
  return bench::GenerateCorpus(options, count);
}

void RunFanout(std::size_t subscribers, std::size_t revisions) {
  for (const bool spread : {false, true}) {
    Cluster cluster;
    const std::string primary = cluster.Start("primary");
    std::vector<std::string> hubs = {primary};
    if (spread) hubs = {cluster.Start("follower-a", primary), cluster.Start("follower-b", primary)};
    Desks desks(hubs, subscribers);
    auto corpus = Corpus("fanout", revisions);
    const double cpu_before = cluster.nodes[0]->Usage().cpu_seconds;
    const int64_t start = Publish(primary, corpus);
    auto result = desks.Read(revisions, 120s);
    const double cpu = cluster.nodes[0]->Usage().cpu_seconds - cpu_before;
    const std::string scenario = std::string("fanout_") + std::to_string(subscribers) +
                                 (spread ? "_two_followers" : "_primary_alone");
    Figure(scenario, "delivered_msgs_per_s",
           static_cast<double>(result.delivered) /
               (static_cast<double>(result.last_ns - start) / 1e9));
    Figure(scenario, "lost",
           static_cast<double>(subscribers * revisions -
                               std::min<uint64_t>(subscribers * revisions, result.delivered)));
    Figure(scenario, "latency_p50_us", Percentile(result.latencies, 0.5) / 1e3);
    Figure(scenario, "latency_p99_us", Percentile(result.latencies, 0.99) / 1e3);
    Figure(scenario, "primary_cpu_us_per_revision", cpu * 1e6 / static_cast<double>(revisions));
  }
}

void RunTiers(std::size_t revisions, double rate) {
  Cluster cluster;
  std::vector<std::string> tiers = {cluster.Start("primary")};
  tiers.push_back(cluster.Start("tier-1", tiers[0]));
  tiers.push_back(cluster.Start("tier-2", tiers[1]));
  std::vector<std::unique_ptr<Desks>> desks;
  for (const auto& hub : tiers) desks.push_back(std::make_unique<Desks>(std::vector{hub}, 1));
  auto corpus = Corpus("tiers", revisions);
  std::vector<Desks::Result> results(tiers.size());
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    readers.emplace_back([&, i] { results[i] = desks[i]->Read(revisions, 120s); });
  }
  Publish(tiers[0], corpus, rate);
  for (auto& reader : readers) reader.join();
  double previous_p50 = 0, previous_p99 = 0;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const std::string scenario = "tier_" + std::to_string(i);
    const double p50 = Percentile(results[i].latencies, 0.5) / 1e3;
    const double p99 = Percentile(results[i].latencies, 0.99) / 1e3;
    Figure(scenario, "latency_p50_us", p50);
    Figure(scenario, "latency_p99_us", p99);
    Figure(scenario, "lost", static_cast<double>(revisions - results[i].delivered));
    if (i > 0) {
      Figure(scenario, "added_p50_us", p50 - previous_p50);
      Figure(scenario, "added_p99_us", p99 - previous_p99);
    }
    previous_p50 = p50;
    previous_p99 = p99;
  }
}

// Acks once the primary holds a revision, or once a majority of three
// (the primary and one of two followers) does; fsync on every node.
void RunAcks(std::size_t revisions) {
  for (const std::string mode : {"primary", "quorum"}) {
    Cluster cluster;
    const std::vector<std::string> sync = {"--durability", "sync",       "--acks",
                                           mode,           "--replicas", "3"};
    const std::string primary = cluster.Start("primary", "", sync);
    cluster.Start("follower-a", primary, {"--durability", "sync"});
    cluster.Start("follower-b", primary, {"--durability", "sync"});
    const int64_t start = Publish(primary, Corpus("acks-" + mode, revisions));
    Figure("acks_" + mode, "publish_revisions_per_s",
           static_cast<double>(revisions) / (static_cast<double>(NowNs() - start) / 1e9));
    // One publish at a time: the ack's latency.
    publisher::PublisherOptions options;
    options.hub = primary;
    auto publisher = publisher::Publisher::Connect(options);
    if (!publisher) Die(publisher.error().ToString());
    std::vector<int64_t> latencies;
    for (const auto& revision : Corpus("acks-one-" + mode, revisions / 4)) {
      const int64_t sent = NowNs();
      auto ack = (*publisher)->Publish(revision.article);
      if (!ack) Die("publish: " + ack.error().ToString());
      latencies.push_back(NowNs() - sent);
    }
    Figure("acks_" + mode, "ack_latency_p50_us", Percentile(latencies, 0.5) / 1e3);
    Figure("acks_" + mode, "ack_latency_p99_us", Percentile(latencies, 0.99) / 1e3);
  }
}

void RunCatchUp(std::size_t revisions) {
  Cluster cluster;
  const std::string primary = cluster.Start("primary");
  Publish(primary, Corpus("catchup", revisions));
  const uint64_t commits = LastCommit(primary);
  const int64_t start = NowNs();
  const std::string follower = cluster.Start("follower", primary);
  WaitCaughtUp(primary, follower, 600);
  const double seconds = static_cast<double>(NowNs() - start) / 1e9;
  Figure("catchup", "revisions", static_cast<double>(revisions));
  Figure("catchup", "commits", static_cast<double>(commits));
  Figure("catchup", "revisions_per_s", static_cast<double>(revisions) / seconds);
  Figure("catchup", "commits_per_s", static_cast<double>(commits) / seconds);
}

}  // namespace
}  // namespace newswire

int main(int argc, char** argv) {
  bool quick = false;
  bool acks_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--quick") {
      quick = true;
    } else if (flag == "--acks-only") {
      acks_only = true;  // Quorum against primary acks alone, beside a harness run.
    } else {
      std::fprintf(stderr, "usage: newswire-replication-bench [--quick] [--acks-only]\n");
      return 2;
    }
  }
  using newswire::RunAcks;
  using newswire::RunCatchUp;
  using newswire::RunFanout;
  using newswire::RunTiers;
  if (acks_only) {
    RunAcks(quick ? 200 : 4000);
    return 0;
  }
  if (quick) {
    RunFanout(10, 200);
    RunTiers(100, 200);
    RunCatchUp(500);
    RunAcks(200);
    return 0;
  }
  RunFanout(10, 4000);
  RunFanout(100, 2000);
  RunFanout(1000, 400);
  RunTiers(2000, 500);
  RunCatchUp(50000);
  RunAcks(4000);
  return 0;
}
