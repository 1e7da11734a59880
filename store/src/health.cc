// Monitoring hooks of the RocksDB store: sizes and a write probe.
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

Result<void> RocksRevisionStore::Probe() {
  if (options_.read_only) return Fail(v1::ERROR_CODE_STORE_FAILURE, "store is open read-only");
  if (NEWSWIRE_SYNC_POINT("store.probe")) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE, "probe write failed: injected failure");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability == Durability::kSync;
  auto status = db_->Put(write_options, cf(kMeta), "health-probe", "ok");
  if (!status.ok()) return StoreFailure("probe write failed", status);
  return {};
}

}  // namespace newswire::store
