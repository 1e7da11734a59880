#include "newswire/core/diff.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <tuple>
#include <vector>

#include "newswire/core/utf8.h"
#include "sequence_align.h"
#include "text_tokens.h"

namespace newswire::core {
namespace {

using google::protobuf::RepeatedPtrField;
using internal::MatchRun;
using internal::WorkBudget;

// Work units (Myers diagonals visited plus tokens compared) one DiffText or
// DiffArticles call may spend before it stops aligning and replaces what is
// left: a few milliseconds at most; typical edits need a few thousand.
constexpr uint64_t kTextWorkBudget = uint64_t{1} << 18;
constexpr uint64_t kArticleWorkBudget = uint64_t{1} << 19;

// Texts past this are replaced wholesale: token offsets are 32-bit.
constexpr std::size_t kMaxAlignedBytes = std::numeric_limits<int32_t>::max();

tl::unexpected<Error> Mismatch(std::string message) {
  return Fail(v1::ERROR_CODE_DIFF_MISMATCH, std::move(message));
}

// ---- sizes -----------------------------------------------------------------

// Serialized sizes, to choose the smaller of two equivalent encodings.
std::size_t VarintSize(uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// A length-delimited field holding `n` bytes.
std::size_t FieldSize(std::size_t n) { return 1 + VarintSize(n) + n; }

// A retain or remove op inside TextDiff.ops.
std::size_t CountOpSize(std::size_t n) { return FieldSize(1 + VarintSize(n)); }

// An insert op inside TextDiff.ops (or ListDiff.ops, same shape).
std::size_t InsertOpSize(std::size_t n) { return FieldSize(FieldSize(n)); }

// ---- text ------------------------------------------------------------------

// Appends ops, merging each into the previous one of the same kind.
class TextDiffWriter {
 public:
  explicit TextDiffWriter(v1::TextDiff* diff) : diff_(diff) {}

  void Retain(std::size_t n) {
    if (n == 0) return;
    v1::TextOp* last = Last();
    if (last != nullptr && last->has_retain()) {
      last->set_retain(last->retain() + static_cast<uint32_t>(n));
    } else {
      diff_->add_ops()->set_retain(static_cast<uint32_t>(n));
    }
  }
  void Remove(std::size_t n) {
    if (n == 0) return;
    v1::TextOp* last = Last();
    if (last != nullptr && last->has_remove()) {
      last->set_remove(last->remove() + static_cast<uint32_t>(n));
    } else {
      diff_->add_ops()->set_remove(static_cast<uint32_t>(n));
    }
  }
  void Insert(std::string_view text) {
    if (text.empty()) return;
    v1::TextOp* last = Last();
    if (last != nullptr && last->has_insert()) {
      last->mutable_insert()->append(text);
    } else {
      diff_->add_ops()->set_insert(std::string(text));
    }
  }

 private:
  v1::TextOp* Last() {
    return diff_->ops_size() == 0 ? nullptr : diff_->mutable_ops(diff_->ops_size() - 1);
  }
  v1::TextDiff* diff_;
};

// A changed span: base bytes [a_begin, a_end) become result bytes
// [b_begin, b_end).
struct Hunk {
  std::size_t a_begin, a_end, b_begin, b_end;
};

std::size_t HunkSize(const Hunk& h) {
  std::size_t size = 0;
  if (h.a_end > h.a_begin) size += CountOpSize(h.a_end - h.a_begin);
  if (h.b_end > h.b_begin) size += InsertOpSize(h.b_end - h.b_begin);
  return size;
}

// Common prefix of `a` and `b`, cut back to an anchor of both (see
// text::IsAnchor) so that the middle tokenises as it does in the whole text
// and starts with whole tokens.
std::size_t TokenPrefix(std::string_view a, std::string_view b) {
  const std::size_t limit = std::min(a.size(), b.size());
  std::size_t p = static_cast<std::size_t>(
      std::mismatch(a.begin(), a.begin() + limit, b.begin()).first - a.begin());
  while (p > 0 && !(text::IsAnchor(a, p) && text::IsAnchor(b, p))) --p;
  return p;
}

// Length of the common suffix that leaves at least `prefix` bytes before it
// in both, moved forward to an anchor of both.
std::size_t TokenSuffix(std::string_view a, std::string_view b, std::size_t prefix) {
  const std::size_t limit = std::min(a.size(), b.size()) - prefix;
  std::size_t s = 0;
  while (s < limit && a[a.size() - 1 - s] == b[b.size() - 1 - s]) ++s;
  std::size_t ea = a.size() - s;
  std::size_t eb = b.size() - s;
  while (ea < a.size() && !(text::IsAnchor(a, ea) && text::IsAnchor(b, eb))) ++ea, ++eb;
  return a.size() - ea;
}

// A set of token hashes (open addressing, reused across calls). It may
// answer yes for a hash it does not hold (0 and 1 share a slot value), never
// no for one it holds: callers compare bytes anyway.
class HashSet {
 public:
  void Reset(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity < 2 * count) capacity <<= 1;
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
  }
  void Insert(uint64_t hash) {
    hash |= 1;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == hash) return;
      if (slots_[i] == 0) {
        slots_[i] = hash;
        return;
      }
    }
  }
  bool Contains(uint64_t hash) const {
    hash |= 1;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == hash) return true;
      if (slots_[i] == 0) return false;
    }
  }

 private:
  std::vector<uint64_t> slots_;
  std::size_t mask_ = 0;
};

