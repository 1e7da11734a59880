// Monitoring hooks of the RocksDB store: sizes and a write probe.
#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/statistics.h>

#include "keys.h"
#include "newswire/core/sync_point.h"
#include "rocks_store.h"

namespace newswire::store {

std::vector<std::pair<std::string, uint64_t>> RocksRevisionStore::Sizes() const {
  std::vector<std::pair<std::string, uint64_t>> sizes;
  auto property = [&](const char* name, const std::string& rocksdb_property) {
    uint64_t value = 0;
    db_->GetAggregatedIntProperty(rocksdb_property, &value);
    sizes.emplace_back(name, value);
  };
  property("sst", rocksdb::DB::Properties::kTotalSstFilesSize);
  property("memtables", rocksdb::DB::Properties::kCurSizeAllMemTables);
  // Every family shares one cache: ask one of them, not the sum of all.
  uint64_t cache = 0;
  db_->GetIntProperty(cf(kRevisions), rocksdb::DB::Properties::kBlockCacheUsage, &cache);
  sizes.emplace_back("block_cache", cache);
  uint64_t wal = 0;
  rocksdb::VectorLogPtr files;
  if (db_->GetSortedWalFiles(files).ok()) {
    for (const auto& file : files) wal += file->SizeFileBytes();
  }
  sizes.emplace_back("wal", wal);
  return sizes;
}

std::vector<std::pair<std::string, uint64_t>> RocksRevisionStore::Written() const {
  const auto& statistics = db_->GetDBOptions().statistics;
  auto ticker = [&](rocksdb::Tickers which) {
    return statistics ? statistics->getTickerCount(which) : uint64_t{0};
  };
  return {{"wal", ticker(rocksdb::WAL_FILE_BYTES)},
          {"flush", ticker(rocksdb::FLUSH_WRITE_BYTES)},
          {"compaction", ticker(rocksdb::COMPACT_WRITE_BYTES)},
          {"blob", ticker(rocksdb::BLOB_DB_BLOB_FILE_BYTES_WRITTEN)}};
}

namespace {

// How recent a successful commit must be to stand for a probe, and how
// often a probe write may happen at most.
constexpr std::chrono::seconds kProbeInterval{5};
// How often a failed store tries DB::Resume at most.
constexpr std::chrono::milliseconds kResumeInterval{500};

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

rocksdb::Status RocksRevisionStore::WriteLocked(const rocksdb::WriteOptions& options,
                                                rocksdb::WriteBatch& batch) {
  std::lock_guard lock(write_mutex_);
  return WriteHoldingLock(options, batch);
}

rocksdb::Status RocksRevisionStore::WriteHoldingLock(const rocksdb::WriteOptions& options,
                                                     rocksdb::WriteBatch& batch) {
  if (failed_.load(std::memory_order_acquire)) {
    if (auto recovered = RecoverLocked(); !recovered) {
      return rocksdb::Status::IOError("not written: " + recovered.error().message);
    }
  }
  rocksdb::Status status = NEWSWIRE_SYNC_POINT("store.write")
                               ? rocksdb::Status::IOError("injected failure")
                               : db_->Write(options, &batch);
  if (status.ok()) {
    last_good_write_ns_.store(SteadyNs(), std::memory_order_relaxed);
  } else {
    last_error_ = status.ToString();
    failures_.fetch_add(1, std::memory_order_relaxed);
    failed_.store(true, std::memory_order_release);
  }
  return status;
}

// RocksDB stops taking writes after an I/O error (a full disk, no file
// descriptor left) until DB::Resume: it flushes the memtables to a fresh
// WAL once the cause is gone, keeping every acknowledged write. Tried at
// most every kResumeInterval; the error says why it is still out.
Result<void> RocksRevisionStore::RecoverLocked() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_resume_ < kResumeInterval) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE,
                "the store failed (" + last_error_ + ") and has not recovered yet");
  }
  last_resume_ = now;
  if (NEWSWIRE_SYNC_POINT("store.resume")) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE,
                "the store failed (" + last_error_ + ") and cannot resume yet: injected failure");
  }
  spares_.Release();
  auto status = db_->Resume();
  spares_.Acquire();
  if (!status.ok()) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, "the store failed (" + last_error_ +
                                                  ") and cannot resume yet: " + status.ToString());
  }
  failed_.store(false, std::memory_order_release);
  recoveries_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

Result<void> RocksRevisionStore::Probe() {
  if (options_.read_only) return Fail(v1::ERROR_CODE_STORE_FAILURE, "store is open read-only");
  std::lock_guard lock(write_mutex_);
  if (failed_.load(std::memory_order_acquire)) return RecoverLocked();
  const auto now = std::chrono::steady_clock::now();
  const int64_t last_write = last_good_write_ns_.load(std::memory_order_relaxed);
  if (SteadyNs() - last_write < std::chrono::nanoseconds(kProbeInterval).count()) return {};
  if (now - last_probe_ < kProbeInterval) return last_probe_result_;
  last_probe_ = now;
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability == Durability::kSync;
  rocksdb::WriteBatch probe;
  probe.Put(cf(kMeta), "health-probe", "ok");
  probe_writes_.fetch_add(1, std::memory_order_relaxed);
  rocksdb::Status status = WriteHoldingLock(write_options, probe);
  last_probe_result_ = status.ok() ? Result<void>() : StoreFailure("probe write failed", status);
  return last_probe_result_;
}

void SpareDescriptors::Acquire() {
  while (static_cast<int>(fds_.size()) < count_) {
    const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    fds_.push_back(fd);
  }
}

void SpareDescriptors::Release() {
  for (int fd : fds_) close(fd);
  fds_.clear();
}

RevisionStore::WriteHealth RocksRevisionStore::Health() const {
  std::lock_guard lock(write_mutex_);
  return {.writable = !failed_.load(std::memory_order_acquire),
          .failures = failures_.load(std::memory_order_relaxed),
          .recoveries = recoveries_.load(std::memory_order_relaxed),
          .probe_writes = probe_writes_.load(std::memory_order_relaxed),
          .last_error = last_error_};
}

}  // namespace newswire::store
