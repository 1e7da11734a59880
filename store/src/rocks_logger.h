// RocksDB's own log (flushes, compactions, errors) handed to the store's
// owner instead of a LOG file in the store folder: one log for the daemon,
// and no log file to write when the disk is full (RocksDB's file logger
// aborts in Debian's build once a write to it has failed). Private.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include <rocksdb/env.h>

#include "newswire/store/revision_store.h"

namespace newswire::store {

class CallbackLogger final : public rocksdb::Logger {
 public:
  // Warnings and worse only: RocksDB is chatty at info level.
  explicit CallbackLogger(StoreOptions::LogFunction log)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), log_(std::move(log)) {}

  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || !log_) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n < 0) return;
    log_(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? StoreOptions::LogLevel::kError
                                                     : StoreOptions::LogLevel::kWarning,
         std::string_view(line,
                          std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1)));
  }

 private:
  StoreOptions::LogFunction log_;
};

}  // namespace newswire::store
