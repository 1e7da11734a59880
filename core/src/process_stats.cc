#include "newswire/core/process_stats.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace newswire::core {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The n-th (from 1) space-separated field of `text`.
std::string_view Field(std::string_view text, int n) {
  std::size_t begin = 0;
  for (int i = 1; i < n; ++i) {
    begin = text.find(' ', begin);
    if (begin == std::string_view::npos) return {};
    ++begin;
  }
  return text.substr(begin, text.find(' ', begin) - begin);
}

double Number(std::string_view text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// "VmRSS:    1234 kB" -> bytes.
double StatusBytes(const std::string& status, std::string_view key) {
  auto at = status.find(key);
  if (at == std::string::npos) return 0;
  auto digits = status.find_first_of("0123456789", at + key.size());
  if (digits == std::string::npos) return 0;
  return Number(std::string_view(status).substr(digits, status.find(' ', digits) - digits)) * 1024;
}

}  // namespace

std::optional<ProcessStats> ReadProcessStats(int pid) {
  const std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  const std::string stat = ReadAll(dir + "/stat");
  // The command (field 2) may hold spaces: count fields after its ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  const std::string_view after = std::string_view(stat).substr(close + 2);  // Field 3 on.
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessStats stats;
  stats.cpu_seconds = (Number(Field(after, 12)) + Number(Field(after, 13))) / ticks;  // 14, 15.
  const std::string status = ReadAll(dir + "/status");
  stats.resident_bytes = StatusBytes(status, "VmRSS:");
  stats.peak_resident_bytes = StatusBytes(status, "VmHWM:");
  return stats;
}

}  // namespace newswire::core
