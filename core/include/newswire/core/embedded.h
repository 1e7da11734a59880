// Splicing bytes that are already encoded into a message being encoded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace newswire::core {

// Appends a length-delimited field (tag, length, then `bytes`): what a
// message's own serialisation writes for a sub-message or bytes field with
// that content. Appended in field-number order after the fields before it,
// the result is byte for byte the message's serialisation, without copying
// the sub-message into the message first.
void AppendEmbedded(std::string& out, int field, std::string_view bytes);

// Appends a varint field (tag, then `value`), as a message's serialisation
// writes a set uint64 field; nothing for 0 (proto3 leaves it out).
void AppendVarintField(std::string& out, int field, uint64_t value);

}  // namespace newswire::core
