"""Rebuilding and verifying articles from events; the hash recipes.

The rule that keeps every client verifying as the schema grows
(docs/wire-protocol.md, "Schema evolution"): a client verifies the bytes it
rebuilt, exactly as the daemon encoded them, and never parses an article and
encodes it again. So:

* a ``full`` payload's article bytes are taken out of the event as they are;
* a ``delta`` decodes to the bytes themselves;
* a structured ``diff`` is applied to the previous version's bytes field by
  field (:func:`apply_diff`): fields the diff does not touch, including any
  this client's schema does not know, keep their bytes and their place.

Only then is the result hashed, and parsed (if the application asks).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

import zstandard

from ._pb import diff_pb2
from .errors import DiffMismatch, NewswireError
from .wire import LEN, VARINT, embedded, embedded_all, fields, length_delimited

# Article field numbers the protocol's diff rules name.
VERSION, HEADLINE, KEY_POINTS, BODY, EDNOTE, INSTRUMENTS, TOPICS = 3, 7, 8, 9, 10, 14, 15
# Fields a diff edits rather than replaces: replaced_fields may not name them.
NOT_REPLACEABLE = frozenset({HEADLINE, KEY_POINTS, BODY, EDNOTE, INSTRUMENTS, TOPICS})
# The largest canonical article any daemon accepts; a delta claiming more is refused.
LARGEST_ARTICLE_BYTES = 64 << 20


# ---- hashes --------------------------------------------------------------------

def content_hash(canonical: bytes) -> bytes:
    """SHA-256 of an article's canonical bytes (32 raw bytes)."""
    return hashlib.sha256(canonical).digest()


def article_chain_hash(previous: bytes, content: bytes) -> bytes:
    """SHA-256(chain hash of version - 1 || content hash); version 1 chains from b""."""
    return hashlib.sha256(previous + content).digest()


def wire_chain_hash(previous: bytes, wire_seq: int, article_id: str, version: int,
                    content: bytes) -> bytes:
    """SHA-256(previous || seq (8 bytes BE) || article id || 0x00 || version (4 BE) || hash)."""
    return hashlib.sha256(previous + wire_seq.to_bytes(8, "big") + article_id.encode() + b"\0" +
                          version.to_bytes(4, "big") + content).digest()


# ---- text and list edits ----------------------------------------------------------

def _is_char_boundary(text: bytes, pos: int) -> bool:
    return pos >= len(text) or (text[pos] & 0xC0) != 0x80


def apply_text_diff(base: bytes, diff: diff_pb2.TextDiff) -> bytes:
    """Applies a TextDiff to UTF-8 ``base``; :class:`DiffMismatch` unless it fits exactly."""
    if diff.base_len != len(base):
        raise DiffMismatch(f"text diff expects {diff.base_len} bytes, base has {len(base)}")
    inserts = [op.insert.encode() if op.WhichOneof("op") == "insert" else b"" for op in diff.ops]
    if diff.result_len > len(base) + sum(map(len, inserts)):
        raise DiffMismatch("text diff result is longer than its ops can make")
    out = bytearray()
    pos = 0
    for op, insert in zip(diff.ops, inserts):
        kind = op.WhichOneof("op")
        if kind in ("retain", "remove"):
            n = op.retain if kind == "retain" else op.remove
            if n > len(base) - pos:
                raise DiffMismatch("text op runs past the end of the base")
            if not _is_char_boundary(base, pos + n):
                raise DiffMismatch("text op splits a UTF-8 character")
            if kind == "retain":
                out += base[pos:pos + n]
            pos += n
        elif kind == "insert":
            out += insert
        else:
            raise DiffMismatch("text op is empty")
        if len(out) > diff.result_len:
            raise DiffMismatch("text diff result is too long")
    if pos != len(base):
        raise DiffMismatch("text diff does not cover the whole base")
    if len(out) != diff.result_len:
        raise DiffMismatch("text diff result has the wrong length")
    return bytes(out)


