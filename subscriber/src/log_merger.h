// Reads the revisions of several channels from the query service a page at
// a time and hands them out merged in wire order, each once: the catch-up
// of a late joiner and the source of a replay. Memory is bounded by two
// pages per channel (one worked through, the next on its way). Private.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "newswire/subscriber/query_client.h"

namespace newswire::subscriber {

class LogMerger {
 public:
  struct Start {
    uint64_t wire_seq = 0;  // First wire sequence wanted (0: use time).
    std::optional<google::protobuf::Timestamp> time;
  };

  // `ends[i]` is the last channel sequence to read on channels[i] (0: no
  // bound, read to the end of the log as it is when reached).
  LogMerger(QueryClient& query, std::vector<std::string> channels, Start start,
            std::vector<uint64_t> ends, uint32_t page_size = 500);

  // The next record in wire order, nullopt when every channel is done.
  Result<std::optional<v1::LogRecord>> Next();

 private:
  struct Cursor {
    std::string channel;  // Channel topic; empty for the wire itself.
    uint64_t next_seq = 0;
    uint64_t end = 0;
    bool started = false;
    bool done = false;
    std::deque<v1::LogRecord> page;
  };
  v1::ReadLog Request(const Cursor& cursor) const;  // For the cursor's next page.
  Result<void> Fill(Cursor& cursor);

  QueryClient& query_;
  Start start_;
  uint32_t page_size_;
  std::vector<Cursor> cursors_;
  uint64_t last_wire_seq_ = 0;  // Copies on other channels are dropped.
};

}  // namespace newswire::subscriber
