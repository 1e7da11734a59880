"""Figure changes: which numbers a revision added, removed or changed.

A desk's algorithm trades on numbers ("shares rose 3.2%" corrected to
"3.4%", a deal revised from 180 to 210 billion yen), so every revision
after version 1 can be read as a list of figure changes without parsing
text. They are not carried on the wire: each client computes them from the
version it held and the one it rebuilt, and every client gets the same
answer as the daemon's C++ library (``newswire tail --json``): the recipe
is in docs/wire-protocol.md, "Figure changes", and proto/testdata/
figures.json holds the vectors this module is tested against.

>>> from newswire.figures import find_figures
>>> [f.text for f in find_figures("Shares rose 3.2% to ¥4,515", "en")]
['3.2%', '¥4,515']

Needs PyICU (Debian: python3-icu) for the Unicode word segmentation the
daemon uses; everything else in the package works without it. Functions
are pure and thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from . import _align, _tokens
from ._figure_scan import Figure, FigureScan, scan_figures
from . import _figure_value
from ._pb import article_pb2

__all__ = ["Figure", "FigureChange", "figure_changes", "find_figures", "parse_figure_value"]

CONTEXT_WORDS = 3  # Words of context either side of a figure.

Change = Literal["added", "removed", "changed"]
Field = Literal["headline", "key_points", "body"]


@dataclass(frozen=True)
class FigureChange:
    """One figure a revision added, removed or changed.

    ``field`` is the Article field ("headline", "key_points", "body");
    ``index`` is 1-based (0 for the headline), in the new version except
    for a figure of an item removed whole (its index in the old one).
    ``before`` is None for an added figure, ``after`` for a removed one.
    ``context`` is a few words either side with the figure as "…", from the
    new version (the old one for a removal).
    """

    change: Change
    field: Field
    index: int
    before: Figure | None
    after: Figure | None
    context: str

    @property
    def where(self) -> str:
        """"headline", "key point 3" or "paragraph 3"."""
        if self.field == "headline":
            return "headline"
        return f"{'key point' if self.field == 'key_points' else 'paragraph'} {self.index}"

    def to_dict(self) -> dict[str, object]:
        """As ``newswire tail --json`` writes it (its ``figures`` list)."""
        out: dict[str, object] = {"change": self.change, "where": self.where,
                                  "field": self.field, "index": self.index,
                                  "context": self.context}
        if self.before is not None:
            out["before"] = self.before.to_dict()
        if self.after is not None:
            out["after"] = self.after.to_dict()
        return out

    def __str__(self) -> str:
        """One line, as ``newswire tail`` prints it:
        ``3.2% → 3.4% (paragraph 3: "Minato shares rose … to 4,515 yen")``."""
        if self.change == "added":
            what = f"+ {self.after.text}"  # type: ignore[union-attr]
        elif self.change == "removed":
            what = f"- {self.before.text}"  # type: ignore[union-attr]
        else:
            what = f"{self.before.text} → {self.after.text}"  # type: ignore[union-attr]
        return f'{what} ({self.where}: "{self.context}")'


def find_figures(text: str, language: str = "") -> list[Figure]:
    """The figures of ``text`` in order. ``language`` is the article's BCP 47
    tag: it decides whether a lone comma or full stop is the decimal mark."""
    _tokens.require_icu()
    return scan_figures(text, language).figures


def parse_figure_value(number: str, language: str = "") -> str | None:
    """The value of a number as written (digits of any script, full-width
    forms, group and decimal marks, kanji numerals and multipliers; no sign
    or unit) as an exact ASCII decimal: "4,515" -> "4515", "1.234,5" ->
    "1234.5", "１８００億" -> "180000000000". ``language`` decides whether a
    lone comma or full stop is the decimal mark. None when the marks are
    ambiguous or malformed ("1,23,4"), or past 18 significant digits."""
    _tokens.require_icu()
    return _figure_value.parse_figure_value(number, language)


# ---- context ----------------------------------------------------------------------

def _is_word_token(text: str, token: tuple[int, int]) -> bool:
    return any(_tokens.icu.Char.isalnum(ord(c)) for c in text[token[0]:token[1]])


def _counts_as_word(text: str, tokens: list[tuple[int, int]], t: int) -> bool:
    """A token with a letter or digit, except the digits after a separator
    inside a number ("4,515" is one word)."""
    if not _is_word_token(text, tokens[t]):
        return False
    separator = text[tokens[t - 1][0]:tokens[t - 1][1]] if t >= 2 else ""
    if len(separator) != 1 or not separator.isascii():  # One byte.
        return True
    before = text[tokens[t - 2][0]:tokens[t - 2][1]]
    digits_before = _is_word_token(text, tokens[t - 2]) and "0" <= before[-1] <= "9"
    return not (separator in ",." and digits_before)


def _one_line(s: str) -> str:
    return s.replace("\n", " ").replace("\t", " ").strip(" ")


def _context(text: str, scan: FigureScan, f: int) -> str:
    """Up to CONTEXT_WORDS words either side of figure ``f``, the figure as
    "…"; a figure the cut would fall inside is kept whole."""
    tokens, spans = scan.tokens, scan.token_spans

    def figure_at(t: int) -> int | None:
        return next((k for k, (a, b) in enumerate(spans) if a <= t < b), None)

    begin, end = spans[f]
    words = 0
    while begin > 0 and words < CONTEXT_WORDS:
        begin -= 1
        if _counts_as_word(text, tokens, begin):
            words += 1
    if (g := figure_at(begin)) is not None:
        begin = min(begin, spans[g][0])
    words = 0
    while end < len(tokens) and words < CONTEXT_WORDS:
        if _counts_as_word(text, tokens, end):
            words += 1
        end += 1
    if end > 0 and (g := figure_at(end - 1)) is not None:
        end = max(end, spans[g][1])
    figure = scan.figures[f]
    start = min(tokens[begin][0], figure.begin)
    stop = max(tokens[min(end, len(tokens)) - 1][1], figure.end)
    before = _one_line(text[start:figure.begin])
    after = _one_line(text[figure.end:stop])
    out = before
    if before and text[figure.begin - 1] == " ":
        out += " "
    out += "…"
    if after and text[figure.end] == " ":
        out += " "
    return out + after


# ---- changes ----------------------------------------------------------------------

def _may_hold_figures(text: str) -> bool:
    """False for text of ASCII only without a digit: most edited sentences
    are skipped without tokenising."""
    return not text.isascii() or any("0" <= c <= "9" for c in text)


class _Collector:
    def __init__(self, language: str) -> None:
        self.language = language
        self.changes: list[FigureChange] = []

    def push(self, change: Change, where: tuple[Field, int], before: Figure | None,
             after: Figure | None, context: str) -> None:
        self.changes.append(FigureChange(change, where[0], where[1], before, after, context))

    def added(self, text: str, where: tuple[Field, int]) -> None:
        if _may_hold_figures(text):
            scan = scan_figures(text, self.language)
            for f, figure in enumerate(scan.figures):
                self.push("added", where, None, figure, _context(text, scan, f))

    def removed(self, text: str, where: tuple[Field, int]) -> None:
        if _may_hold_figures(text):
            scan = scan_figures(text, self.language)
            for f, figure in enumerate(scan.figures):
                self.push("removed", where, figure, None, _context(text, scan, f))

    def edited(self, a: str, b: str, hunks: list[_align.Hunk], where: tuple[Field, int]) -> None:
        """An item edited from ``a`` to ``b`` by ``hunks``: a figure whose
        text both share and which still reads the same is unchanged; the
        others pair by the stretch of shared text they cover."""
        if not _may_hold_figures(a) and not _may_hold_figures(b):
            return
        old, new = scan_figures(a, self.language), scan_figures(b, self.language)
        if not old.figures and not new.figures:
            return
        shared = _align.shared_stretches(len(a), hunks)

        def shared_before(pos: int, side: int) -> int:
            n = 0
            for s in shared:
                if pos > s[side]:
                    n += min(pos - s[side], s[2])
            return n

        def moved_to(f: Figure) -> int | None:
            for sa, sb, n in shared:
                if f.begin >= sa and f.end <= sa + n:
                    return sb + f.begin - sa
            return None

        new_kept = [False] * len(new.figures)
        old_left = []
        for i, f in enumerate(old.figures):
            kept = False
            at = moved_to(f)
            if at is not None:
                for j, g in enumerate(new.figures):
                    if not new_kept[j] and g.begin == at and g.text == f.text:
                        kept = new_kept[j] = True
                        break
            if not kept:
                old_left.append(i)
        new_left = [j for j in range(len(new.figures)) if not new_kept[j]]
        x = y = 0
        while x < len(old_left) or y < len(new_left):
            f = old.figures[old_left[x]] if x < len(old_left) else None
            g = new.figures[new_left[y]] if y < len(new_left) else None
            f_lo = shared_before(f.begin, 0) if f else 0
            f_hi = shared_before(f.end, 0) if f else 0
            g_lo = shared_before(g.begin, 1) if g else 0
            g_hi = shared_before(g.end, 1) if g else 0
            if f and g and f_lo <= g_hi and g_lo <= f_hi:
                self.push("changed", where, f, g, _context(b, new, new_left[y]))
                x, y = x + 1, y + 1
            elif f and (not g or f_hi < g_lo):
                self.push("removed", where, f, None, _context(a, old, old_left[x]))
                x += 1
            else:
                self.push("added", where, None, g, _context(b, new, new_left[y]))
                y += 1

    def take(self) -> list[FigureChange]:
        """Drops a removal and an addition of the same figure in the same
        words: the item moved, the figure did not change."""
        changes = self.changes
        dropped = [False] * len(changes)
        for i, c in enumerate(changes):
            if c.change != "removed" or dropped[i]:
                continue
            for j, d in enumerate(changes):
                if (not dropped[j] and d.change == "added" and d.after.text == c.before.text
                        and d.context == c.context):  # type: ignore[union-attr]
                    dropped[i] = dropped[j] = True
                    break
        return [c for c, drop in zip(changes, dropped) if not drop]


def _same_item(a: str, b: str) -> list[_align.Hunk] | None:
    """The text diff from ``a`` to ``b`` when they share at least 40% of the
    longer one's bytes: an item the list diff replaced whole is still the
    same item edited."""
    ta, tb = _align.Text(a), _align.Text(b)
    hunks = _align.text_hunks(ta, tb, _align.WorkBudget(_align.TEXT_WORK_BUDGET))
    longest = max(ta.byte(len(ta)), tb.byte(len(tb)))
    return hunks if _align.shared_bytes(ta, hunks) * 5 >= longest * 2 else None


def _compare_replaced(a: Sequence[str], a_begin: int, a_end: int, b: Sequence[str],
                      b_begin: int, b_end: int, field: Field, out: _Collector) -> None:
    i, j = a_begin, b_begin
    while i < a_end and j < b_end:
        hunks = _same_item(a[i], b[j])
        if hunks is not None:
            out.edited(a[i], b[j], hunks, (field, j + 1))
            i, j = i + 1, j + 1
        else:
            out.removed(a[i], (field, i + 1))
            i += 1
    for k in range(i, a_end):
        out.removed(a[k], (field, k + 1))
    for k in range(j, b_end):
        out.added(b[k], (field, k + 1))


def _compare_lists(a: Sequence[str], b: Sequence[str], ops: list[_align.ListOp], field: Field,
                   out: _Collector) -> None:
    i = j = 0  # Next item of a and of b.
    run_i = run_j = 0  # Where the current run of removes and inserts began.

    def flush() -> None:
        _compare_replaced(a, run_i, min(i, len(a)), b, run_j, min(j, len(b)), field, out)

    for kind, arg in ops:
        if kind == "remove":
            i += arg  # type: ignore[operator]
            continue
        if kind == "insert":
            j += 1
            continue
        flush()
        if kind == "retain":
            i += arg  # type: ignore[operator]
            j += arg  # type: ignore[operator]
        else:  # modify
            if i < len(a) and j < len(b):
                out.edited(a[i], b[j], arg, (field, j + 1))  # type: ignore[arg-type]
            i, j = i + 1, j + 1
        run_i, run_j = i, j
    flush()


def figure_changes(base: article_pb2.Article,
                   result: article_pb2.Article) -> list[FigureChange]:
    """The figures added, removed or changed from ``base`` to ``result`` (two
    versions of one article): headline first, then key points, then
    paragraphs, in text order. Empty when only words changed. Items are
    aligned as the daemon's structured diff aligns them; a figure whose item
    merely moved is not a change."""
    _tokens.require_icu()
    out = _Collector(result.language or base.language)
    budget = _align.WorkBudget(_align.ARTICLE_WORK_BUDGET)  # One per article, as the diff's.
    if base.headline != result.headline:
        hunks = _align.text_hunks(_align.Text(base.headline), _align.Text(result.headline), budget)
        out.edited(base.headline, result.headline, hunks, ("headline", 0))
    if base.ednote != result.ednote:  # Holds no figures, but spends the diff's budget.
        _align.text_hunks(_align.Text(base.ednote), _align.Text(result.ednote), budget)
    fields: tuple[Field, Field] = ("key_points", "body")
    for field in fields:
        a, b = list(getattr(base, field)), list(getattr(result, field))
        if a != b:
            _compare_lists(a, b, _align.diff_list(a, b, budget), field, out)
    return out.take()
