#include "newswire/subscriber/snapshot.h"

#include <algorithm>
#include <unordered_set>

#include "newswire/core/article.h"
#include "newswire/core/channel.h"

namespace newswire::subscriber {

Result<Snapshot> ReadSnapshot(QueryClient& client, const SnapshotRequest& request) {
  auto channels = ChannelTopics(request.channels);
  if (!channels) return Fail(channels.error());
  if (request.access) channels = ScopeTopics(*channels, *request.access);
  if (!channels) return Fail(channels.error());
  Snapshot out;
  std::unordered_set<std::string> seen;
  bool fixed = false;  // The instant, once the first page named it.
  for (const auto& channel : *channels) {
    v1::GetSnapshot query;
    query.set_channel(channel == core::WireChannel() ? std::string() : channel);
    query.set_limit(request.page_size);
    query.set_with_full(request.with_articles);
    if (!fixed && request.at_wire_seq != 0) query.set_at_wire_seq(request.at_wire_seq);
    if (!fixed && request.at_wire_seq == 0 && request.as_of)
      *query.mutable_as_of() = *request.as_of;
    if (fixed) query.set_at_wire_seq(out.wire_seq);
    do {
      auto page = client.ReadSnapshot(query);
      if (!page) return Fail(page.error());
      if (!fixed) {
        out.wire_seq = page->wire_seq();
        out.wire_time = page->wire_time();
        fixed = true;
      }
      if (out.wire_seq == 0) return out;  // Nothing was out yet.
      out.stories.reserve(out.stories.size() + page->entries_size());
      for (auto& entry : *page->mutable_entries()) {
        if (request.with_articles &&
            core::Sha256(core::CanonicalBytes(entry.article())) != entry.content_hash()) {
          return Fail(v1::ERROR_CODE_DIFF_MISMATCH,
                      entry.article_id() + " v" + std::to_string(entry.version()) +
                          " of the snapshot does not match its content hash");
        }
        // One channel lists a story once; several may share it.
        if (channels->size() == 1 || seen.insert(entry.article_id()).second) {
          out.stories.push_back(std::move(entry));
        }
      }
      query.set_at_wire_seq(out.wire_seq);
      query.clear_as_of();
      query.set_page_token(page->next_page_token());
    } while (!query.page_token().empty());
  }
  std::sort(out.stories.begin(), out.stories.end(),
            [](const auto& a, const auto& b) { return a.wire_seq() < b.wire_seq(); });
  return out;
}

}  // namespace newswire::subscriber