// Working memory of AlignTokens, one per thread: the publish path diffs
// thousands of text pairs a second and should not allocate for each.
struct TokenScratch {
  std::vector<text::Token> ta, tb;
  std::vector<uint32_t> ka, kb;  // Tokens whose hash occurs on the other side.
  HashSet seen;
  std::vector<MatchRun> reduced, runs;
  internal::AlignBuffers align;
};

// Changed spans of a[begin, a_end) against b[begin, b_end), word by word.
void AlignTokens(std::string_view a, std::string_view b, std::size_t begin, std::size_t a_end,
                 std::size_t b_end, WorkBudget& budget, std::vector<Hunk>* hunks) {
  thread_local TokenScratch scratch;
  std::vector<text::Token>& ta = scratch.ta;
  std::vector<text::Token>& tb = scratch.tb;
  std::vector<uint32_t>& ka = scratch.ka;
  std::vector<uint32_t>& kb = scratch.kb;
  HashSet& seen = scratch.seen;
  std::vector<MatchRun>& reduced = scratch.reduced;
  std::vector<MatchRun>& runs = scratch.runs;
  ta.clear();
  tb.clear();
  text::Tokenize(a, begin, a_end, &ta);
  text::Tokenize(b, begin, b_end, &tb);
  // Following long unchanged runs costs time linear in the input, like
  // tokenising it; grant that much so a long text with many scattered edits
  // is not cut short. The budget still caps the quadratic part.
  budget.Grant(ta.size() + tb.size());
  // The windows start and end at anchors, a few tokens before and after the
  // bytes that differ: equal tokens there are kept as they stand, so that an
  // ambiguous alignment never moves an edit away from them.
  auto same = [&](const text::Token& x, const text::Token& y) {
    return x.hash == y.hash &&
           a.substr(x.begin, x.end - x.begin) == b.substr(y.begin, y.end - y.begin);
  };
  std::size_t lead = 0;
  while (lead < ta.size() && lead < tb.size() && same(ta[lead], tb[lead])) ++lead;
  std::size_t trail = 0;
  while (trail < ta.size() - lead && trail < tb.size() - lead &&
         same(ta[ta.size() - 1 - trail], tb[tb.size() - 1 - trail])) {
    ++trail;
  }
  if (trail > 0) {
    a_end = ta[ta.size() - trail].begin;
    b_end = tb[tb.size() - trail].begin;
    ta.resize(ta.size() - trail);
    tb.resize(tb.size() - trail);
  }
  ta.erase(ta.begin(), ta.begin() + static_cast<std::ptrdiff_t>(lead));
  tb.erase(tb.begin(), tb.begin() + static_cast<std::ptrdiff_t>(lead));
  // A token that occurs on one side only can match nothing: aligning
  // without such tokens finds a common subsequence just as long, and Myers'
  // quadratic part shrinks with them (two unrelated paragraphs, which
  // EmitChangedRun tries as a pair, share little beyond spaces).
  seen.Reset(tb.size());
  for (const text::Token& t : tb) seen.Insert(t.hash);
  ka.clear();
  for (uint32_t i = 0; i < ta.size(); ++i) {
    if (seen.Contains(ta[i].hash)) ka.push_back(i);
  }
  seen.Reset(ka.size());
  for (uint32_t i : ka) seen.Insert(ta[i].hash);
  kb.clear();
  for (uint32_t j = 0; j < tb.size(); ++j) {
    if (seen.Contains(tb[j].hash)) kb.push_back(j);
  }
  auto eq = [&](uint32_t i, uint32_t j) {
    const text::Token& x = ta[ka[i]];
    const text::Token& y = tb[kb[j]];
    return x.hash == y.hash &&
           a.substr(x.begin, x.end - x.begin) == b.substr(y.begin, y.end - y.begin);
  };
  reduced.clear();
  internal::Align(static_cast<uint32_t>(ka.size()), static_cast<uint32_t>(kb.size()), eq, budget,
                  scratch.align, &reduced);
  // Back to positions in the full token sequences: a reduced run is a run
  // there only where no dropped token sat between its tokens.
  runs.clear();
  for (const MatchRun& run : reduced) {
    for (uint32_t k = 0; k < run.len; ++k) {
      internal::detail::AddRun(&runs, ka[run.a + k], kb[run.b + k], 1);
    }
  }
  auto a_at = [&](uint32_t i) -> std::size_t { return i < ta.size() ? ta[i].begin : a_end; };
  auto b_at = [&](uint32_t j) -> std::size_t { return j < tb.size() ? tb[j].begin : b_end; };
  uint32_t i = 0, j = 0;
  for (const MatchRun& run : runs) {
    if (run.a > i || run.b > j) hunks->push_back(Hunk{a_at(i), a_at(run.a), b_at(j), b_at(run.b)});
    i = run.a + run.len;
    j = run.b + run.len;
  }
  if (i < ta.size() || j < tb.size()) hunks->push_back(Hunk{a_at(i), a_end, b_at(j), b_end});
}

