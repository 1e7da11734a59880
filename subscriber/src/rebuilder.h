// Rebuilds articles from events: applies deltas and diffs to the versions it
// holds, verifies each result against its content hash, and falls back to a
// full article (sent along, or fetched) when anything does not fit. Private.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::subscriber {

class Rebuilder {
 public:
  // Fetches one version of an article in full: the repair when nothing else
  // fits.
  using Fetch =
      std::function<Result<v1::ArticleReply>(const std::string& article_id, uint32_t version)>;

  // `query` may be null: then nothing is fetched.
  Rebuilder(QueryClient* query, std::size_t max_held);
  // Repairs through `fetch` (may be empty: then nothing is fetched), for a
  // rebuilder on a thread that must not use the query client itself.
  Rebuilder(Fetch fetch, std::size_t max_held) : fetch_(std::move(fetch)), max_held_(max_held) {}

  // The delivery for `event`; `full` is the full article when the caller
  // has it (catch-up pages carry it), used when the payload cannot be applied.
  Delivery Rebuild(v1::RevisionEvent event, const v1::Article* full);

  // Holds `canonical` (verified bytes) as the latest version of an article,
  // as if it had been rebuilt here: a replay starting from a snapshot.
  void Hold(std::string article_id, uint32_t version, std::shared_ptr<const std::string> canonical);

  // The delivery for a record read from the store; its full article, when
  // the page carries one, is the fallback.
  Delivery Rebuild(v1::LogRecord& record) {
    return Rebuild(std::move(*record.mutable_event()),
                   record.has_full() ? &record.full() : nullptr);
  }

 private:
  // The latest verified version of an article as its canonical bytes, shared
  // with the delivery that carried it (not its parsed article, which is the
  // application's to keep or drop): what the next delta decodes against,
  // and what its hash was taken over.
  struct Held {
    std::string article_id;
    uint32_t version = 0;
    std::shared_ptr<const std::string> canonical;
  };
  Held* Find(const std::string& article_id);  // Makes it the most recently used.

  Fetch fetch_;
  std::size_t max_held_;
  // Least recently used first; the map points into the list.
  std::list<Held> held_;
  std::unordered_map<std::string, std::list<Held>::iterator> index_;
};

}  // namespace newswire::subscriber
