// FigureChanges: which figures a revision added, removed or changed.
//
// Items (headline, key points, paragraphs) are aligned as the structured
// diff aligns them. Inside an edited item, the word diff says which bytes
// both versions share: a figure whose bytes are all shared, and which
// still reads the same in the new text, is unchanged; the others are
// paired by where they fall between the shared bytes (a figure of the old
// text and one of the new that cover the same stretch of shared text are
// one figure changed), and the rest were removed or added.
#include <unicode/uchar.h>

#include <algorithm>

#include "figure_scan.h"
#include "newswire/core/diff.h"
#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

constexpr int kContextWords = 3;

bool IsWordToken(std::string_view text, const text::Token& t) {
  for (std::size_t pos = t.begin; pos < t.end;) {
    const Utf8Char ch = FirstChar(text.substr(pos, t.end - pos));
    if (ch.length == 0) return false;
    if (u_isalnum(static_cast<UChar32>(ch.code_point))) return true;
    pos += ch.length;
  }
  return false;
}

std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(c == '\n' || c == '\t' ? ' ' : c);
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

// True for a token that counts as a word of context: one with a letter or
// digit, except the digits after a separator inside a number ("4,515" is
// one word).
bool CountsAsWord(std::string_view text, const std::vector<text::Token>& tokens, std::size_t t) {
  if (!IsWordToken(text, tokens[t])) return false;
  if (t < 2 || tokens[t - 1].end - tokens[t - 1].begin != 1) return true;
  const char separator = text[tokens[t - 1].begin];
  const bool digits_before = IsWordToken(text, tokens[t - 2]) &&
                             text[tokens[t - 2].end - 1] >= '0' &&
                             text[tokens[t - 2].end - 1] <= '9';
  return !((separator == ',' || separator == '.') && digits_before);
}

// Up to kContextWords words either side of figure `f`, the figure itself
// as "…"; a figure the cut would fall inside is kept whole.
std::string Context(std::string_view text, const FigureScan& scan, std::size_t f) {
  const auto& tokens = scan.tokens;
  auto figure_at = [&](std::size_t t) -> std::optional<std::size_t> {
    for (std::size_t k = 0; k < scan.token_spans.size(); ++k) {
      if (t >= scan.token_spans[k].first && t < scan.token_spans[k].second) return k;
    }
    return std::nullopt;
  };
  auto [first, past] = scan.token_spans[f];
  std::size_t begin = first, end = past;
  for (int words = 0; begin > 0 && words < kContextWords;) {
    --begin;
    if (CountsAsWord(text, tokens, begin)) ++words;
  }
  if (auto g = figure_at(begin)) begin = std::min(begin, scan.token_spans[*g].first);
  for (int words = 0; end < tokens.size() && words < kContextWords; ++end) {
    if (CountsAsWord(text, tokens, end)) ++words;
  }
  if (end > 0) {
    if (auto g = figure_at(end - 1)) end = std::max(end, scan.token_spans[*g].second);
  }
  const Figure& figure = scan.figures[f];
  const std::size_t from = std::min<std::size_t>(tokens[begin].begin, figure.begin);
  const std::size_t to =
      std::max<std::size_t>(tokens[std::min(end, tokens.size()) - 1].end, figure.end);
  const std::string before = OneLine(text.substr(from, figure.begin - from));
  const std::string after = OneLine(text.substr(figure.end, to - figure.end));
  std::string out = before;
  if (!before.empty() && text[figure.begin - 1] == ' ') out += ' ';
  out += "…";
  if (!after.empty() && text[figure.end] == ' ') out += ' ';
  return out + after;
}

struct Item {
  FigureField field;
  int index;  // 1-based; 0 for the headline.
};

