// Rebuilds articles from events: applies diffs to the versions it holds,
// verifies each result against its content hash, and falls back to a full
// article (sent along, or fetched) when anything does not fit. Private.
#pragma once

#include <list>
#include <optional>
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

 private:
  const v1::Article* Held(const std::string& article_id);
  void Hold(const v1::Article& article);

  QueryClient* query_;
  std::size_t max_held_;
  // Least recently used first; the map points into the list.
  std::list<v1::Article> held_;
  std::unordered_map<std::string, std::list<v1::Article>::iterator> index_;
};

}  // namespace newswire::subscriber
