"""Diffs computed on the client: what changed between any two versions, and
when each key point and paragraph took its current text ("blame").

The wire's structured diffs come from the daemon; these are for comparing
versions that were not consecutive, and for rendering. They follow the same
rules (docs/wire-protocol.md, "The structured diff"), so
``rebuild.apply_diff(a_bytes, diff_articles(a, b).SerializeToString())``
gives ``b``'s bytes, but the ops are found with Python's difflib rather than
the daemon's Myers alignment: the same edit may be expressed differently.

Text is cut into tokens (words, numbers, whitespace runs, punctuation, each
CJK character) that never split a combining accent, an emoji modifier, a ZWJ
sequence or a flag from its character.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from google.protobuf.descriptor import FieldDescriptor

from ._pb import article_pb2, diff_pb2
from .rebuild import NOT_REPLACEABLE

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]+|\d+|\s+|.", re.S)
_ZWJ = "\u200d"


def _extends(ch: str) -> bool:
    """Characters that belong to the character before them."""
    code = ord(ch)
    return (unicodedata.combining(ch) > 0 or unicodedata.category(ch) in ("Mn", "Me", "Mc") or
            ch == _ZWJ or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or
            0xE0020 <= code <= 0xE007F)


def _is_regional(token: str) -> bool:
    return len(token) == 1 and 0x1F1E6 <= ord(token) <= 0x1F1FF


def tokens(text: str) -> list[str]:
    """Word-level tokens of ``text`` whose concatenation is ``text``."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        glue = out and (_extends(token[0]) or out[-1].endswith(_ZWJ) or
                        (_is_regional(token) and _is_regional(out[-1][-1:]) and
                         len(out[-1]) % 2 == 1 and all(map(_is_regional, out[-1]))))
        if glue:
            out[-1] += token
        else:
            out.append(token)
    return out


def diff_text(a: str, b: str) -> diff_pb2.TextDiff:
    """The TextDiff turning ``a`` into ``b`` (counts in UTF-8 bytes)."""
    ta, tb = tokens(a), tokens(b)
    diff = diff_pb2.TextDiff(base_len=len(a.encode()), result_len=len(b.encode()))

    def add(kind: str, value: int | str) -> None:
        last = diff.ops[-1] if diff.ops else None
        if last is not None and last.WhichOneof("op") == kind:
            setattr(last, kind, getattr(last, kind) + value)
        elif value:
            diff.ops.add(**{kind: value})

    def size(items: Sequence[str]) -> int:
        return sum(len(t.encode()) for t in items)

    matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("retain", size(ta[i1:i2]))
            continue
        add("remove", size(ta[i1:i2]))
        add("insert", "".join(tb[j1:j2]))
    return diff


def _smaller_as_modify(a: str, b: str) -> diff_pb2.TextDiff | None:
    if not a or not b:
        return None
    edit = diff_text(a, b)
    return edit if edit.ByteSize() < len(b.encode()) else None


