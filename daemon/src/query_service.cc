#include "query_service.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "newswire/core/time.h"
#include "newswire/v1/views.pb.h"
#include "snapshot_query.h"

namespace newswire::daemon {
namespace {

uint32_t PageSize(uint32_t asked) { return asked == 0 ? kDefaultPage : std::min(asked, kMaxPage); }

Result<v1::ArticleReply> Get(const store::RevisionStore& store, const v1::GetArticle& get) {
  const bool as_of = get.version() == 0 && get.has_as_of();
  if (as_of) {
    if (auto ok = core::CheckTimestamp("as_of", get.as_of()); !ok) return Fail(ok.error());
  }
  // Clamped to the clock: an as-of time before 1677 sees nothing, one after
  // 2262 sees the latest version.
  auto revision = as_of ? store.GetRevisionAsOf(get.article_id(), core::ToClockNs(get.as_of()))
                        : store.GetRevision(get.article_id(), get.version());
  if (!revision) return Fail(revision.error());
  v1::ArticleReply reply;
  reply.set_wire_seq(revision->wire_seq());
  *reply.mutable_wire_time() = revision->wire_time();
  reply.set_content_hash(revision->content_hash());
  *reply.mutable_article() = std::move(*revision->mutable_article());
  return reply;
}

// The size of what went out for a version: its delta, its structured diff,
// or the whole article.
uint32_t PayloadBytes(const v1::StoredRevision& revision) {
  if (revision.diff_is_full()) return revision.full_bytes();
  if (!revision.delta().empty()) return static_cast<uint32_t>(revision.delta().size());
  return static_cast<uint32_t>(revision.diff().ByteSizeLong());
}

// One page of an article's history; reads the page (and one more, to say
// where the next starts), never the whole history.
Result<v1::HistoryReply> History(const store::RevisionStore& store, const v1::GetHistory& query) {
  const uint32_t limit = PageSize(query.limit());
  auto history = store.GetHistory(query.article_id(), query.from_version(), limit + 1u);
  if (!history) return Fail(history.error());
  v1::HistoryReply reply;
  reply.set_article_id(query.article_id());
  for (const auto& revision : *history) {
    const auto& a = revision.article();
    if (static_cast<uint32_t>(reply.entries_size()) == limit) {
      reply.set_next_version(a.version());
      break;
    }
    auto* entry = reply.add_entries();
    entry->set_version(a.version());
    entry->set_wire_seq(revision.wire_seq());
    *entry->mutable_wire_time() = revision.wire_time();
    *entry->mutable_versioncreated() = a.versioncreated();
    entry->set_publisher_id(revision.publisher_id());
    entry->set_headline(a.headline());
    entry->set_ednote(a.ednote());
    *entry->mutable_signals() = a.signals();
    entry->set_pubstatus(a.pubstatus());
    entry->set_content_hash(revision.content_hash());
    entry->set_full_bytes(revision.full_bytes());
    entry->set_diff_bytes(PayloadBytes(revision));
    entry->set_event_bytes(revision.diff_bytes());  // The store keeps the event's size there.
  }
  return reply;
}

// A page of the wire log or a channel, encoded: the events as the store
// keeps them, never parsed and encoded again.
Result<v1::LogReplyView> ReadLog(const store::RevisionStore& store, const v1::ReadLog& query) {
  const bool wire = query.channel().empty();
  uint64_t from = query.from_seq();
  if (query.has_from_time() || query.from_wire_seq() != 0) {
    uint64_t wire_seq = query.from_wire_seq();
    if (query.has_from_time()) {
      if (auto ok = core::CheckTimestamp("from_time", query.from_time()); !ok) {
        return Fail(ok.error());
      }
      // Clamped: from a time after 2262 nothing is found, before 1677 everything.
      auto seq = store.FirstSeqAtOrAfter(core::ToClockNs(query.from_time()));
      if (!seq) return Fail(seq.error());
      wire_seq = *seq;
    }
    from = wire_seq;
    if (!wire) {
      auto channel_seq = store.ChannelSeqAtOrAfter(query.channel(), wire_seq);
      if (!channel_seq) return Fail(channel_seq.error());
      from = *channel_seq;
    }
  }
  from = std::max<uint64_t>(from, 1);
  // Read the head first: every record returned is then at or below it.
  auto last =
      wire ? Result<uint64_t>(store.LastWireSeq()) : store.LastStoredChannelSeq(query.channel());
  if (!last) return Fail(last.error());
  auto items = store.ReadEncoded(query.channel(), from, PageSize(query.limit()), query.with_full());
  if (!items) return Fail(items.error());

  v1::LogReplyView reply;
  reply.set_last_seq(*last);
  reply.set_next_seq(from);
  for (auto& item : *items) {
    auto* record = reply.add_records();
    record->set_seq(item.seq);
    record->set_event(std::move(item.event));
    record->set_full(std::move(item.full));
    reply.set_next_seq(item.seq + 1);
  }
  return reply;
}

Result<v1::FeedHeadsReply> FeedHeads(const store::RevisionStore& store,
                                     const v1::GetFeedHeads& query) {
  const uint32_t limit = PageSize(query.limit());
  auto heads = store.GetFeedHeads(query.feed(), query.after_article_id(), limit);
  if (!heads) return Fail(heads.error());
  v1::FeedHeadsReply reply;
  for (const auto& head : *heads) {
    auto* out = reply.add_heads();
    out->set_article_id(head.article_id());
    out->set_version(head.version());
    out->set_wire_seq(head.wire_seq());
    out->set_content_hash(head.content_hash());
  }
  if (heads->size() == limit) reply.set_next_after(heads->back().article_id());
  return reply;
}

// A backup names a new folder inside the daemon's backup folder, never a
// path of the client's choosing: one plain name of letters, digits, '.',
// '_' and '-' (not starting with '.').
bool IsBackupName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// A consistent copy of the store, owner-only: it holds held embargoed text.
Result<v1::BackupReply> Backup(const QueryContext& context, const v1::Backup& query) {
  if (context.backup_dir.empty()) {
    return Fail(v1::ERROR_CODE_UNAUTHORIZED,
                "backups are off on this daemon (start newswired with --backup-dir)");
  }
  if (!IsBackupName(query.path())) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "a backup is named by one folder name (letters, digits, . _ -), taken inside "
                "the daemon's backup folder; '" +
                    query.path() + "' is not one");
  }
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(context.backup_dir, error);
  fs::permissions(context.backup_dir, fs::perms::owner_all, error);
  const fs::path path = fs::path(context.backup_dir) / query.path();
  if (fs::exists(path)) {
    return Fail(v1::ERROR_CODE_MALFORMED, "backup " + query.path() + " already exists");
  }
  const uint64_t seq = context.store.LastWireSeq();
  if (auto ok = context.store.Checkpoint(path.string()); !ok) return Fail(ok.error());
  fs::permissions(path, fs::perms::owner_all, error);
  if (context.backups) context.backups->fetch_add(1, std::memory_order_relaxed);
  v1::BackupReply reply;
  reply.set_path(path.string());
  reply.set_wire_seq(seq);
  return reply;
}

