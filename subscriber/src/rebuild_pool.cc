#include "rebuild_pool.h"

#include <algorithm>
#include <functional>

namespace newswire::subscriber {

RebuildPool::RebuildPool(std::size_t threads, std::size_t max_held, std::size_t window)
    : slots_(std::max<std::size_t>(window, 1)) {
  threads = std::max<std::size_t>(threads, 1);
  const std::size_t held_each = std::max<std::size_t>((max_held + threads - 1) / threads, 1);
  for (std::size_t i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    Worker* w = worker.get();
    worker->rebuilder = std::make_unique<Rebuilder>(
        [this, w](const std::string& article_id, uint32_t version) {
          return AwaitFetch(w->ticket, article_id, version);
        },
        held_each);
    workers_.push_back(std::move(worker));
  }
  // Started once every worker exists (the fetch reaches them all).
  for (auto& worker : workers_) worker->thread = std::thread([this, w = worker.get()] { Run(*w); });
}

RebuildPool::~RebuildPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  fetched_.notify_all();
  for (auto& worker : workers_) {
    { std::lock_guard lock(worker->mu); }  // A worker between its check and its wait sees stop_.
    worker->cv.notify_one();
  }
  for (auto& worker : workers_) worker->thread.join();
}

RebuildPool::Worker& RebuildPool::WorkerOf(const std::string& article_id) {
  return *workers_[std::hash<std::string>{}(article_id) % workers_.size()];
}

void RebuildPool::Hold(const std::string& article_id, uint32_t version,
                       std::shared_ptr<const std::string> canonical) {
  Worker& worker = WorkerOf(article_id);
  // The worker's thread reads its rebuilder only after taking a job under
  // the same lock, so this is seen before the first Submit's records.
  std::lock_guard lock(worker.mu);
  worker.rebuilder->Hold(article_id, version, std::move(canonical));
}

void RebuildPool::Submit(v1::LogRecord record) {
  constexpr std::size_t kBatch = 32;  // Records per lock and wake-up of a worker.
  Worker& worker = WorkerOf(record.event().article_id());
  worker.batch.push_back({submitted_++, std::move(record)});
  if (worker.batch.size() >= kBatch) Queue(worker);
}

void RebuildPool::Flush() {
  for (auto& worker : workers_) Queue(*worker);
}

void RebuildPool::Queue(Worker& worker) {
  if (worker.batch.empty()) return;
  {
    std::lock_guard lock(worker.mu);
    for (auto& job : worker.batch) worker.jobs.push_back(std::move(job));
  }
  worker.batch.clear();
  worker.cv.notify_one();
}

void RebuildPool::Run(Worker& worker) {
  std::deque<Job> jobs;
  while (true) {
    {
      std::unique_lock lock(worker.mu);
      worker.cv.wait(lock, [&] { return stop_ || !worker.jobs.empty(); });
      if (stop_) return;
      jobs.swap(worker.jobs);  // Everything queued so far, for one lock.
    }
    for (auto& job : jobs) {
      if (stop_) return;
      worker.ticket = job.ticket;
      Delivery delivery = worker.rebuilder->Rebuild(job.record);
      delivery.recovered = true;
      {
        std::lock_guard lock(mu_);
        Slot& slot = slots_[job.ticket % slots_.size()];
        slot.delivery = std::move(delivery);
        slot.state = Slot::kDone;
      }
      ready_.notify_one();
    }
    jobs.clear();
  }
}

Result<v1::ArticleReply> RebuildPool::AwaitFetch(uint64_t ticket, const std::string& article_id,
                                                 uint32_t version) {
  std::unique_lock lock(mu_);
  Slot& slot = slots_[ticket % slots_.size()];
  slot.article_id = article_id;
  slot.version = version;
  slot.state = Slot::kNeedsFetch;
  ready_.notify_one();
  // No deadline of its own: the caller's fetch has the query timeout, and
  // the destructor ends the wait.
  fetched_.wait(lock, [&] { return stop_ || slot.state == Slot::kFetched; });
  if (stop_) return Fail(v1::ERROR_CODE_UNAVAILABLE, "replay closed");
  slot.state = Slot::kRebuilding;
  Result<v1::ArticleReply> reply = std::move(*slot.reply);
  slot.reply.reset();
  return reply;
}

Delivery RebuildPool::Take(const Rebuilder::Fetch& fetch) {
  Flush();
  std::unique_lock lock(mu_);
  Slot& slot = slots_[taken_ % slots_.size()];
  while (true) {
    ready_.wait(lock, [&] { return slot.state == Slot::kDone || slot.state == Slot::kNeedsFetch; });
    if (slot.state == Slot::kDone) break;
    // The repair, on this thread and in wire order: the query client is
    // the caller's alone.
    const std::string article_id = slot.article_id;
    const uint32_t version = slot.version;
    lock.unlock();
    Result<v1::ArticleReply> reply =
        fetch ? fetch(article_id, version)
              : Result<v1::ArticleReply>(Fail(v1::ERROR_CODE_UNAVAILABLE, "nothing to fetch with"));
    lock.lock();
    slot.reply = std::move(reply);
    slot.state = Slot::kFetched;
    fetched_.notify_all();
  }
  Delivery delivery = std::move(slot.delivery);
  slot.state = Slot::kRebuilding;
  ++taken_;
  return delivery;
}

}  // namespace newswire::subscriber
