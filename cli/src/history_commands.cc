// newswire diff and newswire blame: what changed between any two stored
// versions, and when each paragraph's current text first appeared.
#include <iostream>

#include <google/protobuf/util/json_util.h>

#include "commands.h"
#include "newswire/core/diff.h"
#include "newswire/subscriber/query_client.h"
#include "render.h"

namespace newswire::cli {
namespace {

int Fail(const std::string& command, const std::string& subject, const Error& error, bool json) {
  std::cerr << "newswire " << command << ": " << subject << ": " << error.ToString() << "\n";
  if (json) std::cout << nlohmann::json{{"error", ErrorJson(error)}}.dump() << std::endl;
  return error.code == v1::ERROR_CODE_UNAVAILABLE ? 3 : 1;
}

// For every item of `result`, the index of the same unchanged item in
// `base`, or -1 when the list diff inserted or modified it.
std::vector<int> Carried(const v1::ListDiff& diff, int result_count) {
  std::vector<int> origin(static_cast<std::size_t>(result_count), -1);
  int base = 0, out = 0;
  for (const auto& op : diff.ops()) {
    if (op.has_retain()) {
      for (uint32_t i = 0; i < op.retain() && out < result_count; ++i) {
        origin[static_cast<std::size_t>(out++)] = base++;
      }
    } else if (op.has_remove()) {
      base += static_cast<int>(op.remove());
    } else if (op.has_insert()) {
      ++out;
    } else if (op.has_modify()) {
      ++out;
      ++base;
    }
  }
  return origin;
}

// Version (index into `versions`, 0-based) at which each item of the last
// version's body (or key points) took its current text: walk back through
// the diffs while the item is carried unchanged.
std::vector<std::size_t> BlameList(const std::vector<v1::Article>& versions, bool body) {
  auto list = [body](const v1::Article& a) -> const auto& {
    return body ? a.body() : a.key_points();
  };
  const int count = list(versions.back()).size();
  std::vector<std::size_t> since(static_cast<std::size_t>(count), versions.size() - 1);
  std::vector<int> index(static_cast<std::size_t>(count));  // In version k; -1 once settled.
  for (int i = 0; i < count; ++i) index[static_cast<std::size_t>(i)] = i;
  for (std::size_t k = versions.size() - 1; k > 0; --k) {
    const int newer = list(versions[k]).size();
    auto diff = core::DiffArticles(versions[k - 1], versions[k]);
    const bool changed = body ? diff.has_body() : diff.has_key_points();
    std::vector<int> origin(static_cast<std::size_t>(newer));
    if (changed) {
      origin = Carried(body ? diff.body() : diff.key_points(), newer);
    } else {
      for (int i = 0; i < newer; ++i) origin[static_cast<std::size_t>(i)] = i;
    }
    for (std::size_t item = 0; item < index.size(); ++item) {
      if (index[item] < 0) continue;
      const int from = origin[static_cast<std::size_t>(index[item])];
      index[item] = from;  // -1: this text appeared at version k.
      if (from >= 0) since[item] = k - 1;
    }
  }
  return since;
}

}  // namespace

int RunDiff(const CommonOptions& common, const std::string& article_id, uint32_t from,
            uint32_t to) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout);
  if (!client) return Fail("diff", article_id, client.error(), common.json);
  auto base = (*client)->GetArticle(article_id, from);
  if (!base) return Fail("diff", article_id, base.error(), common.json);
  auto result = (*client)->GetArticle(article_id, to);
  if (!result) return Fail("diff", article_id, result.error(), common.json);
  auto diff = core::DiffArticles(base->article(), result->article());
  if (common.json) {
    std::string diff_json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(diff, &diff_json, options);
    std::cout << nlohmann::json{{"article_id", article_id},
                                {"from", base->article().version()},
                                {"to", result->article().version()},
                                {"diff_bytes", diff.ByteSizeLong()},
                                {"full_bytes", result->article().ByteSizeLong()},
                                {"diff", nlohmann::json::parse(diff_json)}}
                     .dump()
              << std::endl;
    return 0;
  }
  Style style{common.color};
  std::cout << style.Bold() << article_id << " v" << base->article().version() << " -> v"
            << result->article().version() << style.Reset() << "  ("
            << Thousands(diff.ByteSizeLong()) << " B diff vs "
            << Thousands(result->article().ByteSizeLong()) << " B article)\n"
            << RenderArticleDiff(base->article(), diff, style);
  return 0;
}

int RunBlame(const CommonOptions& common, const std::string& article_id) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout);
  if (!client) return Fail("blame", article_id, client.error(), common.json);
  auto history = (*client)->GetHistory(article_id);
  if (!history) return Fail("blame", article_id, history.error(), common.json);
  std::vector<v1::Article> versions;
  for (const auto& entry : history->entries()) {
    auto article = (*client)->GetArticle(article_id, entry.version());
    if (!article) return Fail("blame", article_id, article.error(), common.json);
    versions.push_back(std::move(*article->mutable_article()));
  }
  const v1::Article& latest = versions.back();
  auto when = [&](std::size_t k) -> const google::protobuf::Timestamp& {
    return history->entries(static_cast<int>(k)).wire_time();
  };
  auto print = [&](const char* kind, const google::protobuf::RepeatedPtrField<std::string>& items,
                   const std::vector<std::size_t>& since) {
    for (int i = 0; i < items.size(); ++i) {
      const std::size_t k = since[static_cast<std::size_t>(i)];
      if (common.json) {
        std::cout << nlohmann::json{{"article_id", article_id},
                                    {"kind", kind},
                                    {"index", i + 1},
                                    {"since_version", versions[k].version()},
                                    {"since_wire_time", FormatUtc(when(k))},
                                    {"text", items[i]}}
                         .dump()
                  << std::endl;
      } else {
        std::string text = items[i].size() > 70 ? items[i].substr(0, 67) + "..." : items[i];
        std::cout << "v" << versions[k].version() << "  " << FormatTime(when(k), latest.time_zone())
                  << "  " << kind << " " << i + 1 << ": " << text << "\n";
      }
    }
  };
  print("key point", latest.key_points(), BlameList(versions, /*body=*/false));
  print("paragraph", latest.body(), BlameList(versions, /*body=*/true));
  return 0;
}

}  // namespace newswire::cli
