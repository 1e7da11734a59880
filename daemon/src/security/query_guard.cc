#include "query_guard.h"

#include <spdlog/spdlog.h>

#include "newswire/core/channel.h"

namespace newswire::daemon {
namespace {

std::string ErrorAnswer(const v1::QueryRequest& request, const Error& error) {
  v1::QueryReply reply;
  reply.set_request_id(request.request_id());
  *reply.mutable_error() = error.ToProto();
  return reply.SerializeAsString();
}

// What the store says when the article does not exist, so that an article
// the viewer may not read looks exactly like none.
Error Missing(const v1::GetArticle& get) {
  if (get.version() != 0) return NoVersion(get.article_id(), get.version());
  if (get.has_as_of()) return NothingOutAt(get.article_id());
  return NoArticle(get.article_id());
}

// True when the article exists in a feed the viewer may not read. (A feed
// never changes between versions, so the head's feed is every version's.)
bool Hidden(const Viewer& viewer, const store::RevisionStore& store, const std::string& id) {
  auto head = store.GetRevision(id, 0);
  return head && !viewer.MayRead(head->article().feed());
}

void FillGrant(const security::FeedGrant& grant, v1::FeedGrant& out) {
  out.set_all(grant.all);
  if (!grant.all) {
    for (const auto& feed : grant.feeds) out.add_feeds(feed);
  }
}

std::string AccessAnswer(const v1::QueryRequest& request, const Viewer& viewer) {
  v1::QueryReply reply;
  reply.set_request_id(request.request_id());
  auto& access = *reply.mutable_access();
  access.set_identity(viewer.name());
  access.set_secure(viewer.secure());
  if (!viewer.secure()) {
    for (const char* role : {"publisher", "subscriber", "operator"}) access.add_roles(role);
    access.mutable_publish()->set_all(true);
    access.mutable_read()->set_all(true);
  } else if (const auto* identity = viewer.identity()) {
    for (auto role : {security::Role::kPublisher, security::Role::kSubscriber,
                      security::Role::kOperator, security::Role::kReplica}) {
      if (identity->Has(role)) access.add_roles(std::string(security::RoleName(role)));
    }
    FillGrant(identity->publish, *access.mutable_publish());
    if (identity->Has(security::Role::kSubscriber) || identity->Has(security::Role::kReplica)) {
      FillGrant(identity->read, *access.mutable_read());
    }
  }
  return reply.SerializeAsString();
}

std::string ReloadAnswer(const v1::QueryRequest& request, const Viewer& viewer,
                         AccessControl& access) {
  auto generation = access.Reload();
  if (!generation) {
    spdlog::error("access file reload asked by {} failed; the grants in force stay: {}",
                  viewer.name(), generation.error().message);
    return ErrorAnswer(request, generation.error());
  }
  spdlog::info("access file reloaded at {}'s request", viewer.name());
  v1::QueryReply reply;
  reply.set_request_id(request.request_id());
  reply.mutable_reload()->set_generation(*generation);
  reply.mutable_reload()->set_identities(
      static_cast<uint32_t>(access.policy()->identities().size()));
  return reply.SerializeAsString();
}

std::optional<Error> Refusal(const Viewer& viewer, const v1::QueryRequest& request,
                             const store::RevisionStore& store) {
  switch (request.query_case()) {
    case v1::QueryRequest::kGet:
      if (Hidden(viewer, store, request.get().article_id())) return Missing(request.get());
      return std::nullopt;
    case v1::QueryRequest::kHistory:
      if (Hidden(viewer, store, request.history().article_id())) {
        return NoArticle(request.history().article_id());
      }
      return std::nullopt;
    case v1::QueryRequest::kReadLog: {
      const std::string& channel = request.read_log().channel();
      if (channel.empty() ? viewer.ReadsAll() : viewer.MayReadChannel(channel)) return std::nullopt;
      return Error{v1::ERROR_CODE_UNAUTHORIZED, viewer.WhyNot(channel.empty() ? "w|" : channel), 0};
    }
    case v1::QueryRequest::kSnapshot: {
      const std::string& channel = request.snapshot().channel();
      const bool whole = channel.empty() || channel == core::WireChannel();
      if (whole ? viewer.ReadsAll() : viewer.MayReadChannel(channel)) return std::nullopt;
      return Error{v1::ERROR_CODE_UNAUTHORIZED, viewer.WhyNot(whole ? "w|" : channel), 0};
    }
    case v1::QueryRequest::kFeedHeads:
      if (viewer.MayRead(request.feed_heads().feed())) return std::nullopt;
      return Error{v1::ERROR_CODE_UNAUTHORIZED,
                   viewer.WhyNot("f/" + request.feed_heads().feed() + "|"), 0};
    case v1::QueryRequest::kBackup:
      if (viewer.MayOperate()) return std::nullopt;
      return Error{v1::ERROR_CODE_UNAUTHORIZED, "backup is for operators", 0};
    case v1::QueryRequest::kReadCommits:
    case v1::QueryRequest::kReportPosition:
      if (viewer.MayReplicate()) return std::nullopt;
      return Error{v1::ERROR_CODE_UNAUTHORIZED,
                   std::string(request.has_read_commits() ? "ReadCommits" : "ReportPosition") +
                       " is for keys with the replica role (" + viewer.name() + " has " +
                       viewer.Roles() + ")",
                   0};
    // Answered by GuardQuery itself, or refused by the store as malformed.
    case v1::QueryRequest::kAccess:
    case v1::QueryRequest::kReloadAccess:
    case v1::QueryRequest::QUERY_NOT_SET: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> GuardQuery(const Viewer& viewer, const v1::QueryRequest& request,
                                      const store::RevisionStore& store, AccessControl& access,
                                      Metrics& metrics) {
  if (request.query_case() == v1::QueryRequest::kAccess) return AccessAnswer(request, viewer);
  if (request.query_case() == v1::QueryRequest::kReloadAccess) {
    if (!viewer.MayOperate() || !access.secure()) {
      metrics.queries_denied.fetch_add(1, std::memory_order_relaxed);
      return ErrorAnswer(request, access.secure()
                                      ? Error{v1::ERROR_CODE_UNAUTHORIZED,
                                              "reloading the access file is for operators", 0}
                                      : Error{v1::ERROR_CODE_MALFORMED,
                                              "this daemon has no access file to reload (started "
                                              "without --access)",
                                              0});
    }
    return ReloadAnswer(request, viewer, access);
  }
  if (!viewer.secure()) return std::nullopt;
  auto refusal = Refusal(viewer, request, store);
  if (!refusal) return std::nullopt;
  metrics.queries_denied.fetch_add(1, std::memory_order_relaxed);
  return ErrorAnswer(request, *refusal);
}

}  // namespace newswire::daemon