def apply_list_diff(items: Sequence[bytes], diff: diff_pb2.ListDiff) -> list[bytes]:
    """Applies a ListDiff to a list of UTF-8 items; :class:`DiffMismatch` unless exact."""
    size = len(items)
    if diff.base_count != size:
        raise DiffMismatch(f"list diff expects {diff.base_count} items, base has {size}")
    out: list[bytes] = []
    pos = 0
    for op in diff.ops:
        kind = op.WhichOneof("op")
        if kind in ("retain", "remove"):
            n = op.retain if kind == "retain" else op.remove
            if n > size - pos:
                raise DiffMismatch(f"list {kind} past the end of the base")
            if kind == "retain":
                out += items[pos:pos + n]
            pos += n
        elif kind == "insert":
            out.append(op.insert.encode())
        elif kind == "modify":
            if pos >= size:
                raise DiffMismatch("list modify past the end of the base")
            out.append(apply_text_diff(items[pos], op.modify))
            pos += 1
        else:
            raise DiffMismatch("list op is empty")
    if pos != size:
        raise DiffMismatch("list diff does not cover the whole base")
    if len(out) != diff.result_count:
        raise DiffMismatch("list diff result has the wrong number of items")
    return out


# ---- sets (instruments, topics) ------------------------------------------------------

# A topic, or an instrument's (exchange, symbol).
_Key = TypeVar("_Key", bytes, tuple[bytes, bytes])

def _instrument_key(message: bytes) -> tuple[bytes, bytes]:
    """Instruments sort by (exchange, symbol), compared as bytes."""
    symbol = exchange = b""
    for f in fields(message):
        if f.number == 1 and f.wire_type == LEN:
            symbol = f.data
        elif f.number == 2 and f.wire_type == LEN:
            exchange = f.data
    return exchange, symbol


def _includes(base: list[_Key], removed: list[_Key]) -> bool:
    """std::includes on sorted lists: every removed item (with repeats) is in base."""
    i = 0
    for item in removed:
        while i < len(base) and base[i] < item:
            i += 1
        if i == len(base) or base[i] != item:
            return False
        i += 1
    return True


def _apply_set(base: list[tuple[_Key, bytes]], removed: list[tuple[_Key, bytes]],
               added: list[tuple[_Key, bytes]], what: str) -> list[bytes]:
    """Sorted-set edit over (key, record) pairs; returns the result's records."""
    base_keys = [k for k, _ in base]
    removed_keys = [k for k, _ in removed]
    added_keys = [k for k, _ in added]
    if (removed_keys != sorted(removed_keys) or added_keys != sorted(added_keys) or
            not _includes(base_keys, removed_keys)):
        raise DiffMismatch(f"{what} removed are not all in the base")
    kept: list[tuple[_Key, bytes]] = []
    pending = list(removed_keys)
    for key, record in base:  # Multiset difference, as std::set_difference.
        if pending and pending[0] == key:
            pending.pop(0)
        else:
            kept.append((key, record))
    if {k for k, _ in kept} & set(added_keys):
        raise DiffMismatch(f"{what} added are already in the base")
    return [record for _, record in sorted(kept + added, key=lambda item: item[0])]


# ---- applying a structured diff at the field level ---------------------------------------

class _Records:
    """An encoded message as its field records, in the order they came."""

    def __init__(self, message: bytes) -> None:
        self.items = [(f.number, f.record) for f in fields(message)]

    def get(self, number: int) -> list[bytes]:
        return [record for n, record in self.items if n == number]

    def replace(self, number: int, records: list[bytes]) -> None:
        """The field's records replaced where they stand; a field that was
        absent goes before the first field with a higher number."""
        at = next((i for i, (n, _) in enumerate(self.items) if n >= number), len(self.items))
        self.items = [item for item in self.items if item[0] != number]
        self.items[at:at] = [(number, record) for record in records]

    def encode(self) -> bytes:
        return b"".join(record for _, record in self.items)


def _values(records: Iterable[bytes]) -> list[bytes]:
    return [f.data for record in records for f in fields(record)]


def _text(records: list[bytes]) -> bytes:
    values = _values(records)
    return values[-1] if values else b""  # A scalar's last occurrence wins.


