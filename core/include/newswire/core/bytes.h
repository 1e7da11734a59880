// Big-endian integers in byte strings: RocksDB keys (so byte order is
// numeric order), sequence frames on the wire, hash-chain inputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace newswire::core {

// Appends the low `bytes` bytes of `value`, most significant first.
inline void PutBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// The big-endian number `in` holds (up to 8 bytes; more keep the low 64 bits).
inline uint64_t GetBigEndian(std::string_view in) {
  uint64_t value = 0;
  for (char c : in) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace newswire::core
