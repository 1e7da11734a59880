// The acknowledged high-water mark: the highest wire sequence the store has
// reported durable, kept apart from RocksDB's write-ahead log in a small
// file (ACKED, in the store folder). A WAL that lost its end (cut short, or
// damaged where RocksDB tolerates a torn last record) would otherwise open
// as a shorter log without a word, and give the lost sequences to new
// revisions. Private to store/.
//
// Written by a thread of its own at most every 100 ms (written to a new
// file, fsynced, renamed over the old one) and once more on close, so a
// loss of anything acked more than ~100 ms before a crash, or before a
// clean stop, is caught when the store opens.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "newswire/core/error.h"

namespace newswire::store {

// The mark recorded in `dir` (0 when there is none). STORE_FAILURE when the
// file exists but does not read as one.
Result<uint64_t> ReadAckedMark(const std::string& dir);

class AckedMark {
 public:
  // Starts keeping the mark in `dir`, from `start`.
  AckedMark(std::string dir, uint64_t start);
  ~AckedMark();  // Writes the last mark.
  AckedMark(const AckedMark&) = delete;
  AckedMark& operator=(const AckedMark&) = delete;

  // The store acknowledged everything up to `wire_seq`. Any thread; cheap.
  void Advance(uint64_t wire_seq);

 private:
  void Run();
  void Persist(uint64_t wire_seq);

  const std::string dir_;
  std::atomic<uint64_t> wanted_;
  uint64_t written_;
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread thread_;  // Last: starts once the rest is set up.
};

}  // namespace newswire::store
