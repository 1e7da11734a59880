#include "snapshot_query.h"

#include <algorithm>

#include "newswire/core/time.h"

namespace newswire::daemon {
namespace {

// The last wire sequence of the snapshot asked for.
Result<uint64_t> Instant(const store::RevisionStore& store, const v1::GetSnapshot& query) {
  const uint64_t last = store.LastWireSeq();
  if (query.at_wire_seq() != 0) return std::min(query.at_wire_seq(), last);
  if (!query.page_token().empty()) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "a snapshot's later pages name its instant with at_wire_seq");
  }
  if (!query.has_as_of()) return last;
  const int64_t as_of = core::ToClockNs(query.as_of());  // Clamped to the clock's range.
  if (as_of == core::kClockMax) return last;
  auto after = store.FirstSeqAtOrAfter(as_of + 1);
  if (!after) return Fail(after.error());
  return std::min(*after - 1, last);
}

}  // namespace

Result<v1::SnapshotReply> AnswerSnapshot(const store::RevisionStore& store,
                                         const v1::GetSnapshot& query, uint32_t limit) {
  auto at = Instant(store, query);
  if (!at) return Fail(at.error());
  v1::SnapshotReply reply;
  reply.set_wire_seq(*at);
  if (*at != 0) {
    auto entry = store.ReadEncoded("", *at, 1, false);
    if (!entry) return Fail(entry.error());
    v1::RevisionEvent event;
    if (!entry->empty() && event.ParseFromString(entry->front().event)) {
      *reply.mutable_wire_time() = event.wire_time();
    }
  }
  if (*at == 0) return reply;  // Nothing was out yet.
  auto page =
      store.ReadSnapshot(query.channel(), *at, query.page_token(), limit, query.with_full());
  if (!page) return Fail(page.error());
  for (auto& item : page->items) {
    auto* entry = reply.add_entries();
    entry->set_article_id(std::move(item.article_id));
    entry->set_feed(std::move(item.feed));
    entry->set_version(item.version);
    entry->set_wire_seq(item.wire_seq);
    *entry->mutable_wire_time() = core::FromClockNs(item.wire_time_ns);
    entry->set_content_hash(std::move(item.content_hash));
    entry->set_pubstatus(item.pubstatus);
    if (!item.article.empty() && !entry->mutable_article()->ParseFromString(item.article)) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt article of " + entry->article_id());
    }
  }
  reply.set_next_page_token(std::move(page->next_page_token));
  return reply;
}

}  // namespace newswire::daemon
