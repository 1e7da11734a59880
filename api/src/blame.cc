// Blame: for every key point and paragraph of the latest version, the
// version whose diff brought in its current text.
#include "newswire/api/answers.h"
#include "newswire/core/diff.h"

namespace newswire::api {
namespace {

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

Result<Blame> FetchBlame(subscriber::QueryClient& client, const std::string& article_id) {
  auto history = client.GetHistory(article_id);
  if (!history) return Fail(history.error());
  if (history->entries().empty()) return Fail(v1::ERROR_CODE_NOT_FOUND, "no versions");
  std::vector<v1::Article> versions;
  for (const auto& entry : history->entries()) {
    auto article = client.GetArticle(article_id, entry.version());
    if (!article) return Fail(article.error());
    versions.push_back(std::move(*article->mutable_article()));
  }
  Blame blame;
  auto add = [&](const char* kind, const google::protobuf::RepeatedPtrField<std::string>& items,
                 const std::vector<std::size_t>& since) {
    for (int i = 0; i < items.size(); ++i) {
      const std::size_t k = since[static_cast<std::size_t>(i)];
      blame.lines.push_back({kind, i + 1, versions[k].version(),
                             history->entries(static_cast<int>(k)).wire_time(), items[i]});
    }
  };
  add("key point", versions.back().key_points(), BlameList(versions, /*body=*/false));
  add("paragraph", versions.back().body(), BlameList(versions, /*body=*/true));
  blame.latest = std::move(versions.back());
  return blame;
}

}  // namespace newswire::api
