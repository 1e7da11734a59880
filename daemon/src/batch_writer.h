// Writes prepared batches on a thread of its own, so the ingest loop can
// prepare (validate, diff, hash, encode) the next batch meanwhile: the two
// halves of a publish then run on two cores. One batch at a time. Private.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "newswire/store/revision_store.h"

namespace newswire::daemon {

class BatchWriter {
 public:
  // Starts the writer thread. INTERNAL when its wake-up descriptor cannot
  // be made (out of file descriptors).
  static Result<std::unique_ptr<BatchWriter>> Create(store::RevisionStore& store);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Starts writing `batch`, which must outlive the matching Take.
  void Start(store::StagedBatch& batch);
  // Readable (for poll) once the write Start began is done.
  int done_fd() const { return done_fd_; }
  // The outcome of the write Start began; waits for it if need be.
  Result<void> Take();

 private:
  BatchWriter(store::RevisionStore& store, int done_fd);
  void Run();

  store::RevisionStore& store_;
  int done_fd_;  // An eventfd: one count per finished write.
  std::mutex mutex_;
  std::condition_variable job_ready_;
  store::StagedBatch* job_ = nullptr;
  std::optional<Result<void>> outcome_;
  bool stopping_ = false;
  std::thread thread_;  // Last: starts once the rest is set up.
};

}  // namespace newswire::daemon
