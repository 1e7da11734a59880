#include "render.h"

#include <algorithm>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "newswire/api/answers.h"
#include "newswire/core/diff.h"
#include "newswire/core/time.h"
#include "newswire/core/unicode.h"

namespace newswire::cli {
namespace {

constexpr std::size_t kContext = 40;  // Bytes of unchanged text kept around an edit.

// At most the first (or, from_end, the last) `n` bytes of `text`, in whole
// grapheme clusters: an elided context never shows half a character.
std::string_view CutAt(std::string_view text, std::size_t n, bool from_end) {
  if (text.size() <= n) return text;
  const std::vector<std::size_t> bounds = core::GraphemeBoundaries(text);
  if (from_end) {
    const std::size_t pos = *std::lower_bound(bounds.begin(), bounds.end(), text.size() - n);
    return text.substr(pos);
  }
  const std::size_t pos = *(std::upper_bound(bounds.begin(), bounds.end(), n) - 1);
  return text.substr(0, pos);
}

// True when every op of `diff` (which turns `base` into `result`) starts
// and ends between grapheme clusters, on both sides. Diffs made by older
// daemons cut between code points (a flag 🇯🇵 -> 🇯🇲 as 🇯 + a changed 🇵).
bool KeepsClusters(std::string_view base, std::string_view result, const v1::TextDiff& diff) {
  const std::vector<std::size_t> in_base = core::GraphemeBoundaries(base);
  const std::vector<std::size_t> in_result = core::GraphemeBoundaries(result);
  auto on = [](const std::vector<std::size_t>& bounds, std::size_t pos) {
    return std::binary_search(bounds.begin(), bounds.end(), pos);
  };
  std::size_t pos = 0, out = 0;
  for (const auto& op : diff.ops()) {
    if (op.has_retain()) pos += op.retain(), out += op.retain();
    if (op.has_remove()) pos += op.remove();
    if (op.has_insert()) out += op.insert().size();
    if (!on(in_base, pos) || !on(in_result, out)) return false;
  }
  return true;
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string ListName(std::string_view list) {
  return list == "key_points" ? "key point" : "paragraph";
}

void RenderListDiff(std::string& out, std::string_view list,
                    const google::protobuf::RepeatedPtrField<std::string>& base,
                    const v1::ListDiff& diff, const Style& style) {
  int pos = 0;     // Index in base.
  int result = 0;  // Index in the result.
  for (const auto& op : diff.ops()) {
    switch (op.op_case()) {
      case v1::ListOp::kRetain:
        pos += static_cast<int>(op.retain());
        result += static_cast<int>(op.retain());
        break;
      case v1::ListOp::kRemove:
        for (uint32_t k = 0; k < op.remove() && pos < base.size(); ++k, ++pos) {
          out += "  " + std::string(style.Red()) + "- " + ListName(list) + " " +
                 std::to_string(pos + 1) + ": " + Quote(CutAt(base[pos], 2 * kContext, false)) +
                 std::string(style.Reset()) + "\n";
        }
        break;
      case v1::ListOp::kInsert:
        out += "  " + std::string(style.Green()) + "+ " + ListName(list) + " " +
               std::to_string(++result) + ": " + Quote(op.insert()) + std::string(style.Reset()) +
               "\n";
        break;
      case v1::ListOp::kModify:
        if (pos < base.size()) {
          out += "  ~ " + ListName(list) + " " + std::to_string(++result) + ": " +
                 RenderTextDiff(base[pos], op.modify(), style) + "\n";
        }
        ++pos;
        break;
      default: break;
    }
  }
}

// `diff` as [-removed-]{+inserted+} with elided context, op by op.
std::string RenderOps(std::string_view base, const v1::TextDiff& diff, const Style& style) {
  std::string out;
  std::size_t pos = 0;
  const int count = diff.ops_size();
  for (int i = 0; i < count; ++i) {
    const auto& op = diff.ops(i);
    if (op.has_retain()) {
      std::string_view kept = base.substr(std::min(pos, base.size()), op.retain());
      // Keep a little context either side of an edit, elide the rest.
      bool first = i == 0, last = i == count - 1;
      if (kept.size() > 2 * kContext + 3) {
        if (!first) out += CutAt(kept, kContext, false);
        out += std::string(style.Dim()) + "…" + std::string(style.Reset());
        if (!last) out += CutAt(kept, kContext, true);
      } else {
        out += kept;
      }
      pos += op.retain();
    } else if (op.has_remove()) {
      out += std::string(style.Red()) + "[-" +
             std::string(base.substr(std::min(pos, base.size()), op.remove())) + "-]" +
             std::string(style.Reset());
      pos += op.remove();
    } else if (op.has_insert()) {
      out += std::string(style.Green()) + "{+" + op.insert() + "+}" + std::string(style.Reset());
    }
  }
  return out;
}

}  // namespace

std::string FormatTime(const google::protobuf::Timestamp& ts, const std::string& zone) {
  return core::FormatInZone(ts, zone);
}

std::string FormatUtc(const google::protobuf::Timestamp& ts) { return api::FormatUtc(ts); }

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string RenderTextDiff(std::string_view base, const v1::TextDiff& diff, const Style& style) {
  if (auto result = core::ApplyTextDiff(base, diff);
      result && !KeepsClusters(base, *result, diff)) {
    // Shown as today's engine cuts it: whole characters only.
    return RenderOps(base, core::DiffText(base, *result), style);
  }
  return RenderOps(base, diff, style);
}

std::string RenderArticleDiff(const v1::Article& base, const v1::ArticleDiff& diff,
                              const Style& style) {
  std::string out;
  if (diff.has_headline()) {
    out += "  headline: " + RenderTextDiff(base.headline(), diff.headline(), style) + "\n";
  }
  if (diff.has_key_points())
    RenderListDiff(out, "key_points", base.key_points(), diff.key_points(), style);
  if (diff.has_body()) RenderListDiff(out, "body", base.body(), diff.body(), style);
  if (diff.has_ednote()) {
    out += "  update note: " + RenderTextDiff(base.ednote(), diff.ednote(), style) + "\n";
  }
  for (const auto& in : diff.instruments_added()) {
    out += "  " + std::string(style.Green()) + "+ instrument " + in.exchange() + ":" + in.symbol() +
           std::string(style.Reset()) + "\n";
  }
  for (const auto& in : diff.instruments_removed()) {
    out += "  " + std::string(style.Red()) + "- instrument " + in.exchange() + ":" + in.symbol() +
           std::string(style.Reset()) + "\n";
  }
  for (const auto& topic : diff.topics_added()) {
    out +=
        "  " + std::string(style.Green()) + "+ topic " + topic + std::string(style.Reset()) + "\n";
  }
  for (const auto& topic : diff.topics_removed()) {
    out += "  " + std::string(style.Red()) + "- topic " + topic + std::string(style.Reset()) + "\n";
  }
  const auto* descriptor = v1::Article::descriptor();
  std::string fields;
  for (uint32_t number : diff.replaced_fields()) {
    const auto* field = descriptor->FindFieldByNumber(static_cast<int>(number));
    if (!field || number == v1::Article::kVersionFieldNumber) continue;
    fields += (fields.empty() ? "" : ", ") + field->name();
  }
  if (!fields.empty()) out += "  changed: " + fields + "\n";
  return out;
}

nlohmann::json ArticleJson(const v1::Article& article) { return api::ProtoJson(article); }

nlohmann::json ErrorJson(const Error& error) { return api::ErrorJson(error); }

}  // namespace newswire::cli