def diff_list(a: Sequence[str], b: Sequence[str]) -> diff_pb2.ListDiff:
    """The ListDiff turning items ``a`` into ``b``: unchanged items retained,
    edited ones sent as text diffs when that is smaller."""
    diff = diff_pb2.ListDiff(base_count=len(a), result_count=len(b))

    def count(kind: str, n: int) -> None:
        last = diff.ops[-1] if diff.ops else None
        if last is not None and last.WhichOneof("op") == kind:
            setattr(last, kind, getattr(last, kind) + n)
        elif n:
            diff.ops.add(**{kind: n})

    matcher = difflib.SequenceMatcher(None, list(a), list(b), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            count("retain", i2 - i1)
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            edit = _smaller_as_modify(a[i1 + k], b[j1 + k])
            if edit is not None:
                diff.ops.add().modify.CopyFrom(edit)
            else:
                count("remove", 1)
                diff.ops.add(insert=b[j1 + k])
        count("remove", (i2 - i1) - paired)
        for item in b[j1 + paired:j2]:
            diff.ops.add(insert=item)
    return diff


def _instrument_key(instrument: article_pb2.Instrument) -> tuple[bytes, bytes]:
    return instrument.exchange.encode(), instrument.symbol.encode()


def _same(a: article_pb2.Article, b: article_pb2.Article, field: FieldDescriptor) -> bool:
    name = field.name
    if field.label == field.LABEL_REPEATED:
        return list(getattr(a, name)) == list(getattr(b, name))
    if field.message_type is not None:  # Presence counts: an epoch timestamp is not unset.
        return a.HasField(name) == b.HasField(name) and getattr(a, name) == getattr(b, name)
    return bool(getattr(a, name) == getattr(b, name))


def diff_articles(a: article_pb2.Article, b: article_pb2.Article) -> diff_pb2.ArticleDiff:
    """The ArticleDiff turning normalised article ``a`` into ``b``."""
    d = diff_pb2.ArticleDiff()
    for field in article_pb2.Article.DESCRIPTOR.fields:
        if field.number in NOT_REPLACEABLE or _same(a, b, field):
            continue
        d.replaced_fields.append(field.number)
        if field.label == field.LABEL_REPEATED:
            getattr(d.replaced, field.name).extend(getattr(b, field.name))
        elif field.message_type is not None:
            if b.HasField(field.name):
                getattr(d.replaced, field.name).CopyFrom(getattr(b, field.name))
        else:
            setattr(d.replaced, field.name, getattr(b, field.name))
    if not d.replaced_fields:
        d.ClearField("replaced")
    if a.headline != b.headline:
        d.headline.CopyFrom(diff_text(a.headline, b.headline))
    if a.ednote != b.ednote:
        d.ednote.CopyFrom(diff_text(a.ednote, b.ednote))
    if list(a.key_points) != list(b.key_points):
        d.key_points.CopyFrom(diff_list(a.key_points, b.key_points))
    if list(a.body) != list(b.body):
        d.body.CopyFrom(diff_list(a.body, b.body))
    a_in = {_instrument_key(i): i for i in a.instruments}
    b_in = {_instrument_key(i): i for i in b.instruments}
    d.instruments_removed.extend(a_in[k] for k in sorted(a_in.keys() - b_in.keys()))
    d.instruments_added.extend(b_in[k] for k in sorted(b_in.keys() - a_in.keys()))
    a_topics, b_topics = set(a.topics), set(b.topics)
    d.topics_removed.extend(sorted(a_topics - b_topics, key=str.encode))
    d.topics_added.extend(sorted(b_topics - a_topics, key=str.encode))
    return d


@dataclass(frozen=True)
class BlameLine:
    """One key point or paragraph of the latest version, and since when it reads so."""

    kind: str  # "key point" or "paragraph"
    index: int  # 1-based position in the latest version.
    text: str
    since_version: int
    since_wire_time_ns: int


def _carried(a: Sequence[str], b: Sequence[str]) -> list[int]:
    """For each item of ``b``, the index of the same unchanged item in ``a``, or -1."""
    origin = [-1] * len(b)
    for block in difflib.SequenceMatcher(None, list(a), list(b),
                                         autojunk=False).get_matching_blocks():
        for k in range(block.size):
            origin[block.b + k] = block.a + k
    return origin


def blame_list(versions: Sequence[Sequence[str]]) -> list[int]:
    """For each item of the last list, the index into ``versions`` at which
    its text appeared and stayed unchanged since."""
    last = len(versions) - 1
    since = [last] * len(versions[-1])
    index = list(range(len(versions[-1])))  # Position in version k; -1 once settled.
    for k in range(last, 0, -1):
        origin = _carried(versions[k - 1], versions[k])
        for item, position in enumerate(index):
            if position < 0:
                continue
            index[item] = origin[position]
            if index[item] >= 0:
                since[item] = k - 1
    return since