// The changed spans turning `a` into `b`, in order, each folded with the
// next when one replace encodes smaller than two (e.g. "7.5" -> "8.1").
// Empty when a == b.
void TextHunks(std::string_view a, std::string_view b, WorkBudget& budget,
               std::vector<Hunk>* merged) {
  merged->clear();
  if (a == b) return;
  const std::size_t prefix = TokenPrefix(a, b);
  const std::size_t suffix = TokenSuffix(a, b, prefix);
  const std::size_t a_end = a.size() - suffix;
  const std::size_t b_end = b.size() - suffix;

  thread_local std::vector<Hunk> hunks;
  hunks.clear();
  if (prefix < a_end && prefix < b_end && !budget.Exhausted() && a.size() <= kMaxAlignedBytes &&
      b.size() <= kMaxAlignedBytes) {
    AlignTokens(a, b, prefix, a_end, b_end, budget, &hunks);
  } else {
    hunks.push_back(Hunk{prefix, a_end, prefix, b_end});
  }
  for (const Hunk& h : hunks) {
    if (!merged->empty()) {
      Hunk& last = merged->back();
      Hunk joined{last.a_begin, h.a_end, last.b_begin, h.b_end};
      if (HunkSize(joined) <= CountOpSize(h.a_begin - last.a_end) + HunkSize(last) + HunkSize(h)) {
        last = joined;
        continue;
      }
    }
    merged->push_back(h);
  }
}

// Serialized size of the TextDiff that TextDiffOf(a_size, b, hunks) builds,
// without building it: most diffs of an item pair are only sized and
// dropped (see SmallerAsModify).
std::size_t TextDiffSize(std::size_t a_size, std::size_t b_size, const std::vector<Hunk>& hunks) {
  auto scalar = [](std::size_t n) { return n == 0 ? 0 : 1 + VarintSize(n); };
  std::size_t size = scalar(a_size) + scalar(b_size);
  // Hunks are separated by a non-empty retain (else they were folded), so
  // no two ops of the same kind are ever adjacent and none merge.
  std::size_t pos = 0;
  for (const Hunk& h : hunks) {
    if (h.a_begin > pos) size += CountOpSize(h.a_begin - pos);
    size += HunkSize(h);
    pos = h.a_end;
  }
  if (a_size > pos) size += CountOpSize(a_size - pos);
  return size;
}

v1::TextDiff TextDiffOf(std::size_t a_size, std::string_view b, const std::vector<Hunk>& hunks) {
  v1::TextDiff diff;
  diff.set_base_len(static_cast<uint32_t>(a_size));
  diff.set_result_len(static_cast<uint32_t>(b.size()));
  TextDiffWriter out(&diff);
  std::size_t pos = 0;
  for (const Hunk& h : hunks) {
    out.Retain(h.a_begin - pos);
    out.Remove(h.a_end - h.a_begin);
    out.Insert(b.substr(h.b_begin, h.b_end - h.b_begin));
    pos = h.a_end;
  }
  out.Retain(a_size - pos);
  return diff;
}

