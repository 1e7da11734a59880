// Numbers read from text (flags, config values, /proc, metrics) with
// std::from_chars: no locale, no exceptions, no sign or space that the type
// does not take, and the whole text or nothing.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace newswire::core {

// The number `text` spells in full, or nullopt: empty, trailing text ("12x"),
// out of T's range, or a minus sign for an unsigned T. Decimal integers;
// for floating point, decimal or scientific ("0.5", "1e3", "inf").
template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace newswire::core
