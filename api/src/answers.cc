#include "newswire/api/answers.h"

#include <google/protobuf/util/json_util.h>

#include "newswire/core/article.h"
#include "newswire/core/diff.h"
#include "newswire/core/time.h"

namespace newswire::api {

std::string FormatUtc(const google::protobuf::Timestamp& ts) { return core::FormatRfc3339(ts); }

nlohmann::json ProtoJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  return nlohmann::json::parse(text);
}

nlohmann::json ErrorJson(const Error& error) {
  nlohmann::json out = {{"code", std::string(ErrorCodeName(error.code))},
                        {"message", error.message}};
  if (error.code == v1::ERROR_CODE_VERSION_CONFLICT) out["current_version"] = error.current_version;
  return out;
}

nlohmann::json ArticleReplyJson(const v1::ArticleReply& reply) {
  return {{"article_id", reply.article().id()},
          {"version", reply.article().version()},
          {"wire_seq", reply.wire_seq()},
          {"wire_time", FormatUtc(reply.wire_time())},
          {"content_hash", core::Hex(reply.content_hash())},
          {"article", ProtoJson(reply.article())}};
}

nlohmann::json HistoryEntryJson(std::string_view article_id, const v1::HistoryEntry& e) {
  return {{"article_id", article_id},
          {"version", e.version()},
          {"wire_seq", e.wire_seq()},
          {"wire_time", FormatUtc(e.wire_time())},
          {"versioncreated", FormatUtc(e.versioncreated())},
          {"publisher_id", e.publisher_id()},
          {"headline", e.headline()},
          {"ednote", e.ednote()},
          {"content_hash", core::Hex(e.content_hash())},
          {"full_bytes", e.full_bytes()},
          {"diff_bytes", e.diff_bytes()}};
}

const char* PayloadName(const v1::RevisionEvent& e) {
  if (e.has_full()) return "full";
  return e.has_delta() ? "delta" : "diff";
}

nlohmann::json DeliveryJson(const subscriber::Delivery& d) {
  const auto& e = d.event;
  // Live: the bytes of the message; from the store: the same event's size.
  const std::size_t wire_bytes = d.event_bytes ? d.event_bytes : e.ByteSizeLong();
  nlohmann::json line = {
      {"article_id", e.article_id()},
      {"version", e.version()},
      {"wire_seq", e.wire_seq()},
      {"wire_time", FormatUtc(e.wire_time())},
      {"channel", d.channel},
      {"channel_seq", d.channel_seq},
      {"payload", PayloadName(e)},
      {"diff_bytes", wire_bytes},
      {"full_bytes", e.full_bytes()},
      {"content_hash", core::Hex(e.content_hash())},
      {"verified", d.verified},
      {"repaired", d.repaired},
      {"recovered", d.recovered},
      {"urgency", d.article().urgency()},
      {"flash", d.flash()},
      {"kill", d.killed()},
      {"correction", d.correction()},
      {"lag_us", std::chrono::duration_cast<std::chrono::microseconds>(d.lag).count()},
      {"article", ProtoJson(d.article())}};
  if (!d.problem.empty()) line["problem"] = d.problem;
  if (auto figures = FigureChangesOf(d)) line["figures"] = FiguresJson(*figures);
  return line;
}

std::optional<std::vector<core::FigureChange>> FigureChangesOf(const subscriber::Delivery& d) {
  if (!d.verified || !d.previous || d.event.version() <= 1) return std::nullopt;
  return d.figure_changes();
}

namespace {

nlohmann::json FigureJson(const core::Figure& f) {
  return {{"text", f.text}, {"value", f.value}, {"unit", f.unit}};
}

const char* FieldName(core::FigureField field) {
  switch (field) {
    case core::FigureField::kHeadline: return "headline";
    case core::FigureField::kKeyPoint: return "key_points";
    case core::FigureField::kParagraph: return "body";
  }
  return "";
}

}  // namespace

nlohmann::json FiguresJson(const std::vector<core::FigureChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) {
    nlohmann::json line = {{"change", core::FigureKindName(c.kind)},
                           {"where", core::FigureWhere(c)},
                           {"field", FieldName(c.field)},
                           {"index", c.index},
                           {"context", c.context}};
    if (c.before) line["before"] = FigureJson(*c.before);
    if (c.after) line["after"] = FigureJson(*c.after);
    out.push_back(std::move(line));
  }
  return out;
}

nlohmann::json SnapshotEntryJson(const v1::SnapshotEntry& e) {
  const char* status = e.pubstatus() == v1::PUB_STATUS_CANCELED   ? "canceled"
                       : e.pubstatus() == v1::PUB_STATUS_WITHHELD ? "withheld"
                                                                  : "usable";
  nlohmann::json line = {{"article_id", e.article_id()},
                         {"feed", e.feed()},
                         {"version", e.version()},
                         {"wire_seq", e.wire_seq()},
                         {"wire_time", FormatUtc(e.wire_time())},
                         {"content_hash", core::Hex(e.content_hash())},
                         {"pubstatus", status},
                         {"killed", e.pubstatus() == v1::PUB_STATUS_CANCELED}};
  if (e.has_article()) line["article"] = ProtoJson(e.article());
  return line;
}

Result<VersionDiff> FetchDiff(subscriber::QueryClient& client, const std::string& article_id,
                              uint32_t from, uint32_t to) {
  auto base = client.GetArticle(article_id, from);
  if (!base) return Fail(base.error());
  auto result = client.GetArticle(article_id, to);
  if (!result) return Fail(result.error());
  VersionDiff out;
  out.base = std::move(*base->mutable_article());
  out.result = std::move(*result->mutable_article());
  out.diff = core::DiffArticles(out.base, out.result);
  return out;
}

nlohmann::json DiffJson(std::string_view article_id, const VersionDiff& d) {
  return {{"article_id", article_id},
          {"from", d.base.version()},
          {"to", d.result.version()},
          {"diff_bytes", d.diff.ByteSizeLong()},
          {"full_bytes", d.result.ByteSizeLong()},
          {"diff", ProtoJson(d.diff)}};
}

nlohmann::json BlameLineJson(std::string_view article_id, const BlameLine& line) {
  return {{"article_id", article_id},
          {"kind", line.kind},
          {"index", line.index},
          {"since_version", line.since_version},
          {"since_wire_time", FormatUtc(line.since_wire_time)},
          {"text", line.text}};
}

}  // namespace newswire::api
