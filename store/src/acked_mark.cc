#include "acked_mark.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace newswire::store {
namespace {

constexpr std::chrono::milliseconds kInterval{100};
constexpr std::string_view kPrefix = "newswire acked wire_seq ";

std::string Line(uint64_t wire_seq) {
  // The sequence twice, the second inverted: a torn or edited file does not
  // read as a mark.
  return std::string(kPrefix) + std::to_string(wire_seq) + " " + std::to_string(~wire_seq) + "\n";
}

void SyncPath(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  (void)fdatasync(fd);
  close(fd);
}

}  // namespace

Result<uint64_t> ReadAckedMark(const std::string& dir) {
  std::ifstream in(dir + "/ACKED");
  if (!in) return uint64_t{0};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint64_t seq = 0, check = 0;
  const char* p = text.data() + kPrefix.size();
  const char* end = text.data() + text.size();
  if (!text.starts_with(kPrefix)) p = end;
  auto first = std::from_chars(p, end, seq);
  auto second = first.ec == std::errc() && first.ptr < end
                    ? std::from_chars(first.ptr + 1, end, check)
                    : std::from_chars_result{end, std::errc::invalid_argument};
  if (second.ec != std::errc() || check != ~seq) {
    return Fail(v1::ERROR_CODE_STORE_FAILURE,
                "store " + dir + ": ACKED does not hold an acknowledged high-water mark");
  }
  return seq;
}

AckedMark::AckedMark(std::string dir, uint64_t start)
    : dir_(std::move(dir)), wanted_(start), written_(start), thread_([this] { Run(); }) {}

AckedMark::~AckedMark() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  thread_.join();
  Persist(wanted_.load());
}

void AckedMark::Advance(uint64_t wire_seq) {
  uint64_t seen = wanted_.load(std::memory_order_relaxed);
  while (seen < wire_seq && !wanted_.compare_exchange_weak(seen, wire_seq)) {
  }
}

void AckedMark::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_signal_.wait_for(lock, kInterval, [this] { return stopping_; });
    const uint64_t wanted = wanted_.load();
    if (wanted == written_ || stopping_) continue;
    lock.unlock();
    Persist(wanted);
    lock.lock();
  }
}

// New file, fsynced, renamed over the old, folder fsynced: the mark on disk
// is always a whole one.
void AckedMark::Persist(uint64_t wire_seq) {
  if (wire_seq == written_) return;
  const std::string path = dir_ + "/ACKED";
  const std::string next = path + ".new";
  const int fd = open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;  // Tried again next time; the check is a safety net.
  const std::string line = Line(wire_seq);
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       fdatasync(fd) == 0;
  close(fd);
  if (!written || std::rename(next.c_str(), path.c_str()) != 0) return;
  SyncPath(dir_, O_RDONLY | O_DIRECTORY);
  written_ = wire_seq;
}

}  // namespace newswire::store
