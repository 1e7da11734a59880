#include "newswire/core/embedded.h"

#include <cstdint>

namespace newswire::core {
namespace {

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

void AppendEmbedded(std::string& out, int field, std::string_view bytes) {
  constexpr uint64_t kLengthDelimited = 2;
  AppendVarint(out, static_cast<uint64_t>(field) << 3 | kLengthDelimited);
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

void AppendVarintField(std::string& out, int field, uint64_t value) {
  if (value == 0) return;
  AppendVarint(out, static_cast<uint64_t>(field) << 3);
  AppendVarint(out, value);
}

}  // namespace newswire::core
