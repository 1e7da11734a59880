// Every record of a stopped RocksDB store, to compare two stores byte for
// byte (a follower against its primary).
#pragma once

#include <map>
#include <string>

namespace newswire::testing {

// "family/key" -> value for every record of every column family of the
// store at `path` (opened read-only), but the health probe (each node's
// own). Fails the current test (EXPECT) when the store cannot be read.
std::map<std::string, std::string> DumpStore(const std::string& path);

}  // namespace newswire::testing
