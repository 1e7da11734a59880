// Rebuilds articles from events: applies diffs to the versions it holds,
// verifies each result against its content hash, and falls back to a full
// article (sent along, or fetched) when anything does not fit. Private.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::subscriber {

class Rebuilder {
 public:
  // `query` may be null: then nothing is fetched.
  Rebuilder(QueryClient* query, std::size_t max_held) : query_(query), max_held_(max_held) {}

  // The delivery for `event`; `full` is the full article when the caller
  // has it (catch-up pages carry it), used when the diff cannot be applied.
  Delivery Rebuild(v1::RevisionEvent event, const v1::Article* full);

  // The delivery for a record read from the store; its full article, when
  // the page carries one, is the fallback.
  Delivery Rebuild(v1::LogRecord& record) {
    return Rebuild(std::move(*record.mutable_event()),
                   record.has_full() ? &record.full() : nullptr);
  }

 private:
  using Held = std::shared_ptr<const v1::Article>;
  const v1::Article* Find(const std::string& article_id);
  void Hold(Held article);

  QueryClient* query_;
  std::size_t max_held_;
  // Least recently used first; the map points into the list. Deliveries
  // share these articles instead of copying them.
  std::list<Held> held_;
  std::unordered_map<std::string, std::list<Held>::iterator> index_;
};

}  // namespace newswire::subscriber
