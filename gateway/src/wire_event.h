// One revision prepared once for every stream client: the Server-Sent
// Event text (id = wire sequence; data = the `tail --json` line of the
// rebuilt, verified article plus its diff against the previous version)
// and what filters and grants look at. Private to the gateway.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "newswire/gateway/auth.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::gateway {

struct WireEvent {
  uint64_t wire_seq = 0;  // 0 for a notice that is not a revision (a gap).
  std::string feed;
  std::vector<std::string> instruments;  // "MIC:SYMBOL".
  std::vector<std::string> topics;
  std::shared_ptr<const std::string> text;  // The whole SSE event, ending in a blank line.
};

// What a stream or replay client asked for: all empty means the whole wire.
struct Selection {
  std::vector<std::string> feeds, instruments, topics;
  bool Matches(const WireEvent& event) const;
};

// "id: N\nevent: NAME\ndata: DATA\n\n" (no id line when id is 0).
std::string SseEvent(std::string_view name, uint64_t id, std::string_view data);

// Builds events from deliveries, keeping the latest version of recently
// seen articles to diff against; asks the query service for a previous
// version it does not hold. Use from one thread.
class EventBuilder {
 public:
  EventBuilder(subscriber::QueryClient* client, std::size_t max_held);
  std::shared_ptr<const WireEvent> Build(const subscriber::Delivery& delivery);
  static std::shared_ptr<const WireEvent> Gap(const subscriber::Gap& gap);

 private:
  std::shared_ptr<const subscriber::RebuiltArticle> Previous(const v1::RevisionEvent& event);

  subscriber::QueryClient* client_;
  std::size_t max_held_;
  std::unordered_map<std::string, std::shared_ptr<const subscriber::RebuiltArticle>> held_;
  std::list<std::string> order_;  // Oldest first; bounded by max_held_.
};

}  // namespace newswire::gateway