def apply_diff(base: bytes, diff: bytes) -> bytes:
    """The canonical bytes of the next version: ``diff`` (an encoded
    ArticleDiff) applied to ``base`` (the previous version's canonical bytes).

    Works on field records, so fields this client's schema does not know
    keep their bytes and their place, and a field added to the schema after
    this client was built can still be replaced. :class:`DiffMismatch` when
    the diff does not fit the base exactly.
    """
    try:
        d = diff_pb2.ArticleDiff.FromString(diff)
    except Exception as e:  # google.protobuf.message.DecodeError, or invalid UTF-8.
        raise DiffMismatch(f"diff does not parse: {e}") from None
    out = _Records(base)
    replaced = _Records(embedded(diff, 2) or b"")
    seen: set[int] = set()
    for number in d.replaced_fields:
        if number == 0 or number in NOT_REPLACEABLE:
            raise DiffMismatch(f"diff replaces field {number}, which is not a scalar field")
        if number in seen:
            raise DiffMismatch(f"diff replaces field {number} twice")
        seen.add(number)
        out.replace(number, replaced.get(number))  # Listed but unset: cleared.
    for number, name in ((HEADLINE, "headline"), (EDNOTE, "ednote")):
        if d.HasField(name):
            text = apply_text_diff(_text(out.get(number)), getattr(d, name))
            out.replace(number, [length_delimited(number, text)] if text else [])
    for number, name in ((KEY_POINTS, "key_points"), (BODY, "body")):
        if d.HasField(name):
            items = apply_list_diff(_values(out.get(number)), getattr(d, name))
            out.replace(number, [length_delimited(number, item) for item in items])
    if d.instruments_removed or d.instruments_added:
        held = out.get(INSTRUMENTS)
        out.replace(INSTRUMENTS, _apply_set(
            [(_instrument_key(v), r) for v, r in zip(_values(held), held)],
            [(_instrument_key(m), b"") for m in embedded_all(diff, 7)],
            [(_instrument_key(m), length_delimited(INSTRUMENTS, m)) for m in embedded_all(diff, 8)],
            "instruments"))
    if d.topics_removed or d.topics_added:
        held = out.get(TOPICS)
        out.replace(TOPICS, _apply_set(
            [(v, r) for v, r in zip(_values(held), held)],
            [(t.encode(), b"") for t in d.topics_removed],
            [(t.encode(), length_delimited(TOPICS, t.encode())) for t in d.topics_added],
            "topics"))
    return out.encode()


# ---- the zstd delta ------------------------------------------------------------------