// False when `text` cannot hold a figure: no ASCII digit and nothing but
// ASCII (digits of other scripts, full-width ones and kanji numerals are
// not ASCII). Most edited sentences are skipped without tokenising.
bool MayHoldFigures(std::string_view text) {
  for (char c : text) {
    if ((c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

class Collector {
 public:
  explicit Collector(std::string_view language) : language_(language) {}

  void Added(const std::string& text, Item item) {
    if (!MayHoldFigures(text)) return;
    const FigureScan scan = ScanFigures(text, language_);
    for (std::size_t f = 0; f < scan.figures.size(); ++f) {
      Push(FigureChange::Kind::kAdded, item, std::nullopt, scan.figures[f], Context(text, scan, f));
    }
  }

  void Removed(const std::string& text, Item item) {
    if (!MayHoldFigures(text)) return;
    const FigureScan scan = ScanFigures(text, language_);
    for (std::size_t f = 0; f < scan.figures.size(); ++f) {
      Push(FigureChange::Kind::kRemoved, item, scan.figures[f], std::nullopt,
           Context(text, scan, f));
    }
  }

  // An item edited from `a` to `b` (by `diff`, or computed here).
  void Edited(const std::string& a, const std::string& b, const v1::TextDiff* diff, Item item) {
    if (!MayHoldFigures(a) && !MayHoldFigures(b)) return;
    const FigureScan old_scan = ScanFigures(a, language_);
    const FigureScan new_scan = ScanFigures(b, language_);
    if (old_scan.figures.empty() && new_scan.figures.empty()) return;
    const v1::TextDiff computed = diff ? v1::TextDiff() : DiffText(a, b);
    const v1::TextDiff& ops = diff ? *diff : computed;
    // Shared stretches: base offset, new offset, length.
    struct Shared {
      std::size_t a, b, n;
    };
    std::vector<Shared> shared;
    std::size_t pa = 0, pb = 0;
    for (const auto& op : ops.ops()) {
      if (op.has_retain()) {
        shared.push_back({pa, pb, op.retain()});
        pa += op.retain();
        pb += op.retain();
      } else if (op.has_remove()) {
        pa += op.remove();
      } else {
        pb += op.insert().size();
      }
    }
    // Shared bytes before `pos` of the old (side 0) or new (side 1) text.
    auto shared_before = [&](std::size_t pos, int side) {
      std::size_t n = 0;
      for (const auto& s : shared) {
        const std::size_t start = side == 0 ? s.a : s.b;
        if (pos > start) n += std::min(pos - start, s.n);
      }
      return n;
    };
    // Where a wholly shared old figure lands in the new text.
    auto moved_to = [&](const Figure& f) -> std::optional<std::size_t> {
      for (const auto& s : shared) {
        if (f.begin >= s.a && f.end <= s.a + s.n) return s.b + (f.begin - s.a);
      }
      return std::nullopt;
    };
    std::vector<bool> new_kept(new_scan.figures.size(), false);
    std::vector<std::size_t> old_left;
    for (std::size_t i = 0; i < old_scan.figures.size(); ++i) {
      const Figure& f = old_scan.figures[i];
      bool kept = false;
      if (auto at = moved_to(f)) {
        for (std::size_t j = 0; j < new_scan.figures.size() && !kept; ++j) {
          const Figure& g = new_scan.figures[j];
          if (!new_kept[j] && g.begin == *at && g.text == f.text) kept = new_kept[j] = true;
        }
      }
      if (!kept) old_left.push_back(i);
    }
    std::vector<std::size_t> new_left;
    for (std::size_t j = 0; j < new_scan.figures.size(); ++j) {
      if (!new_kept[j]) new_left.push_back(j);
    }
    // Pair by the stretch of shared text each covers.
    std::size_t x = 0, y = 0;
    while (x < old_left.size() || y < new_left.size()) {
      const Figure* f = x < old_left.size() ? &old_scan.figures[old_left[x]] : nullptr;
      const Figure* g = y < new_left.size() ? &new_scan.figures[new_left[y]] : nullptr;
      const std::size_t f_lo = f ? shared_before(f->begin, 0) : 0;
      const std::size_t f_hi = f ? shared_before(f->end, 0) : 0;
      const std::size_t g_lo = g ? shared_before(g->begin, 1) : 0;
      const std::size_t g_hi = g ? shared_before(g->end, 1) : 0;
      if (f && g && f_lo <= g_hi && g_lo <= f_hi) {
        Push(FigureChange::Kind::kChanged, item, *f, *g, Context(b, new_scan, new_left[y]));
        ++x, ++y;
      } else if (f && (!g || f_hi < g_lo)) {
        Push(FigureChange::Kind::kRemoved, item, *f, std::nullopt,
             Context(a, old_scan, old_left[x]));
        ++x;
      } else {
        Push(FigureChange::Kind::kAdded, item, std::nullopt, *g, Context(b, new_scan, new_left[y]));
        ++y;
      }
    }
  }

  // Drops a removal and an addition of the same figure in the same words:
  // the item moved, the figure did not change.
  std::vector<FigureChange> Take() {
    std::vector<bool> dropped(changes_.size(), false);
    for (std::size_t i = 0; i < changes_.size(); ++i) {
      if (changes_[i].kind != FigureChange::Kind::kRemoved || dropped[i]) continue;
      for (std::size_t j = 0; j < changes_.size(); ++j) {
        const auto& c = changes_[j];
        if (!dropped[j] && c.kind == FigureChange::Kind::kAdded &&
            c.after->text == changes_[i].before->text && c.context == changes_[i].context) {
          dropped[i] = dropped[j] = true;
          break;
        }
      }
    }
    std::vector<FigureChange> out;
    for (std::size_t i = 0; i < changes_.size(); ++i) {
      if (!dropped[i]) out.push_back(std::move(changes_[i]));
    }
    return out;
  }

 private:
  void Push(FigureChange::Kind kind, Item item, std::optional<Figure> before,
            std::optional<Figure> after, std::string context) {
    FigureChange c;
    c.kind = kind;
    c.field = item.field;
    c.index = item.index;
    c.before = std::move(before);
    c.after = std::move(after);
    c.context = std::move(context);
    changes_.push_back(std::move(c));
  }

  std::string_view language_;
  std::vector<FigureChange> changes_;
};

// True when `a` and `b` share at least 40% of the longer one's bytes: an
// item the list diff replaced whole rather than edited (a short paragraph
// reworded) is still the same item, and its figures are compared.
bool SameItem(const std::string& a, const std::string& b, v1::TextDiff* diff) {
  *diff = DiffText(a, b);
  std::size_t shared = 0;
  for (const auto& op : diff->ops()) shared += op.has_retain() ? op.retain() : 0;
  return shared * 5 >= std::max(a.size(), b.size()) * 2;
}

// Items removed and inserted between two retained runs: pairs that are the
// same item edited, the rest removed or added.
void CompareReplaced(const google::protobuf::RepeatedPtrField<std::string>& a, int a_begin,
                     int a_end, const google::protobuf::RepeatedPtrField<std::string>& b,
                     int b_begin, int b_end, FigureField field, Collector& out) {
  int i = a_begin, j = b_begin;
  v1::TextDiff diff;
  while (i < a_end && j < b_end) {
    if (SameItem(a[i], b[j], &diff)) {
      out.Edited(a[i], b[j], &diff, {field, j + 1});
      ++i, ++j;
    } else {
      out.Removed(a[i], {field, i + 1});
      ++i;
    }
  }
  for (; i < a_end; ++i) out.Removed(a[i], {field, i + 1});
  for (; j < b_end; ++j) out.Added(b[j], {field, j + 1});
}

void CompareLists(const google::protobuf::RepeatedPtrField<std::string>& a,
                  const google::protobuf::RepeatedPtrField<std::string>& b,
                  const v1::ListDiff& diff, FigureField field, Collector& out) {
  int i = 0, j = 0;          // Next item of a and of b.
  int run_i = 0, run_j = 0;  // Where the current run of removes and inserts began.
  auto flush = [&] {
    CompareReplaced(a, run_i, std::min(i, a.size()), b, run_j, std::min(j, b.size()), field, out);
  };
  for (const auto& op : diff.ops()) {
    switch (op.op_case()) {
      case v1::ListOp::kRemove: i += static_cast<int>(op.remove()); continue;
      case v1::ListOp::kInsert: ++j; continue;
      default: break;
    }
    flush();
    if (op.has_retain()) {
      i += static_cast<int>(op.retain());
      j += static_cast<int>(op.retain());
    } else if (op.has_modify()) {
      if (i < a.size() && j < b.size()) out.Edited(a[i], b[j], &op.modify(), {field, j + 1});
      ++i, ++j;
    }
    run_i = i, run_j = j;
  }
  flush();
}

}  // namespace

std::vector<FigureChange> FigureChanges(const v1::Article& base, const v1::Article& result) {
  const v1::ArticleDiff diff = DiffArticles(base, result);
  Collector out(result.language().empty() ? base.language() : result.language());
  if (diff.has_headline()) {
    out.Edited(base.headline(), result.headline(), &diff.headline(), {FigureField::kHeadline, 0});
  }
  if (diff.has_key_points()) {
    CompareLists(base.key_points(), result.key_points(), diff.key_points(), FigureField::kKeyPoint,
                 out);
  }
  if (diff.has_body()) {
    CompareLists(base.body(), result.body(), diff.body(), FigureField::kParagraph, out);
  }
  return out.Take();
}

std::string FigureWhere(const FigureChange& change) {
  switch (change.field) {
    case FigureField::kHeadline: return "headline";
    case FigureField::kKeyPoint: return "key point " + std::to_string(change.index);
    case FigureField::kParagraph: return "paragraph " + std::to_string(change.index);
  }
  return "";
}

const char* FigureKindName(FigureChange::Kind kind) {
  switch (kind) {
    case FigureChange::Kind::kAdded: return "added";
    case FigureChange::Kind::kRemoved: return "removed";
    case FigureChange::Kind::kChanged: return "changed";
  }
  return "";
}

std::string FigureChangeLine(const FigureChange& change) {
  std::string out;
  switch (change.kind) {
    case FigureChange::Kind::kAdded: out = "+ " + change.after->text; break;
    case FigureChange::Kind::kRemoved: out = "- " + change.before->text; break;
    case FigureChange::Kind::kChanged:
      out = change.before->text + " → " + change.after->text;
      break;
  }
  return out + " (" + FigureWhere(change) + ": \"" + change.context + "\")";
}

}  // namespace newswire::core
