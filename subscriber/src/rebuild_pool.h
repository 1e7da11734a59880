// Rebuilds log records on several threads and hands the deliveries back in
// the order they were submitted: the replay's rebuild, spread over cores.
// Records are partitioned by article (a hash of its id), so each article's
// versions are rebuilt in order by one worker, which holds its own Rebuilder
// and so its own held versions. A worker never uses the query client: when a
// record needs its full version fetched (a repair), the worker waits until
// the caller, taking deliveries in order, fetches it on its own thread.
// Memory is bounded by `window` records and their deliveries. Submit and
// Take are for one thread (the replay's caller). Private.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rebuilder.h"

namespace newswire::subscriber {

class RebuildPool {
 public:
  // `threads` workers (at least 1) share `max_held` held articles evenly
  // (each holds at least one); at most `window` records are submitted and
  // not yet taken.
  RebuildPool(std::size_t threads, std::size_t max_held, std::size_t window);
  // Stops and joins the workers; what is in flight is dropped.
  ~RebuildPool();
  RebuildPool(const RebuildPool&) = delete;
  RebuildPool& operator=(const RebuildPool&) = delete;

  // As Rebuilder::Hold, on the article's worker; only before the first Submit.
  void Hold(const std::string& article_id, uint32_t version,
            std::shared_ptr<const std::string> canonical);

  std::size_t InFlight() const { return submitted_ - taken_; }  // Submitted, not taken.
  std::size_t Window() const { return slots_.size(); }

  // Queues `record` on its article's worker; not when InFlight() == Window().
  // Records go to the workers in batches (a wake-up each): at the latest
  // with Flush or Take.
  void Submit(v1::LogRecord record);
  void Flush();
  // The delivery of the oldest record submitted and not taken, waiting for
  // it; not when Empty(). A repair it needs is fetched here with `fetch`.
  Delivery Take(const Rebuilder::Fetch& fetch);

 private:
  // One submitted record's way through, at ticket % window.
  struct Slot {
    enum State { kRebuilding, kNeedsFetch, kFetched, kDone };
    State state = kRebuilding;
    std::string article_id;  // The fetch asked for (kNeedsFetch).
    uint32_t version = 0;
    std::optional<Result<v1::ArticleReply>> reply;  // Its answer (kFetched).
    Delivery delivery;                              // kDone.
  };
  struct Job {
    uint64_t ticket = 0;
    v1::LogRecord record;
  };
  struct Worker {
    std::mutex mu;  // Guards jobs.
    std::condition_variable cv;
    std::deque<Job> jobs;
    std::vector<Job> batch;                // Submitted, not yet queued (the caller's).
    std::unique_ptr<Rebuilder> rebuilder;  // Used by the worker's thread only.
    uint64_t ticket = 0;                   // The job being rebuilt.
    std::thread thread;
  };

  Worker& WorkerOf(const std::string& article_id);
  void Queue(Worker& worker);  // Its batch.
  void Run(Worker& worker);
  // On a worker: asks the caller to fetch a version for `ticket`, and waits.
  Result<v1::ArticleReply> AwaitFetch(uint64_t ticket, const std::string& article_id,
                                      uint32_t version);

  std::vector<std::unique_ptr<Worker>> workers_;
  uint64_t submitted_ = 0;  // Caller's thread only.
  uint64_t taken_ = 0;
  std::mutex mu_;                    // Guards slots_.
  std::condition_variable ready_;    // The caller: a slot is done or needs a fetch.
  std::condition_variable fetched_;  // Workers: a fetch was answered.
  std::vector<Slot> slots_;
  std::atomic<bool> stop_{false};  // Set under mu_ and every worker's mu.
};

}  // namespace newswire::subscriber
