// Splicing bytes that are already encoded into a message being encoded.
#pragma once

#include <string>
#include <string_view>

namespace newswire::core {

// Appends a length-delimited field (tag, length, then `bytes`): what a
// message's own serialisation writes for a sub-message or bytes field with
// that content. Appended in field-number order after the fields before it,
// the result is byte for byte the message's serialisation, without copying
// the sub-message into the message first.
void AppendEmbedded(std::string& out, int field, std::string_view bytes);

}  // namespace newswire::core
