#include "newswire/core/diff.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

using google::protobuf::RepeatedPtrField;

tl::unexpected<Error> Mismatch(std::string message) {
  return Fail(v1::ERROR_CODE_DIFF_MISMATCH, std::move(message));
}

// ---- text ------------------------------------------------------------------

void AddRetain(v1::TextDiff& diff, std::size_t n) {
  if (n > 0) diff.add_ops()->set_retain(static_cast<uint32_t>(n));
}

// ---- lists -----------------------------------------------------------------

// Longest common subsequence of two short lists of paragraphs, by equality.
// Returns matched index pairs in order. Lists past `kMaxCells` cells of work
// match nothing in the middle (the caller still strips prefix and suffix),
// which keeps the cost bounded; the result is then larger, never wrong.
constexpr std::size_t kMaxCells = 1 << 20;

std::vector<std::pair<int, int>> MatchItems(const RepeatedPtrField<std::string>& a, int a_begin,
                                            int a_end, const RepeatedPtrField<std::string>& b,
                                            int b_begin, int b_end) {
  std::vector<std::pair<int, int>> matches;
  const auto n = static_cast<std::size_t>(a_end - a_begin);
  const auto m = static_cast<std::size_t>(b_end - b_begin);
  if (n == 0 || m == 0 || (n + 1) * (m + 1) > kMaxCells) return matches;
  std::vector<uint32_t> len((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> uint32_t& { return len[i * (m + 1) + j]; };
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      at(i, j) = a[a_begin + static_cast<int>(i)] == b[b_begin + static_cast<int>(j)]
                     ? at(i + 1, j + 1) + 1
                     : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (a[a_begin + static_cast<int>(i)] == b[b_begin + static_cast<int>(j)]) {
      matches.emplace_back(a_begin + static_cast<int>(i), b_begin + static_cast<int>(j));
      ++i;
      ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return matches;
}

class ListDiffBuilder {
 public:
  explicit ListDiffBuilder(v1::ListDiff* diff) : diff_(diff) {}
  void Retain(int n) {
    if (n <= 0) return;
    if (diff_->ops_size() > 0 && diff_->ops().rbegin()->has_retain()) {
      auto* last = diff_->mutable_ops()->rbegin().operator->();
      last->set_retain(last->retain() + static_cast<uint32_t>(n));
    } else {
      diff_->add_ops()->set_retain(static_cast<uint32_t>(n));
    }
  }
  void Remove(int n) {
    if (n > 0) diff_->add_ops()->set_remove(static_cast<uint32_t>(n));
  }
  void Insert(const std::string& item) { diff_->add_ops()->set_insert(item); }
  void Modify(const std::string& from, const std::string& to) {
    *diff_->add_ops()->mutable_modify() = DiffText(from, to);
  }

 private:
  v1::ListDiff* diff_;
};

// Emits the edit for an unmatched run: edited items pair up as modifications
// (small inner text diffs), the rest are removed or inserted.
void EmitChangedRun(ListDiffBuilder& out, const RepeatedPtrField<std::string>& a, int a_begin,
                    int a_end, const RepeatedPtrField<std::string>& b, int b_begin, int b_end) {
  int paired = std::min(a_end - a_begin, b_end - b_begin);
  for (int k = 0; k < paired; ++k) out.Modify(a[a_begin + k], b[b_begin + k]);
  out.Remove(a_end - a_begin - paired);
  for (int k = b_begin + paired; k < b_end; ++k) out.Insert(b[k]);
}

v1::ListDiff DiffList(const RepeatedPtrField<std::string>& a,
                      const RepeatedPtrField<std::string>& b) {
  v1::ListDiff diff;
  diff.set_base_count(static_cast<uint32_t>(a.size()));
  diff.set_result_count(static_cast<uint32_t>(b.size()));
  ListDiffBuilder out(&diff);

  int prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  int suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  out.Retain(prefix);
  int a_pos = prefix, b_pos = prefix;
  for (auto [ai, bi] : MatchItems(a, prefix, a.size() - suffix, b, prefix, b.size() - suffix)) {
    EmitChangedRun(out, a, a_pos, ai, b, b_pos, bi);
    out.Retain(1);
    a_pos = ai + 1;
    b_pos = bi + 1;
  }
  EmitChangedRun(out, a, a_pos, a.size() - suffix, b, b_pos, b.size() - suffix);
  out.Retain(suffix);
  return diff;
}

Result<void> ApplyList(const RepeatedPtrField<std::string>& base, const v1::ListDiff& diff,
                       RepeatedPtrField<std::string>* result) {
  if (diff.base_count() != static_cast<uint32_t>(base.size())) {
    return Mismatch("list diff expects " + std::to_string(diff.base_count()) + " items, base has " +
                    std::to_string(base.size()));
  }
  RepeatedPtrField<std::string> out;
  out.Reserve(static_cast<int>(diff.result_count()));
  uint32_t pos = 0;
  const auto size = static_cast<uint32_t>(base.size());
  for (const auto& op : diff.ops()) {
    switch (op.op_case()) {
      case v1::ListOp::kRetain:
        if (op.retain() > size - pos) return Mismatch("list retain past the end of the base");
        for (uint32_t k = 0; k < op.retain(); ++k) *out.Add() = base[static_cast<int>(pos++)];
        break;
      case v1::ListOp::kRemove:
        if (op.remove() > size - pos) return Mismatch("list remove past the end of the base");
        pos += op.remove();
        break;
      case v1::ListOp::kInsert: *out.Add() = op.insert(); break;
      case v1::ListOp::kModify: {
        if (pos >= size) return Mismatch("list modify past the end of the base");
        auto text = ApplyTextDiff(base[static_cast<int>(pos++)], op.modify());
        if (!text) return Fail(text.error());
        *out.Add() = std::move(*text);
        break;
      }
      default: return Mismatch("list op is empty");
    }
  }
  if (pos != size) return Mismatch("list diff does not cover the whole base");
  if (static_cast<uint32_t>(out.size()) != diff.result_count()) {
    return Mismatch("list diff result has the wrong number of items");
  }
  *result = std::move(out);
  return {};
}

// ---- sets ------------------------------------------------------------------

auto InstrumentKey(const v1::Instrument& in) { return std::tie(in.exchange(), in.symbol()); }

struct InstrumentLess {
  bool operator()(const v1::Instrument& x, const v1::Instrument& y) const {
    return InstrumentKey(x) < InstrumentKey(y);
  }
};

// Elements of sorted `a` missing from sorted `b`, appended to `out`.
template <typename T, typename Less>
void SortedMinus(const RepeatedPtrField<T>& a, const RepeatedPtrField<T>& b,
                 RepeatedPtrField<T>* out, Less less) {
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      google::protobuf::RepeatedFieldBackInserter(out), less);
}

template <typename T, typename Less>
Result<void> ApplySet(const RepeatedPtrField<T>& base, const RepeatedPtrField<T>& removed,
                      const RepeatedPtrField<T>& added, RepeatedPtrField<T>* result, Less less,
                      const char* what) {
  if (!std::is_sorted(removed.begin(), removed.end(), less) ||
      !std::is_sorted(added.begin(), added.end(), less) ||
      !std::includes(base.begin(), base.end(), removed.begin(), removed.end(), less)) {
    return Mismatch(std::string(what) + " removed are not all in the base");
  }
  RepeatedPtrField<T> kept;
  SortedMinus(base, removed, &kept, less);
  RepeatedPtrField<T> overlap;
  std::set_intersection(kept.begin(), kept.end(), added.begin(), added.end(),
                        google::protobuf::RepeatedFieldBackInserter(&overlap), less);
  if (!overlap.empty()) return Mismatch(std::string(what) + " added are already in the base");
  RepeatedPtrField<T> merged;
  std::merge(kept.begin(), kept.end(), added.begin(), added.end(),
             google::protobuf::RepeatedFieldBackInserter(&merged), less);
  *result = std::move(merged);
  return {};
}

// ---- scalars ---------------------------------------------------------------

bool SameTimestamp(bool has_a, const google::protobuf::Timestamp& a, bool has_b,
                   const google::protobuf::Timestamp& b) {
  return has_a == has_b && a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

void DiffScalars(const v1::Article& a, const v1::Article& b, v1::ArticleDiff& d) {
  auto* r = d.mutable_replaced();
  auto mark = [&](int number) { d.add_replaced_fields(static_cast<uint32_t>(number)); };
  if (a.id() != b.id()) mark(v1::Article::kIdFieldNumber), r->set_id(b.id());
  if (a.feed() != b.feed()) mark(v1::Article::kFeedFieldNumber), r->set_feed(b.feed());
  if (a.version() != b.version()) {
    mark(v1::Article::kVersionFieldNumber), r->set_version(b.version());
  }
  if (a.pubstatus() != b.pubstatus()) {
    mark(v1::Article::kPubstatusFieldNumber), r->set_pubstatus(b.pubstatus());
  }
  if (!std::equal(a.signals().begin(), a.signals().end(), b.signals().begin(), b.signals().end())) {
    mark(v1::Article::kSignalsFieldNumber), *r->mutable_signals() = b.signals();
  }
  if (a.urgency() != b.urgency()) {
    mark(v1::Article::kUrgencyFieldNumber), r->set_urgency(b.urgency());
  }
  if (a.byline() != b.byline()) mark(v1::Article::kBylineFieldNumber), r->set_byline(b.byline());
  if (a.source() != b.source()) mark(v1::Article::kSourceFieldNumber), r->set_source(b.source());
  if (a.language() != b.language()) {
    mark(v1::Article::kLanguageFieldNumber), r->set_language(b.language());
  }
  if (!SameTimestamp(a.has_firstcreated(), a.firstcreated(), b.has_firstcreated(),
                     b.firstcreated())) {
    mark(v1::Article::kFirstcreatedFieldNumber);
    if (b.has_firstcreated()) *r->mutable_firstcreated() = b.firstcreated();
  }
  if (!SameTimestamp(a.has_versioncreated(), a.versioncreated(), b.has_versioncreated(),
                     b.versioncreated())) {
    mark(v1::Article::kVersioncreatedFieldNumber);
    if (b.has_versioncreated()) *r->mutable_versioncreated() = b.versioncreated();
  }
  if (!SameTimestamp(a.has_embargoed(), a.embargoed(), b.has_embargoed(), b.embargoed())) {
    mark(v1::Article::kEmbargoedFieldNumber);
    if (b.has_embargoed()) *r->mutable_embargoed() = b.embargoed();
  }
  if (a.time_zone() != b.time_zone()) {
    mark(v1::Article::kTimeZoneFieldNumber), r->set_time_zone(b.time_zone());
  }
  if (d.replaced_fields_size() == 0) d.clear_replaced();
}

// Field numbers a diff may replace wholesale: every scalar of Article.
bool IsReplaceableField(uint32_t number) {
  switch (number) {
    case v1::Article::kIdFieldNumber:
    case v1::Article::kFeedFieldNumber:
    case v1::Article::kVersionFieldNumber:
    case v1::Article::kPubstatusFieldNumber:
    case v1::Article::kSignalsFieldNumber:
    case v1::Article::kUrgencyFieldNumber:
    case v1::Article::kBylineFieldNumber:
    case v1::Article::kSourceFieldNumber:
    case v1::Article::kLanguageFieldNumber:
    case v1::Article::kFirstcreatedFieldNumber:
    case v1::Article::kVersioncreatedFieldNumber:
    case v1::Article::kEmbargoedFieldNumber:
    case v1::Article::kTimeZoneFieldNumber: return true;
    default: return false;
  }
}

}  // namespace

v1::TextDiff DiffText(std::string_view a, std::string_view b) {
  v1::TextDiff diff;
  diff.set_base_len(static_cast<uint32_t>(a.size()));
  diff.set_result_len(static_cast<uint32_t>(b.size()));
  if (a == b) {
    AddRetain(diff, a.size());
    return diff;
  }
  std::size_t limit = std::min(a.size(), b.size());
  std::size_t prefix = 0;
  while (prefix < limit && a[prefix] == b[prefix]) ++prefix;
  // Back off to a character start; the bytes are equal so both agree.
  while (prefix > 0 && !IsCharBoundary(a, prefix)) --prefix;
  std::size_t suffix = 0;
  while (suffix < limit - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  while (suffix > 0 && !IsCharBoundary(a, a.size() - suffix)) --suffix;

  AddRetain(diff, prefix);
  std::size_t removed = a.size() - prefix - suffix;
  if (removed > 0) diff.add_ops()->set_remove(static_cast<uint32_t>(removed));
  std::string_view inserted = b.substr(prefix, b.size() - prefix - suffix);
  if (!inserted.empty()) diff.add_ops()->set_insert(std::string(inserted));
  AddRetain(diff, suffix);
  return diff;
}

Result<std::string> ApplyTextDiff(std::string_view base, const v1::TextDiff& diff) {
  if (diff.base_len() != base.size()) {
    return Mismatch("text diff expects " + std::to_string(diff.base_len()) + " bytes, base has " +
                    std::to_string(base.size()));
  }
  std::string out;
  out.reserve(diff.result_len());
  std::size_t pos = 0;
  for (const auto& op : diff.ops()) {
    switch (op.op_case()) {
      case v1::TextOp::kRetain:
      case v1::TextOp::kRemove: {
        std::size_t n = op.has_retain() ? op.retain() : op.remove();
        if (n > base.size() - pos) return Mismatch("text op runs past the end of the base");
        if (!IsCharBoundary(base, pos + n)) return Mismatch("text op splits a UTF-8 character");
        if (op.has_retain()) out.append(base.substr(pos, n));
        pos += n;
        break;
      }
      case v1::TextOp::kInsert: out.append(op.insert()); break;
      default: return Mismatch("text op is empty");
    }
    if (out.size() > diff.result_len()) return Mismatch("text diff result is too long");
  }
  if (pos != base.size()) return Mismatch("text diff does not cover the whole base");
  if (out.size() != diff.result_len()) return Mismatch("text diff result has the wrong length");
  return out;
}

v1::ArticleDiff DiffArticles(const v1::Article& a, const v1::Article& b) {
  v1::ArticleDiff d;
  DiffScalars(a, b, d);
  if (a.headline() != b.headline()) *d.mutable_headline() = DiffText(a.headline(), b.headline());
  if (a.ednote() != b.ednote()) *d.mutable_ednote() = DiffText(a.ednote(), b.ednote());
  if (!std::equal(a.key_points().begin(), a.key_points().end(), b.key_points().begin(),
                  b.key_points().end())) {
    *d.mutable_key_points() = DiffList(a.key_points(), b.key_points());
  }
  if (!std::equal(a.body().begin(), a.body().end(), b.body().begin(), b.body().end())) {
    *d.mutable_body() = DiffList(a.body(), b.body());
  }
  SortedMinus(a.instruments(), b.instruments(), d.mutable_instruments_removed(), InstrumentLess());
  SortedMinus(b.instruments(), a.instruments(), d.mutable_instruments_added(), InstrumentLess());
  SortedMinus(a.topics(), b.topics(), d.mutable_topics_removed(), std::less<>());
  SortedMinus(b.topics(), a.topics(), d.mutable_topics_added(), std::less<>());
  return d;
}

Result<v1::Article> ApplyArticleDiff(const v1::Article& base, const v1::ArticleDiff& d) {
  v1::Article out = base;
  if (d.replaced_fields_size() > 0) {
    v1::Article replaced = d.replaced();
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    const auto* descriptor = v1::Article::descriptor();
    for (uint32_t number : d.replaced_fields()) {
      if (!IsReplaceableField(number)) {
        return Mismatch("diff replaces field " + std::to_string(number) +
                        ", which is not a scalar field");
      }
      const auto* field = descriptor->FindFieldByNumber(static_cast<int>(number));
      if (std::find(fields.begin(), fields.end(), field) != fields.end()) {
        return Mismatch("diff replaces field " + std::to_string(number) + " twice");
      }
      fields.push_back(field);
    }
    v1::Article::GetReflection()->SwapFields(&out, &replaced, fields);
  }
  if (d.has_headline()) {
    auto text = ApplyTextDiff(base.headline(), d.headline());
    if (!text) return Fail(text.error());
    out.set_headline(std::move(*text));
  }
  if (d.has_ednote()) {
    auto text = ApplyTextDiff(base.ednote(), d.ednote());
    if (!text) return Fail(text.error());
    out.set_ednote(std::move(*text));
  }
  if (d.has_key_points()) {
    if (auto ok = ApplyList(base.key_points(), d.key_points(), out.mutable_key_points()); !ok) {
      return Fail(ok.error());
    }
  }
  if (d.has_body()) {
    if (auto ok = ApplyList(base.body(), d.body(), out.mutable_body()); !ok) {
      return Fail(ok.error());
    }
  }
  if (d.instruments_removed_size() > 0 || d.instruments_added_size() > 0) {
    if (auto ok = ApplySet(base.instruments(), d.instruments_removed(), d.instruments_added(),
                           out.mutable_instruments(), InstrumentLess(), "instruments");
        !ok) {
      return Fail(ok.error());
    }
  }
  if (d.topics_removed_size() > 0 || d.topics_added_size() > 0) {
    if (auto ok = ApplySet(base.topics(), d.topics_removed(), d.topics_added(),
                           out.mutable_topics(), std::less<>(), "topics");
        !ok) {
      return Fail(ok.error());
    }
  }
  return out;
}

}  // namespace newswire::core