// A page of commits for a follower (see v1::ReadCommits).
Result<v1::CommitsReply> ReadCommits(const store::RevisionStore& store,
                                     const v1::ReadCommits& query,
                                     replication::ReplicationStatus* replication) {
  auto reply = store.ReadCommits(query.from_commit(), PageSize(query.limit()));
  if (!reply) return Fail(reply.error());
  if (replication) reply->set_primary_hub(replication->Snapshot().primary_hub);
  return reply;
}

template <typename T, typename Set>
void Put(v1::QueryReply& reply, Result<T> result, Set set) {
  if (result) {
    set(std::move(*result));
  } else {
    *reply.mutable_error() = result.error().ToProto();
  }
}

}  // namespace

std::string AnswerQuery(const QueryContext& context, const v1::QueryRequest& request) {
  const store::RevisionStore& store = context.store;
  v1::QueryReply reply;
  reply.set_request_id(request.request_id());
  switch (request.query_case()) {
    case v1::QueryRequest::kGet:
      Put(reply, Get(store, request.get()),
          [&](auto r) { *reply.mutable_article() = std::move(r); });
      break;
    case v1::QueryRequest::kHistory:
      Put(reply, History(store, request.history()),
          [&](auto r) { *reply.mutable_history() = std::move(r); });
      break;
    case v1::QueryRequest::kReadLog: {
      auto log = ReadLog(store, request.read_log());
      if (!log) {
        *reply.mutable_error() = log.error().ToProto();
        break;
      }
      // The same bytes a QueryReply holding this LogReply encodes to.
      v1::QueryReplyView view;
      view.set_request_id(request.request_id());
      *view.mutable_log() = std::move(*log);
      return view.SerializeAsString();
    }
    case v1::QueryRequest::kFeedHeads:
      Put(reply, FeedHeads(store, request.feed_heads()),
          [&](auto r) { *reply.mutable_feed_heads() = std::move(r); });
      break;
    case v1::QueryRequest::kBackup:
      Put(reply, Backup(context, request.backup()),
          [&](auto r) { *reply.mutable_backup() = std::move(r); });
      break;
    case v1::QueryRequest::kSnapshot:
      Put(reply, AnswerSnapshot(store, request.snapshot(), PageSize(request.snapshot().limit())),
          [&](auto r) { *reply.mutable_snapshot() = std::move(r); });
      break;
    case v1::QueryRequest::kReportPosition:
      if (context.replication) {
        context.replication->ReportPosition(request.report_position().node(),
                                            request.report_position().commit());
      }
      break;
    case v1::QueryRequest::kReadCommits:
      Put(reply, ReadCommits(store, request.read_commits(), context.replication),
          [&](auto r) { *reply.mutable_commits() = std::move(r); });
      break;
    default:
      *reply.mutable_error() =
          Error{v1::ERROR_CODE_MALFORMED, "query request names no query", 0}.ToProto();
  }
  return reply.SerializeAsString();
}

}  // namespace newswire::daemon
