"""Words as the daemon's word diff cuts text (core/src/text_tokens.h).

Tokens are the words of UAX #29 as ICU's word break iterator finds them,
with its dictionaries for scripts written without spaces (Thai, Lao, Khmer,
Myanmar, Chinese, Japanese), refined three ways: a number's separators are
tokens of their own ("4,515" is 4 , 515); a dictionary script's letters
never join digits or other scripts' letters (ICU glues "ขึ้น3.2" together;
here it is ขึ้น 3 . 2); a token never ends inside a grapheme cluster. White
space runs and punctuation are tokens too. docs/wire-protocol.md, "Figure
changes", states the recipe.

Positions are ``str`` indices (code points). Needs PyICU (Debian:
python3-icu), the same ICU the daemon links.
"""

from __future__ import annotations

import threading

try:
    import icu
except ImportError:  # Only figure changes need it; the rest of the package does not.
    icu = None


def require_icu() -> None:
    if icu is None:
        raise ImportError("figure changes need PyICU (Debian: apt-get install python3-icu; "
                          "pip: the newswire[figures] extra)")


if icu is not None:
    _P = icu.UProperty
    _char = icu.Char

    def _value(prop: int, name: str) -> int:
        return _char.getPropertyValueEnum(prop, name)

    WB = {name: _value(_P.WORD_BREAK, name) for name in (
        "Extend", "Format", "ZWJ", "MidNum", "MidNumLet", "Single_Quote", "Numeric",
        "WSegSpace")}
    GCB = {name: _value(_P.GRAPHEME_CLUSTER_BREAK, name) for name in (
        "Other", "Control", "LF", "Extend", "ZWJ", "SpacingMark")}
    LB_COMPLEX_CONTEXT = _value(_P.LINE_BREAK, "SA")


def word_break(c: int) -> int:
    return _char.getIntPropertyValue(c, _P.WORD_BREAK)


def cluster_break(c: int) -> int:
    return _char.getIntPropertyValue(c, _P.GRAPHEME_CLUSTER_BREAK)


def needs_dictionary(c: int) -> bool:
    """Letters of a script ICU segments with a dictionary (Line_Break SA)."""
    return _char.getIntPropertyValue(c, _P.LINE_BREAK) == LB_COMPLEX_CONTEXT


class _Iterators(threading.local):
    """One word and one character iterator per thread (ICU's are not shareable)."""

    def __init__(self) -> None:
        require_icu()
        root = icu.Locale.getRoot()
        self.words = icu.BreakIterator.createWordInstance(root)
        self.characters = icu.BreakIterator.createCharacterInstance(root)


_iterators: _Iterators | None = None


def _get_iterators() -> _Iterators:
    global _iterators
    if _iterators is None:
        _iterators = _Iterators()
    return _iterators


def _boundaries(iterator: object, text: str) -> list[int]:
    """The iterator's boundaries after 0 on ``text``, as ``str`` indices (ICU
    counts UTF-16 units: a character past U+FFFF is two)."""
    iterator.setText(text)  # type: ignore[attr-defined]
    found = list(iterator)  # type: ignore[call-overload]
    if all(ord(c) < 0x10000 for c in text):
        return found
    to_str = []
    for i, c in enumerate(text):
        to_str.append(i)
        if ord(c) > 0xFFFF:
            to_str.append(i)  # Inside a surrogate pair: never a boundary.
    to_str.append(len(text))
    return [to_str[b] for b in found]


ANCHOR_BEFORE = frozenset(" \t\n、。")


def is_anchor(text: str, pos: int) -> bool:
    """A token boundary at ``pos`` that depends on no text beyond the two
    characters around it: 0, the end, and a position after a space, tab,
    newline, 、 or 。 where a new grapheme cluster and word begin. Tokens of
    text[x:y] between two anchors are the whole text's tokens there."""
    if pos == 0 or pos >= len(text):
        return True
    before = text[pos - 1]
    if before not in ANCHOR_BEFORE:
        return False
    at = ord(text[pos])
    if at < 0x80:
        return not (before == " " and at == 0x20)
    wb, gcb = word_break(at), cluster_break(at)
    return (wb not in (WB["Extend"], WB["Format"], WB["ZWJ"]) and
            not (before == " " and wb == WB["WSegSpace"]) and
            gcb not in (GCB["Extend"], GCB["ZWJ"], GCB["SpacingMark"]))


class _Cutter:
    """Ends tokens at positions of a chunk unless that would split a
    grapheme cluster."""

    def __init__(self, chunk: str, offset: int, out: list[tuple[int, int]]) -> None:
        self.chunk, self.offset, self.out = chunk, offset, out
        self.token = 0
        self._clusters: set[int] | None = None

    def cut(self, pos: int) -> None:
        if pos <= self.token or not self._is_cluster_boundary(pos):
            return
        self.out.append((self.offset + self.token, self.offset + pos))
        self.token = pos

    def _is_cluster_boundary(self, pos: int) -> bool:
        chunk = self.chunk
        if pos >= len(chunk):
            return True
        x, y = ord(chunk[pos - 1]), ord(chunk[pos])
        if x < 0x80 and y < 0x80:
            return not (x == 0x0D and y == 0x0A)
        after, before = cluster_break(y), cluster_break(x)
        if (after not in (GCB["Extend"], GCB["ZWJ"], GCB["SpacingMark"]) and
                before in (GCB["Other"], GCB["Control"], GCB["LF"])):
            return True
        if self._clusters is None:
            self._clusters = set(_boundaries(_get_iterators().characters, chunk))
        return pos in self._clusters


def _refine_word(chunk: str, begin: int, end: int, cutter: _Cutter) -> None:
    """Cuts inside one of ICU's words: around a separator between digits,
    and where a dictionary script's letters meet anything else."""
    if not any(c >= "\x80" or "0" <= c <= "9" for c in chunk[begin:end]):
        return
    bases: list[tuple[int, int, bool]] = []  # (position, Word_Break, dictionary letter)
    for pos in range(begin, end):
        c = ord(chunk[pos])
        wb = word_break(c)
        if not bases or wb not in (WB["Extend"], WB["Format"], WB["ZWJ"]):
            bases.append((pos, wb, needs_dictionary(c)))
    separators = (WB["MidNum"], WB["MidNumLet"], WB["Single_Quote"])
    numeric = WB["Numeric"]
    for k in range(1, len(bases)):
        separator = (k + 1 < len(bases) and bases[k][1] in separators and
                     bases[k - 1][1] == numeric and bases[k + 1][1] == numeric)
        after_separator = (k >= 2 and bases[k - 1][1] in separators and
                           bases[k - 2][1] == numeric and bases[k][1] == numeric)
        if separator or after_separator or bases[k][2] != bases[k - 1][2]:
            cutter.cut(bases[k][0])


def tokenize(text: str, begin: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The tokens of text[begin:end] as (begin, end) indices into ``text``;
    ``begin`` and ``end`` must be anchors (see :func:`is_anchor`)."""
    require_icu()
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    if begin >= end:
        return out
    chunk = text[begin:end]
    cutter = _Cutter(chunk, begin, out)
    word = 0
    for boundary in _boundaries(_get_iterators().words, chunk):
        _refine_word(chunk, word, boundary, cutter)
        cutter.cut(boundary)
        word = boundary
    cutter.cut(len(chunk))
    return out