def decode_delta(base: bytes, delta: bytes, full_bytes: int) -> bytes:
    """The canonical bytes a delta holds: zstd-decompressed with ``base`` (the
    previous version's canonical bytes; empty for version 1) as raw-content
    dictionary, into exactly ``full_bytes`` bytes."""
    if full_bytes > LARGEST_ARTICLE_BYTES:
        raise DiffMismatch(f"delta claims {full_bytes} bytes, more than any article")
    try:
        declared = zstandard.frame_content_size(delta)
    except zstandard.ZstdError:
        declared = -1
    if declared != full_bytes:
        raise DiffMismatch(f"delta does not hold {full_bytes} bytes")
    try:
        if base:
            dictionary = zstandard.ZstdCompressionDict(base,
                                                       dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            out = zstandard.ZstdDecompressor(dict_data=dictionary).decompress(
                delta, max_output_size=full_bytes)
        else:
            out = zstandard.ZstdDecompressor().decompress(delta, max_output_size=full_bytes)
    except zstandard.ZstdError as e:
        reason = str(e).removeprefix("decompression error: ")
        raise DiffMismatch(f"delta does not decode against this base: {reason}") from None
    if len(out) != full_bytes:
        raise DiffMismatch("delta does not decode against this base: wrong size")
    return out


# ---- the rebuilder --------------------------------------------------------------------

@dataclass(frozen=True)
class EventPayload:
    """What a RevisionEvent says, read from its bytes as sent."""

    article_id: str
    version: int
    content_hash: bytes
    full_bytes: int
    kind: str  # "full", "diff", "delta", or "none" (a payload this client does not know)
    payload: bytes  # The payload's bytes as sent (for "full", the article's canonical bytes).


def read_event(event: bytes) -> EventPayload:
    """The fields of an encoded RevisionEvent a rebuild needs."""
    article_id, version, digest, full_bytes, kind, payload = "", 0, b"", 0, "none", b""
    kinds = {8: "full", 9: "diff", 10: "delta"}
    for f in fields(event):
        if f.number == 1 and f.wire_type == LEN:
            article_id = f.data.decode()
        elif f.number == 2 and f.wire_type == VARINT:
            version = f.varint
        elif f.number == 5 and f.wire_type == LEN:
            digest = f.data
        elif f.number == 7 and f.wire_type == VARINT:
            full_bytes = f.varint
        elif f.number in kinds and f.wire_type == LEN:
            kind, payload = kinds[f.number], f.data
    return EventPayload(article_id, version, digest, full_bytes, kind, payload)


def version_of(canonical: bytes) -> int:
    """The version field (3) of canonical article bytes (0 if unset)."""
    version = 0
    for f in fields(canonical):
        if f.number == VERSION and f.wire_type == VARINT:
            version = f.varint
    return version


@dataclass(frozen=True)
class Rebuilt:
    """The outcome of rebuilding one event."""

    canonical: bytes | None  # The verified canonical bytes; None unless verified.
    verified: bool
    repaired: bool  # The payload did not fit; a full version (sent along or fetched) was used.
    problem: str  # Why it was repaired or is unverified; empty otherwise.
    # The version before, as held when the event came (what figure changes
    # compare with); None for version 1 or when it was not held.
    previous: bytes | None = None


Fetch = Callable[[str, int], bytes]  # (article id, version) -> canonical bytes from the store.


class Rebuilder:
    """Holds the latest verified version of each article it saw (canonical
    bytes, least recently used dropped past ``max_held``) and rebuilds the
    next version from each event, repairing from a full version when the
    payload does not fit. Not thread-safe."""

    def __init__(self, fetch: Fetch | None = None, max_held: int = 100_000) -> None:
        self._fetch = fetch
        self._max_held = max_held
        self._held: OrderedDict[str, tuple[int, bytes]] = OrderedDict()

    def held(self, article_id: str) -> tuple[int, bytes] | None:
        """(version, canonical bytes) of the latest verified version held."""
        return self._held.get(article_id)

    def rebuild(self, event: bytes | EventPayload, full: bytes | None = None) -> Rebuilt:
        """Rebuilds and verifies ``event``; ``full`` is the version's canonical
        bytes when the caller has them (a page read with_full), used if the
        payload does not fit."""
        e = event if isinstance(event, EventPayload) else read_event(event)
        held = self._held.get(e.article_id) if e.version > 1 else None
        previous = held[1] if held is not None and held[0] + 1 == e.version else None
        candidate, problem = self._apply(e)
        if candidate is not None and self._matches(e, candidate):
            self._hold(e.article_id, e.version, candidate)
            return Rebuilt(candidate, True, False, "", previous)
        problem = problem or "content hash mismatch"
        if full is None and self._fetch is not None:
            try:
                full = self._fetch(e.article_id, e.version)
            except NewswireError as error:
                return Rebuilt(None, False, True, f"{problem}; repair failed: {error}", previous)
        if full is not None and self._matches(e, full):
            self._hold(e.article_id, e.version, full)
            return Rebuilt(full, True, True, problem, previous)
        return Rebuilt(None, False, True,
                       f"{problem}; the full version does not match the event hash either",
                       previous)

    def _apply(self, e: EventPayload) -> tuple[bytes | None, str]:
        try:
            if e.kind == "full":
                return e.payload, ""
            if e.kind == "delta" and e.version == 1:
                return decode_delta(b"", e.payload, e.full_bytes), ""  # Compressed alone.
            if e.kind == "none":
                return None, "event carries no payload this client knows"
            held = self._held.get(e.article_id)
            if held is None:
                return None, "base version not held"
            if held[0] + 1 != e.version:
                return None, f"held version {held[0]} is not the base"
            if e.kind == "delta":
                return decode_delta(held[1], e.payload, e.full_bytes), ""
            return apply_diff(held[1], e.payload), ""
        except NewswireError as error:
            return None, str(error)

    @staticmethod
    def _matches(e: EventPayload, candidate: bytes) -> bool:
        try:
            return content_hash(candidate) == e.content_hash and version_of(candidate) == e.version
        except NewswireError:
            return False

    def _hold(self, article_id: str, version: int, canonical: bytes) -> None:
        self._held[article_id] = (version, canonical)
        self._held.move_to_end(article_id)
        while len(self._held) > self._max_held:
            self._held.popitem(last=False)
