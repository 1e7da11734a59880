"""The structured diff's alignment, as the daemon computes it (core/src/diff.cc
and sequence_align.h), for figure changes: which items of two versions are
the same item edited, and which stretches of an edited item both share.

Figure changes must come out the same in every client, so this follows the
daemon step by step: bounded Myers alignment (greedy forward form, windows
of at most 512 edits, a work budget) of words, then of list items; a run of
changed items is paired as modify ops where the text diff encodes smaller
than the new item. Lengths that decide an encoding's size are UTF-8 bytes;
positions are ``str`` indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from . import _tokens

TEXT_WORK_BUDGET = 1 << 18  # One DiffText call.
ARTICLE_WORK_BUDGET = 1 << 19  # One DiffArticles call (headline, ednote, key points, body).
MAX_WINDOW_COST = 512  # Edits explored per Myers window.


class WorkBudget:
    def __init__(self, units: int) -> None:
        self.left = units

    def exhausted(self) -> bool:
        return self.left == 0

    def grant(self, units: int) -> None:
        self.left += units

    def spend(self, units: int) -> None:
        self.left = 0 if units >= self.left else self.left - units


# (a, b, length): a[a:a + length] equals b[b:b + length].
Run = list[int]


def _add_run(runs: list[Run], a: int, b: int, length: int) -> None:
    if length == 0:
        return
    if runs:
        last = runs[-1]
        if last[0] + last[2] == a and last[1] + last[2] == b:
            last[2] += length
            return
    runs.append([a, b, length])


def _index(d: int, k: int) -> int:
    return d * (d + 1) // 2 + (k + d) // 2


def _align_window(x0: int, y0: int, n: int, m: int, eq: Callable[[int, int], bool],
                  budget: WorkBudget, runs: list[Run]) -> tuple[int, int]:
    """One window of greedy Myers over a[x0:x0 + n] and b[y0:y0 + m]: appends
    the matches on the chosen path, returns the point reached (relative)."""
    v: list[int] = []

    def step(d: int, k: int) -> tuple[int, int]:
        best = (-1, 0)
        if k > -d:  # Delete a[x]: right from diagonal k - 1.
            px = v[_index(d - 1, k - 1)]
            if 0 <= px < n:
                best = (px + 1, k - 1)
        if k < d:  # Insert b[y]: down from diagonal k + 1.
            px = v[_index(d - 1, k + 1)]
            if px >= 0 and px - (k + 1) < m and px > best[0]:
                best = (px, k + 1)
        return best

    def snake(x: int, y: int) -> int:
        start = x
        while x < n and y < m and eq(x0 + x, y0 + y):
            x += 1
            y += 1
        budget.spend(x - start + 1)
        return x

    def backtrack(d: int, k: int) -> None:
        reversed_runs: list[Run] = []
        x = v[_index(d, k)]
        while d > 0:
            sx, prev_k = step(d, k)
            if x > sx:
                reversed_runs.append([x0 + sx, y0 + sx - k, x - sx])
            x = v[_index(d - 1, prev_k)]
            k = prev_k
            d -= 1
        if x > 0:
            reversed_runs.append([x0, y0, x])
        for a, b, length in reversed(reversed_runs):
            _add_run(runs, a, b, length)

    dmax = min(MAX_WINDOW_COST, n + m)
    v.append(snake(0, 0))
    if v[0] == n and v[0] == m:
        backtrack(0, 0)
        return n, m
    complete = 0
    d = 1
    while d <= dmax and not budget.exhausted():
        v.extend([-1] * (_index(d + 1, -(d + 1)) - len(v)))
        stopped = False
        for k in range(-d, d + 1, 2):
            sx, _ = step(d, k)
            if sx < 0:
                continue
            x = snake(sx, sx - k)
            v[_index(d, k)] = x
            if x == n and x - k == m:
                backtrack(d, k)
                return n, m
            if budget.exhausted():
                stopped = True
                break
        if stopped:
            break
        complete = d
        d += 1
    best_k, best_sum = 0, -1
    for k in range(-complete, complete + 1, 2):
        x = v[_index(complete, k)]
        if x >= 0 and 2 * x - k > best_sum:
            best_sum, best_k = 2 * x - k, k
    backtrack(complete, best_k)
    x = v[_index(complete, best_k)]
    return x, x - best_k


def align(n: int, m: int, eq: Callable[[int, int], bool], budget: WorkBudget) -> list[Run]:
    """The matched runs of an alignment of a[0:n] and b[0:m], in order."""
    runs: list[Run] = []
    suffix = 0
    while suffix < n and suffix < m and eq(n - 1 - suffix, m - 1 - suffix):
        suffix += 1
    budget.spend(suffix)
    n_end, m_end = n - suffix, m - suffix
    x = y = 0
    while x < n_end and y < m_end and not budget.exhausted():
        dx, dy = _align_window(x, y, n_end - x, m_end - y, eq, budget, runs)
        if dx == 0 and dy == 0:
            break
        x += dx
        y += dy
    _add_run(runs, n_end, m_end, suffix)
    return runs


# ---- sizes (bytes of the encoded diff, to choose the smaller encoding) --------------

def _varint_size(v: int) -> int:
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def _field_size(n: int) -> int:
    return 1 + _varint_size(n) + n


def _count_op_size(n: int) -> int:
    return _field_size(1 + _varint_size(n))


def _insert_op_size(n: int) -> int:
    return _field_size(_field_size(n))


class Text:
    """A text and its UTF-8 byte offsets (sizes are counted in bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offsets: list[int] | None = None

    def __len__(self) -> int:
        return len(self.text)

    def byte(self, pos: int) -> int:
        if self.text.isascii():
            return pos
        if self._offsets is None:
            offsets = [0]
            for c in self.text:
                offsets.append(offsets[-1] + len(c.encode()))
            self._offsets = offsets
        return self._offsets[pos]


@dataclass
class Hunk:
    """a[a_begin:a_end] becomes b[b_begin:b_end] (``str`` indices)."""

    a_begin: int
    a_end: int
    b_begin: int
    b_end: int


def _hunk_size(a: Text, b: Text, h: Hunk) -> int:
    size = 0
    if h.a_end > h.a_begin:
        size += _count_op_size(a.byte(h.a_end) - a.byte(h.a_begin))
    if h.b_end > h.b_begin:
        size += _insert_op_size(b.byte(h.b_end) - b.byte(h.b_begin))
    return size


def _token_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    p = 0
    while p < limit and a[p] == b[p]:
        p += 1
    while p > 0 and not (_tokens.is_anchor(a, p) and _tokens.is_anchor(b, p)):
        p -= 1
    return p


def _token_suffix(a: str, b: str, prefix: int) -> int:
    limit = min(len(a), len(b)) - prefix
    s = 0
    while s < limit and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    ea, eb = len(a) - s, len(b) - s
    while ea < len(a) and not (_tokens.is_anchor(a, ea) and _tokens.is_anchor(b, eb)):
        ea += 1
        eb += 1
    return len(a) - ea


def _align_tokens(a: str, b: str, begin: int, a_end: int, b_end: int,
                  budget: WorkBudget) -> list[Hunk]:
    """Changed spans of a[begin:a_end] against b[begin:b_end], word by word."""
    sa = _tokens.tokenize(a, begin, a_end)  # Spans, and their text below.
    sb = _tokens.tokenize(b, begin, b_end)
    ta = [a[x:y] for x, y in sa]
    tb = [b[x:y] for x, y in sb]
    budget.grant(len(ta) + len(tb))
    lead = 0
    while lead < len(ta) and lead < len(tb) and ta[lead] == tb[lead]:
        lead += 1
    trail = 0
    while (trail < len(ta) - lead and trail < len(tb) - lead and
           ta[len(ta) - 1 - trail] == tb[len(tb) - 1 - trail]):
        trail += 1
    if trail > 0:
        a_end, b_end = sa[len(sa) - trail][0], sb[len(sb) - trail][0]
        del ta[len(ta) - trail:], tb[len(tb) - trail:], sa[len(sa) - trail:], sb[len(sb) - trail:]
    del ta[:lead], tb[:lead], sa[:lead], sb[:lead]
    # A token on one side only can match nothing: leaving it out finds as
    # long a common subsequence, and Myers' quadratic part shrinks.
    in_b = set(tb)
    ka = [i for i, t in enumerate(ta) if t in in_b]
    in_a = {ta[i] for i in ka}
    kb = [j for j, t in enumerate(tb) if t in in_a]
    reduced = align(len(ka), len(kb), lambda i, j: ta[ka[i]] == tb[kb[j]], budget)
    runs: list[Run] = []
    for ra, rb, length in reduced:
        for k in range(length):
            _add_run(runs, ka[ra + k], kb[rb + k], 1)

    def a_at(i: int) -> int:
        return sa[i][0] if i < len(sa) else a_end

    def b_at(j: int) -> int:
        return sb[j][0] if j < len(sb) else b_end

    hunks: list[Hunk] = []
    i = j = 0
    for ra, rb, length in runs:
        if ra > i or rb > j:
            hunks.append(Hunk(a_at(i), a_at(ra), b_at(j), b_at(rb)))
        i, j = ra + length, rb + length
    if i < len(sa) or j < len(sb):
        hunks.append(Hunk(a_at(i), a_end, b_at(j), b_end))
    return hunks


def text_hunks(a: Text, b: Text, budget: WorkBudget) -> list[Hunk]:
    """The changed spans turning ``a`` into ``b``, each folded with the next
    when one replace encodes smaller than two. Empty when a == b."""
    if a.text == b.text:
        return []
    prefix = _token_prefix(a.text, b.text)
    suffix = _token_suffix(a.text, b.text, prefix)
    a_end, b_end = len(a) - suffix, len(b) - suffix
    if prefix < a_end and prefix < b_end and not budget.exhausted():
        hunks = _align_tokens(a.text, b.text, prefix, a_end, b_end, budget)
    else:
        hunks = [Hunk(prefix, a_end, prefix, b_end)]
    merged: list[Hunk] = []
    for h in hunks:
        if merged:
            last = merged[-1]
            joined = Hunk(last.a_begin, h.a_end, last.b_begin, h.b_end)
            between = a.byte(h.a_begin) - a.byte(last.a_end)
            if (_hunk_size(a, b, joined) <=
                    _count_op_size(between) + _hunk_size(a, b, last) + _hunk_size(a, b, h)):
                merged[-1] = joined
                continue
        merged.append(h)
    return merged


def _text_diff_size(a: Text, b: Text, hunks: list[Hunk]) -> int:
    def scalar(n: int) -> int:
        return 0 if n == 0 else 1 + _varint_size(n)

    a_size = a.byte(len(a))
    size = scalar(a_size) + scalar(b.byte(len(b)))
    pos = 0
    for h in hunks:
        if h.a_begin > pos:
            size += _count_op_size(a.byte(h.a_begin) - a.byte(pos))
        size += _hunk_size(a, b, h)
        pos = h.a_end
    if a_size > a.byte(pos):
        size += _count_op_size(a_size - a.byte(pos))
    return size


def shared_stretches(a_len: int, hunks: list[Hunk]) -> list[tuple[int, int, int]]:
    """What a TextDiff's retain ops keep: (position in a, position in b, length)."""
    out = []
    pa = pb = 0
    for h in hunks:
        if h.a_begin > pa:
            out.append((pa, pb, h.a_begin - pa))
        pa, pb = h.a_end, h.b_end
    if a_len > pa:
        out.append((pa, pb, a_len - pa))
    return out


def shared_bytes(a: Text, hunks: list[Hunk]) -> int:
    """Bytes of ``a`` its retain ops keep."""
    return sum(a.byte(x + n) - a.byte(x) for x, _, n in shared_stretches(len(a), hunks))


def _smaller_as_modify(a: str, b: str, budget: WorkBudget) -> list[Hunk] | None:
    """The hunks from ``a`` to ``b`` when a modify op encodes smaller than
    sending ``b`` whole; None otherwise."""
    if not a or not b:
        return None
    ta, tb = Text(a), Text(b)
    hunks = text_hunks(ta, tb, budget)
    modify = _field_size(_field_size(_text_diff_size(ta, tb, hunks)))
    if modify >= _insert_op_size(tb.byte(len(tb))):
        return None
    return hunks


# A list op: ("retain", n), ("remove", n), ("insert", item) or ("modify", hunks).
ListOp = tuple[str, object]


def _emit_changed_run(out: list[ListOp], a: Sequence[str], a_begin: int, a_end: int,
                      b: Sequence[str], b_begin: int, b_end: int, budget: WorkBudget) -> None:
    i, j = a_begin, b_begin
    while i < a_end and j < b_end:
        if (edit := _smaller_as_modify(a[i], b[j], budget)) is not None:
            out.append(("modify", edit))
            i, j = i + 1, j + 1
        elif j + 1 < b_end and (edit := _smaller_as_modify(a[i], b[j + 1], budget)) is not None:
            out += [("insert", b[j]), ("modify", edit)]
            i, j = i + 1, j + 2
        elif i + 1 < a_end and (edit := _smaller_as_modify(a[i + 1], b[j], budget)) is not None:
            out += [("remove", 1), ("modify", edit)]
            i, j = i + 2, j + 1
        else:
            out += [("remove", 1), ("insert", b[j])]
            i, j = i + 1, j + 1
    if a_end > i:
        out.append(("remove", a_end - i))
    out += [("insert", b[k]) for k in range(j, b_end)]


def diff_list(a: Sequence[str], b: Sequence[str], budget: WorkBudget) -> list[ListOp]:
    """The list diff's ops (unmerged: callers only walk them)."""
    out: list[ListOp] = []
    prefix = 0
    while prefix < len(a) and prefix < len(b) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < len(a) - prefix and suffix < len(b) - prefix and
           a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]):
        suffix += 1
    if prefix:
        out.append(("retain", prefix))
    a_end, b_end = len(a) - suffix, len(b) - suffix
    runs = align(a_end - prefix, b_end - prefix, lambda i, j: a[prefix + i] == b[prefix + j],
                 budget)
    a_pos = b_pos = prefix
    for ra, rb, length in runs:
        ai, bi = prefix + ra, prefix + rb
        _emit_changed_run(out, a, a_pos, ai, b, b_pos, bi, budget)
        if length:
            out.append(("retain", length))
        a_pos, b_pos = ai + length, bi + length
    _emit_changed_run(out, a, a_pos, a_end, b, b_pos, b_end, budget)
    if suffix:
        out.append(("retain", suffix))
    return out
