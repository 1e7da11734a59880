"""The query service client: articles, history, diff, blame and log pages.

One DEALER socket to the daemon's query service (PORT+2), one request frame
and one reply frame each (docs/wire-protocol.md, "The query service"). On
a secure daemon give it ``curve=`` (:class:`newswire.security.Curve`). A
:class:`QueryClient` owns its ZeroMQ context and socket; use it from one
thread at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import zmq

from ._pb import article_pb2, diff_pb2, wire_pb2
from .diff import BlameLine, blame_list, diff_articles
from .errors import Malformed, NewswireError, Unavailable, from_wire
from .rebuild import content_hash
from .security import Curve, HandshakeWatch
from .times import TimeLike, to_timestamp
from .wire import LEN, VARINT, Hub, embedded, fields, parse_hub

# QueryReply's result fields.
_ERROR, _ARTICLE, _HISTORY, _LOG, _FEED_HEADS, _BACKUP, _SNAPSHOT = 2, 3, 4, 5, 6, 7, 8
_ACCESS = 20
_RESULTS = frozenset((_ERROR, _ARTICLE, _HISTORY, _LOG, _FEED_HEADS, _BACKUP, _SNAPSHOT,
                      9, _ACCESS, 21))


@dataclass(frozen=True)
class ArticleVersion:
    """One stored version: its canonical bytes as sent, and what the store says of them."""

    canonical: bytes
    wire_seq: int
    wire_time_ns: int
    content_hash: bytes

    @property
    def verified(self) -> bool:
        """The bytes hash to the content hash the store recorded."""
        return content_hash(self.canonical) == self.content_hash

    @cached_property
    def article(self) -> article_pb2.Article:
        return article_pb2.Article.FromString(self.canonical)


@dataclass(frozen=True)
class LogRecord:
    """One revision of a log page, as the live wire sent it."""

    seq: int  # Sequence in the log that was read (wire, or channel).
    event_bytes: bytes  # The encoded RevisionEvent, as sent.
    full: bytes | None  # The version's canonical bytes, when asked for (with_full).

    @cached_property
    def event(self) -> wire_pb2.RevisionEvent:
        return wire_pb2.RevisionEvent.FromString(self.event_bytes)


@dataclass(frozen=True)
class LogPage:
    records: list[LogRecord]
    next_seq: int  # Ask from here for the next page.
    last_seq: int  # The log's latest sequence when the page was read.


class QueryClient:
    """Client of the daemon's query service.

    Every call raises a :class:`~newswire.errors.NewswireError` subclass:
    the daemon's typed error (``NotFound``, ``StoreFailure``, ...) or
    ``Unavailable`` when no answer came within ``timeout`` seconds, or
    ``Unauthorized`` for a CURVE handshake that failed (``curve``: this
    client's keys, for a secure daemon).
    """

    def __init__(self, hub: str | Hub = "tcp://127.0.0.1:7700", *, timeout: float = 5.0,
                 curve: Curve | None = None) -> None:
        self.hub = parse_hub(hub)
        self.timeout = timeout
        self.curve = curve
        self._context = zmq.Context()
        self._socket: zmq.Socket | None = None
        self._watch: HandshakeWatch | None = None
        self._last_id = 0
        self._outstanding: set[int] = set()  # Sent, not yet taken.
        self._early: dict[int, bytes] = {}  # Answers that came before they were awaited.

    def close(self) -> None:
        self._close_socket()
        self._context.term()

    def _close_socket(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self) -> QueryClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---- access ------------------------------------------------------------------

    def get_access(self) -> wire_pb2.AccessReply:
        """Who the daemon takes this client's key for and what it may do
        (GetAccess): its identity, roles and the feeds it may publish to and
        read. On a daemon without security: ``anonymous``, everything."""
        request = wire_pb2.QueryRequest()
        request.access.SetInParent()
        return wire_pb2.AccessReply.FromString(self._call(request, _ACCESS))

    # ---- articles ------------------------------------------------------------

    def get(self, article_id: str, version: int = 0) -> ArticleVersion:
        """The article at ``version`` (0: the latest). ``NotFound`` if absent."""
        request = wire_pb2.QueryRequest()
        request.get.article_id = article_id
        request.get.version = version
        return self._article(self._call(request, _ARTICLE))

    def get_as_of(self, article_id: str, as_of: TimeLike) -> ArticleVersion:
        """The newest version whose wire time is at or before ``as_of``: what a
        subscriber could have seen then. ``NotFound`` if none was out yet."""
        request = wire_pb2.QueryRequest()
        request.get.article_id = article_id
        request.get.as_of.CopyFrom(to_timestamp(as_of))
        return self._article(self._call(request, _ARTICLE))

    def history(self, article_id: str, *, page_size: int = 0) -> list[wire_pb2.HistoryEntry]:
        """Every version's history entry, oldest first (all pages)."""
        entries: list[wire_pb2.HistoryEntry] = []
        next_version = 1
        while next_version:
            request = wire_pb2.QueryRequest()
            request.history.article_id = article_id
            request.history.from_version = next_version
            request.history.limit = page_size
            page = wire_pb2.HistoryReply.FromString(self._call(request, _HISTORY))
            entries.extend(page.entries)
            next_version = page.next_version
        return entries

    def diff(self, article_id: str, from_version: int, to_version: int = 0
             ) -> tuple[ArticleVersion, ArticleVersion, diff_pb2.ArticleDiff]:
        """The change between two stored versions (``to_version`` 0: the
        latest), computed here (see newswire.diff): (from, to, diff)."""
        base = self.get(article_id, from_version)
        result = self.get(article_id, to_version)
        return base, result, diff_articles(base.article, result.article)

    def blame(self, article_id: str) -> list[BlameLine]:
        """For each key point and paragraph of the latest version, the version
        and wire time its current text first appeared."""
        entries = self.history(article_id)
        versions = [self.get(article_id, e.version).article for e in entries]
        times = [e.wire_time.seconds * 1_000_000_000 + e.wire_time.nanos for e in entries]
        out: list[BlameLine] = []
        for kind, items in (("key point", [list(v.key_points) for v in versions]),
                            ("paragraph", [list(v.body) for v in versions])):
            for i, k in enumerate(blame_list(items)):
                out.append(BlameLine(kind, i + 1, items[-1][i], versions[k].version, times[k]))
        return out

    def feed_heads(self, feed: str, *, page_size: int = 0) -> list[wire_pb2.FeedHead]:
        """The current head of every article of a feed, in article id order."""
        heads: list[wire_pb2.FeedHead] = []
        after = ""
        while True:
            request = wire_pb2.QueryRequest()
            request.feed_heads.feed = feed
            request.feed_heads.after_article_id = after
            request.feed_heads.limit = page_size
            page = wire_pb2.FeedHeadsReply.FromString(self._call(request, _FEED_HEADS))
            heads.extend(page.heads)
            if not page.next_after:
                return heads
            after = page.next_after

    def snapshot(self, channel: str = "", *, as_of: TimeLike | None = None, at_wire_seq: int = 0,
                 with_full: bool = False, page_size: int = 0
                 ) -> tuple[int, list[wire_pb2.SnapshotEntry]]:
        """The wire as of a moment (GetSnapshot, every page): every story out at
        ``as_of`` (or up to ``at_wire_seq``; neither: now) at its version then,
        killed ones included (``pubstatus``), on ``channel`` ("f/FEED|",
        "i/MIC:SYMBOL|", "t/TOPIC|"; empty: the whole wire). Returns the wire
        sequence the snapshot stands at and its entries."""
        entries: list[wire_pb2.SnapshotEntry] = []
        token = ""
        at = at_wire_seq
        while True:
            request = wire_pb2.QueryRequest()
            request.snapshot.channel = channel
            request.snapshot.limit = page_size
            request.snapshot.with_full = with_full
            request.snapshot.page_token = token
            if at:
                request.snapshot.at_wire_seq = at
            elif as_of is not None:
                request.snapshot.as_of.CopyFrom(to_timestamp(as_of))
            page = wire_pb2.SnapshotReply.FromString(self._call(request, _SNAPSHOT))
            if page.wire_seq == 0:
                return 0, []
            at = page.wire_seq
            entries.extend(page.entries)
            if not page.next_page_token:
                return at, entries
            token = page.next_page_token

    def backup(self, path: str) -> wire_pb2.BackupReply:
        """Has the daemon write a consistent copy of its store to ``path`` on its machine."""
        request = wire_pb2.QueryRequest()
        request.backup.path = path
        return wire_pb2.BackupReply.FromString(self._call(request, _BACKUP))

    # ---- log pages ---------------------------------------------------------------

    @staticmethod
    def log_request(channel: str = "", *, from_seq: int = 0, from_time: TimeLike | None = None,
                    from_wire_seq: int = 0, limit: int = 0,
                    with_full: bool = False) -> wire_pb2.ReadLog:
        """A ReadLog: ``channel`` "" (or "w|") reads the wire log itself."""
        read = wire_pb2.ReadLog(channel="" if channel == "w|" else channel, from_seq=from_seq,
                                from_wire_seq=from_wire_seq, limit=limit, with_full=with_full)
        if from_time is not None:
            read.from_time.CopyFrom(to_timestamp(from_time))
        return read

    def read_log(self, read: wire_pb2.ReadLog) -> LogPage:
        """One page of the wire log or of a channel."""
        request = wire_pb2.QueryRequest()
        request.read_log.CopyFrom(read)
        return _log_page(self._call(request, _LOG))

    def iter_log(self, read: wire_pb2.ReadLog, *, until_seq: int = 0) -> Iterator[LogRecord]:
        """Every record from ``read`` on, page by page (the next page is asked
        for while this one is worked through), to the end of the log as it is
        when reached, or to ``until_seq``."""
        request = wire_pb2.QueryRequest()
        request.read_log.CopyFrom(read)
        pending = self._send(request)
        while True:
            page = _log_page(self._await(pending, _LOG))
            done = not page.records or (until_seq and page.next_seq > until_seq)
            if not done:
                request.read_log.ClearField("from_time")
                request.read_log.from_wire_seq = 0
                request.read_log.from_seq = page.next_seq
                pending = self._send(request)
            for record in page.records:
                if until_seq and record.seq > until_seq:
                    return
                yield record
            if done:
                return

    # ---- transport -----------------------------------------------------------------

    def _article(self, reply: bytes) -> ArticleVersion:
        parsed = wire_pb2.ArticleReply.FromString(reply)
        canonical = embedded(reply, 1)  # The article's bytes as sent, never re-encoded.
        if canonical is None:
            raise Malformed("reply holds no article")
        return ArticleVersion(canonical, parsed.wire_seq,
                              parsed.wire_time.seconds * 1_000_000_000 + parsed.wire_time.nanos,
                              parsed.content_hash)

    def _call(self, request: wire_pb2.QueryRequest, result: int) -> bytes:
        return self._await(self._send(request), result)

    def _send(self, request: wire_pb2.QueryRequest) -> int:
        if self._socket is None:
            self._socket = self._context.socket(zmq.DEALER)
            self._socket.setsockopt(zmq.LINGER, 0)
            if self.curve is not None:
                self.curve.apply(self._socket)
            self._watch = HandshakeWatch(self._socket, self.hub.query, self.curve is not None)
            self._socket.connect(self.hub.query)
        self._last_id += 1
        request.request_id = self._last_id
        try:
            self._socket.send(request.SerializeToString())
        except zmq.ZMQError as e:
            raise Unavailable(f"query to {self.hub.query}: cannot send: {e}") from None
        self._outstanding.add(self._last_id)
        return self._last_id

    def _await(self, request_id: int, result: int) -> bytes:
        """The result bytes of reply ``request_id``; typed error if it is one."""
        reply = self._early.pop(request_id, None)
        deadline = time.monotonic() + self.timeout
        suspected = None
        while reply is None and self._socket is not None and self._watch is not None:
            left = deadline - time.monotonic()
            try:
                readable = left > 0 and self._watch.wait(self._socket, left)
            except NewswireError:
                self._close_socket()  # A refused handshake: start afresh next time.
                self._outstanding.clear()
                self._early.clear()
                raise
            if not readable:
                suspected = self._watch.suspected()
                break
            message = self._socket.recv()
            got = _request_id(message)
            if got == request_id:
                reply = message
            elif got in self._outstanding:  # Another request's answer (a prefetch): keep it.
                self._early[got] = message
        self._outstanding.discard(request_id)
        if reply is None:
            # Requests may have been lost with their answers: start afresh, so a
            # late answer is never taken for the next request's.
            self._close_socket()
            self._outstanding.clear()
            self._early.clear()
            if suspected is not None:
                raise suspected  # A handshake that broke off, and no answer.
            raise Unavailable(f"no answer from {self.hub.query} within {self.timeout:g} s")
        return _result(reply, result)


def _request_id(reply: bytes) -> int:
    try:
        for f in fields(reply):
            if f.number == 1 and f.wire_type == VARINT:
                return f.varint
    except Malformed:
        pass
    return 0


def _result(reply: bytes, expected: int) -> bytes:
    """The bytes of the reply's result field; its Error raised as typed."""
    found: tuple[int, bytes] | None = None
    for f in fields(reply):
        if f.wire_type == LEN and f.number in _RESULTS:
            found = (f.number, f.data)
    if found is None:
        raise Malformed("reply holds no result")
    number, value = found
    if number == _ERROR:
        raise from_wire(wire_pb2.Error.FromString(value))
    if number != expected:
        raise Malformed(f"reply holds result {number}, not {expected}")
    return value


def _log_page(reply: bytes) -> LogPage:
    records: list[LogRecord] = []
    next_seq = last_seq = 0
    for f in fields(reply):
        if f.number == 1 and f.wire_type == LEN:
            seq, event, full = 0, b"", b""
            for g in fields(f.data):
                if g.number == 1 and g.wire_type == VARINT:
                    seq = g.varint
                elif g.number == 2 and g.wire_type == LEN:
                    event = g.data
                elif g.number == 3 and g.wire_type == LEN:
                    full = g.data
            records.append(LogRecord(seq, event, full or None))
        elif f.number == 2 and f.wire_type == VARINT:
            next_seq = f.varint
        elif f.number == 3 and f.wire_type == VARINT:
            last_seq = f.varint
    return LogPage(records, next_seq, last_seq)
