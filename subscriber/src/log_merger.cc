#include "log_merger.h"

#include "newswire/core/channel.h"

namespace newswire::subscriber {

LogMerger::LogMerger(QueryClient& query, std::vector<std::string> channels, Start start,
                     std::vector<uint64_t> ends, uint32_t page_size)
    : query_(query), start_(std::move(start)), page_size_(page_size) {
  for (std::size_t i = 0; i < channels.size(); ++i) {
    Cursor cursor;
    // The wire channel is the wire log itself: read it directly.
    if (channels[i] != core::WireChannel()) cursor.channel = channels[i];
    cursor.end = i < ends.size() ? ends[i] : 0;
    cursors_.push_back(std::move(cursor));
  }
}

v1::ReadLog LogMerger::Request(const Cursor& cursor) const {
  v1::ReadLog request;
  request.set_channel(cursor.channel);
  request.set_limit(page_size_);
  // No full articles: the events rebuild them. A diff for an article first
  // seen here (history starting mid-story) fetches that one version.
  if (cursor.started) {
    request.set_from_seq(cursor.next_seq);
  } else if (start_.time) {
    *request.mutable_from_time() = *start_.time;
  } else if (cursor.channel.empty()) {
    request.set_from_seq(std::max<uint64_t>(1, start_.wire_seq));
  } else {
    request.set_from_wire_seq(std::max<uint64_t>(1, start_.wire_seq));
  }
  return request;
}

Result<void> LogMerger::Fill(Cursor& cursor) {
  if (cursor.done || !cursor.page.empty()) return {};
  auto reply = query_.ReadLog(Request(cursor));
  if (!reply) return Fail(reply.error());
  cursor.started = true;
  cursor.next_seq = reply->next_seq();
  for (auto& record : *reply->mutable_records()) {
    if (cursor.end != 0 && record.seq() > cursor.end) {
      cursor.done = true;
      break;
    }
    cursor.page.push_back(std::move(record));
  }
  if (reply->records().empty() || (cursor.end != 0 && cursor.next_seq > cursor.end)) {
    cursor.done = true;
  }
  // The next page is read by the daemon while this one is worked through.
  if (!cursor.done) query_.PrefetchLog(Request(cursor));
  return {};
}

Result<std::optional<v1::LogRecord>> LogMerger::Next() {
  while (true) {
    Cursor* best = nullptr;
    for (auto& cursor : cursors_) {
      if (auto ok = Fill(cursor); !ok) return Fail(ok.error());
      if (cursor.page.empty()) continue;
      if (!best || cursor.page.front().event().wire_seq() < best->page.front().event().wire_seq()) {
        best = &cursor;
      }
    }
    if (!best) return std::optional<v1::LogRecord>();
    v1::LogRecord record = std::move(best->page.front());
    best->page.pop_front();
    if (record.event().wire_seq() <= last_wire_seq_) continue;  // Seen on another channel.
    last_wire_seq_ = record.event().wire_seq();
    return std::optional(std::move(record));
  }
}

}  // namespace newswire::subscriber