v1::TextDiff DiffTextBounded(std::string_view a, std::string_view b, WorkBudget& budget) {
  thread_local std::vector<Hunk> hunks;
  TextHunks(a, b, budget, &hunks);
  return TextDiffOf(a.size(), b, hunks);
}

// ---- lists -----------------------------------------------------------------

class ListDiffBuilder {
 public:
  explicit ListDiffBuilder(v1::ListDiff* diff) : diff_(diff) {}
  void Retain(int n) {
    if (n <= 0) return;
    v1::ListOp* last = Last();
    if (last != nullptr && last->has_retain()) {
      last->set_retain(last->retain() + static_cast<uint32_t>(n));
    } else {
      diff_->add_ops()->set_retain(static_cast<uint32_t>(n));
    }
  }
  void Remove(int n) {
    if (n <= 0) return;
    v1::ListOp* last = Last();
    if (last != nullptr && last->has_remove()) {
      last->set_remove(last->remove() + static_cast<uint32_t>(n));
    } else {
      diff_->add_ops()->set_remove(static_cast<uint32_t>(n));
    }
  }
  void Insert(const std::string& item) { diff_->add_ops()->set_insert(item); }
  void Modify(v1::TextDiff&& edit) { *diff_->add_ops()->mutable_modify() = std::move(edit); }

 private:
  v1::ListOp* Last() {
    return diff_->ops_size() == 0 ? nullptr : diff_->mutable_ops(diff_->ops_size() - 1);
  }
  v1::ListDiff* diff_;
};

// Sets `edit` to the text diff from `from` to `to` and returns true when
// sending it as a modify op is smaller than sending `to` whole.
bool SmallerAsModify(const std::string& from, const std::string& to, WorkBudget& budget,
                     v1::TextDiff* edit) {
  if (from.empty() || to.empty()) return false;  // Nothing to share.
  thread_local std::vector<Hunk> hunks;
  TextHunks(from, to, budget, &hunks);
  if (FieldSize(FieldSize(TextDiffSize(from.size(), to.size(), hunks))) >=
      InsertOpSize(to.size())) {
    return false;
  }
  *edit = TextDiffOf(from.size(), to, hunks);
  return true;
}

// Emits the edit for an unmatched run a[a_begin, a_end) -> b[b_begin, b_end):
// items that were edited (their text diff is smaller than the new text) pair
// up as modify ops; the rest are removed or inserted. Walks both runs once,
// looking one item ahead on either side for a partner, so it tries at most
// three pairs per item.
void EmitChangedRun(ListDiffBuilder& out, const RepeatedPtrField<std::string>& a, int a_begin,
                    int a_end, const RepeatedPtrField<std::string>& b, int b_begin, int b_end,
                    WorkBudget& budget) {
  int i = a_begin, j = b_begin;
  v1::TextDiff edit;
  while (i < a_end && j < b_end) {
    if (SmallerAsModify(a[i], b[j], budget, &edit)) {
      out.Modify(std::move(edit));
      ++i, ++j;
    } else if (j + 1 < b_end && SmallerAsModify(a[i], b[j + 1], budget, &edit)) {
      out.Insert(b[j]);
      out.Modify(std::move(edit));
      ++i, j += 2;
    } else if (i + 1 < a_end && SmallerAsModify(a[i + 1], b[j], budget, &edit)) {
      out.Remove(1);
      out.Modify(std::move(edit));
      i += 2, ++j;
    } else {
      out.Remove(1);
      out.Insert(b[j]);
      ++i, ++j;
    }
  }
  out.Remove(a_end - i);
  for (; j < b_end; ++j) out.Insert(b[j]);
}

