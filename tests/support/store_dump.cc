#include "store_dump.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <rocksdb/db.h>

namespace newswire::testing {

std::map<std::string, std::string> DumpStore(const std::string& path) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies({}, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly({}, path, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (names[i] == "meta" && it->key() == "health-probe") continue;
      out[names[i] + "/" + it->key().ToString()] = it->value().ToString();
    }
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  return out;
}

}  // namespace newswire::testing
