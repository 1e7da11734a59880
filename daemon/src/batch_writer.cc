#include "batch_writer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace newswire::daemon {

Result<std::unique_ptr<BatchWriter>> BatchWriter::Create(store::RevisionStore& store) {
  const int fd = eventfd(0, EFD_CLOEXEC);
  if (fd < 0) {
    return Fail(v1::ERROR_CODE_INTERNAL,
                std::string("cannot start the writer thread: eventfd: ") + std::strerror(errno));
  }
  return std::unique_ptr<BatchWriter>(new BatchWriter(store, fd));
}

BatchWriter::BatchWriter(store::RevisionStore& store, int done_fd)
    : store_(store), done_fd_(done_fd), thread_([this] { Run(); }) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  job_ready_.notify_all();
  thread_.join();
  close(done_fd_);
}

void BatchWriter::Start(store::StagedBatch& batch) {
  {
    std::lock_guard lock(mutex_);
    job_ = &batch;
    outcome_.reset();
  }
  job_ready_.notify_all();
}

Result<void> BatchWriter::Take() {
  uint64_t count = 0;
  while (read(done_fd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  Result<void> outcome = std::move(*outcome_);
  outcome_.reset();
  return outcome;
}

void BatchWriter::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    job_ready_.wait(lock, [this] { return stopping_ || job_ != nullptr; });
    if (job_ == nullptr) return;  // Stopping, and nothing left to write.
    store::StagedBatch* job = std::exchange(job_, nullptr);
    lock.unlock();
    Result<void> outcome = store_.Write(*job);
    lock.lock();
    outcome_ = std::move(outcome);
    const uint64_t one = 1;
    while (write(done_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace newswire::daemon