v1::ListDiff DiffList(const RepeatedPtrField<std::string>& a,
                      const RepeatedPtrField<std::string>& b, WorkBudget& budget) {
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
  const int a_end = a.size() - suffix;
  const int b_end = b.size() - suffix;

  // Myers over the middle items, compared by hash first.
  std::vector<uint64_t> ha, hb;
  for (int k = prefix; k < a_end; ++k) ha.push_back(text::HashBytes(a[k]));
  for (int k = prefix; k < b_end; ++k) hb.push_back(text::HashBytes(b[k]));
  auto eq = [&](uint32_t i, uint32_t j) {
    return ha[i] == hb[j] && a[prefix + static_cast<int>(i)] == b[prefix + static_cast<int>(j)];
  };
  std::vector<MatchRun> runs;
  internal::AlignBuffers buffers;
  internal::Align(static_cast<uint32_t>(ha.size()), static_cast<uint32_t>(hb.size()), eq, budget,
                  buffers, &runs);
  int a_pos = prefix, b_pos = prefix;
  for (const MatchRun& run : runs) {
    const int ai = prefix + static_cast<int>(run.a);
    const int bi = prefix + static_cast<int>(run.b);
    EmitChangedRun(out, a, a_pos, ai, b, b_pos, bi, budget);
    out.Retain(static_cast<int>(run.len));
    a_pos = ai + static_cast<int>(run.len);
    b_pos = bi + static_cast<int>(run.len);
  }
  EmitChangedRun(out, a, a_pos, a_end, b, b_pos, b_end, budget);
  out.Retain(suffix);
  return diff;
}

// `items` holds a copy of the base list and becomes the result: retained
// items are moved over, not copied again. On error `items` is left in an
// unspecified state (the caller drops the whole copy).
Result<void> ApplyList(const v1::ListDiff& diff, RepeatedPtrField<std::string>* items) {
  const auto size = static_cast<uint32_t>(items->size());
  if (diff.base_count() != size) {
    return Mismatch("list diff expects " + std::to_string(diff.base_count()) + " items, base has " +
                    std::to_string(size));
  }
  std::vector<std::string*> released(size);
  items->ExtractSubrange(0, static_cast<int>(size), released.data());
  std::vector<std::unique_ptr<std::string>> base(released.begin(), released.end());
  RepeatedPtrField<std::string> out;
  out.Reserve(static_cast<int>(std::min<uint32_t>(diff.result_count(), 1u << 16)));
  uint32_t pos = 0;
  for (const auto& op : diff.ops()) {
    switch (op.op_case()) {
      case v1::ListOp::kRetain:
        if (op.retain() > size - pos) return Mismatch("list retain past the end of the base");
        for (uint32_t k = 0; k < op.retain(); ++k) out.AddAllocated(base[pos++].release());
        break;
      case v1::ListOp::kRemove:
        if (op.remove() > size - pos) return Mismatch("list remove past the end of the base");
        pos += op.remove();
        break;
      case v1::ListOp::kInsert: *out.Add() = op.insert(); break;
      case v1::ListOp::kModify: {
        if (pos >= size) return Mismatch("list modify past the end of the base");
        auto text = ApplyTextDiff(*base[pos++], op.modify());
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
  items->Swap(&out);
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
  WorkBudget budget(kTextWorkBudget);
  return DiffTextBounded(a, b, budget);
}

Result<std::string> ApplyTextDiff(std::string_view base, const v1::TextDiff& diff) {
  if (diff.base_len() != base.size()) {
    return Mismatch("text diff expects " + std::to_string(diff.base_len()) + " bytes, base has " +
                    std::to_string(base.size()));
  }
  // The result is at most the base and every insert: a larger declared
  // length is refused before anything is reserved for it (an untrusted diff
  // must not make us allocate gigabytes).
  std::size_t most = base.size();
  for (const auto& op : diff.ops()) most += op.insert().size();
  if (diff.result_len() > most) return Mismatch("text diff result is longer than its ops can make");
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
  WorkBudget budget(kArticleWorkBudget);
  DiffScalars(a, b, d);
  if (a.headline() != b.headline()) {
    *d.mutable_headline() = DiffTextBounded(a.headline(), b.headline(), budget);
  }
  if (a.ednote() != b.ednote()) {
    *d.mutable_ednote() = DiffTextBounded(a.ednote(), b.ednote(), budget);
  }
  if (!std::equal(a.key_points().begin(), a.key_points().end(), b.key_points().begin(),
                  b.key_points().end())) {
    *d.mutable_key_points() = DiffList(a.key_points(), b.key_points(), budget);
  }
  if (!std::equal(a.body().begin(), a.body().end(), b.body().begin(), b.body().end())) {
    *d.mutable_body() = DiffList(a.body(), b.body(), budget);
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
    if (auto ok = ApplyList(d.key_points(), out.mutable_key_points()); !ok) {
      return Fail(ok.error());
    }
  }
  if (d.has_body()) {
    if (auto ok = ApplyList(d.body(), out.mutable_body()); !ok) {
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
