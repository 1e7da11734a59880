"""The subscriber: follows channels of the live wire, rebuilds every article
from the payloads it receives and verifies each against its content hash,
repairing from the query service when anything does not fit.

Guarantees (docs/wire-protocol.md, "Following the wire"): revisions come in
order per channel, each once even when it arrives on several channels. A
sequence gap (a drop at the high-water mark, a reconnect, a daemon restart,
a lost last message revealed by a heartbeat) is filled from the query
service before anything newer is delivered; only a gap that cannot be filled
is reported, as a :class:`Gap`. A late joiner (``since_wire_seq`` or
``since_time``) gets the history first, then live, with nothing missed or
repeated where the two meet.

On a secure daemon (``curve=``, :class:`newswire.security.Curve`) a reader
granted only some feeds cannot follow the wire, instrument or topic
channels, which mix feeds: the subscriber asks the daemon what its key may
read (``QueryClient.get_access``) and follows, in their place, the feed
channels and the feed-scoped instrument and topic channels of the feeds
granted (:func:`newswire.wire.scope_topics`). A subscription the daemon
refuses, or cuts after a reload of its access file, is an
:class:`AccessDenied` notice (``Unauthorized`` while connecting), and a
failed CURVE handshake is raised as ``Unauthorized`` saying what to fix.

A :class:`Subscriber` owns its ZeroMQ context and sockets; use it from one
thread. Constructing it returns once the daemon has confirmed every
subscription (``Unavailable`` if it does not within ``connect_timeout``).
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Iterable, Iterator, Union

import zmq
from zmq.utils.monitor import recv_monitor_message

from ._pb import article_pb2, wire_pb2
from .errors import Malformed, NewswireError, Unauthorized, Unavailable
from .query import LogRecord, QueryClient
from .rebuild import Rebuilder, Rebuilt, read_event
from .security import HANDSHAKE_EVENTS, Curve, HandshakeTracker
from .times import TimeLike, to_ns
from .wire import (CONTROL_CHANNEL, STATS_CHANNEL, WIRE_CHANNEL, Hub, channel_topics,
                   decode_sequence, parse_hub, scope_topics)

if TYPE_CHECKING:
    from .figures import FigureChange


@dataclass
class Delivery:
    """One revision, rebuilt and (when ``verified``) checked against its hash."""

    event_bytes: bytes  # The RevisionEvent as sent (delta, diff or full article).
    canonical: bytes | None  # The rebuilt article's canonical bytes; None if unverified.
    verified: bool
    repaired: bool = False  # The payload did not fit; the full version was used.
    recovered: bool = False  # Came from the store (catch-up or gap fill), not live.
    problem: str = ""  # Why it was repaired or is unverified.
    channel: str = ""  # Channel topic it arrived on.
    channel_seq: int = 0
    wire_bytes: int = 0  # Bytes of the live message (all three frames); 0 if recovered.
    lag_ns: int = 0  # Wire time to hand-over, by this machine's clock.
    # The version before this one as held when it came (the base it applied
    # this revision to): canonical bytes, for figure_changes. None for
    # version 1 and when it was not held (a story first seen mid-way).
    previous: bytes | None = None

    @cached_property
    def event(self) -> wire_pb2.RevisionEvent:
        return wire_pb2.RevisionEvent.FromString(self.event_bytes)

    @cached_property
    def article(self) -> article_pb2.Article:
        """The rebuilt article (parsed on first use; empty if nothing verified)."""
        return article_pb2.Article.FromString(self.canonical or b"")

    @cached_property
    def figure_changes(self) -> list[FigureChange] | None:
        """The figures this revision added, removed or changed (numbers with
        their units and signs, where they are, a few words around them;
        :mod:`newswire.figures`), computed from ``previous`` and the rebuilt
        article when first asked, never carried on the wire. ``[]`` when
        only words changed; None when they cannot be known: version 1, not
        verified, or the version before was not held. Needs PyICU."""
        if not self.verified or self.previous is None or self.version <= 1:
            return None
        from .figures import figure_changes  # PyICU is needed only here.
        return figure_changes(article_pb2.Article.FromString(self.previous), self.article)

    @property
    def article_id(self) -> str:
        return self.event.article_id

    @property
    def version(self) -> int:
        return self.event.version

    @property
    def wire_seq(self) -> int:
        return self.event.wire_seq

    @property
    def wire_time_ns(self) -> int:
        return self.event.wire_time.seconds * 1_000_000_000 + self.event.wire_time.nanos

    @property
    def payload(self) -> str:
        """"full", "diff" or "delta": what the event carried."""
        return read_event(self.event_bytes).kind

    @property
    def killed(self) -> bool:
        """Withdrawn (pubstatus canceled): remove it and everything derived from it."""
        return self.article.pubstatus == article_pb2.PUB_STATUS_CANCELED

    @property
    def withheld(self) -> bool:
        return self.article.pubstatus == article_pb2.PUB_STATUS_WITHHELD

    @property
    def flash(self) -> bool:
        return self.article.urgency == 1

    @property
    def correction(self) -> bool:
        return article_pb2.SIGNAL_CORRECTION in self.article.signals

    @property
    def update(self) -> bool:
        return article_pb2.SIGNAL_UPDATE in self.article.signals


@dataclass(frozen=True)
class Gap:
    """Revisions the subscriber knows it missed and could not recover."""

    channel: str
    first_missing: int
    last_missing: int
    reason: str


@dataclass(frozen=True)
class ConnectionChange:
    """The live connection went down or came back (ZeroMQ reconnects by itself)."""

    connected: bool
    endpoint: str


@dataclass(frozen=True)
class Stats:
    """A StatsEvent from the stats channel ``s|`` (when asked for with ``stats=True``)."""

    seq: int
    event: wire_pb2.StatsEvent


@dataclass(frozen=True)
class AccessDenied:
    """A secure daemon refused a channel, or stopped it when a reload of its
    access file narrowed this key's grants: nothing more comes on it."""

    channel: str
    reason: str


Notice = Union[Delivery, Gap, ConnectionChange, Stats, AccessDenied]


@dataclass(frozen=True)
class Lag:
    sequences_behind: int  # Announced by heartbeats but not yet handled, over all channels.
    last_delivery_lag_ns: int


@dataclass
class _Frames:
    channel: str
    seq: int
    payload: bytes  # Empty: a heartbeat.
    size: int


class _RecentWireSeqs:
    """Wire sequences delivered lately, to drop copies from other channels."""

    WINDOW = 1 << 18

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._high = 0

    def __contains__(self, seq: int) -> bool:
        return seq in self._seen

    def add(self, seq: int) -> None:
        self._seen.add(seq)
        self._high = max(self._high, seq)
        if len(self._seen) > 2 * self.WINDOW:  # Copies arrive close together.
            self._seen = {s for s in self._seen if s > self._high - self.WINDOW}


class _TermFence:
    """Terms only grow along the wire (docs/wire-protocol.md, RevisionEvent
    ``epoch``): an event of an older epoch at or past the first wire
    sequence seen in a newer one is a fenced primary's and is refused."""

    def __init__(self) -> None:
        self.epoch = 0
        self._from = 0

    def admit(self, epoch: int, wire_seq: int) -> bool:
        if epoch > self.epoch:
            self.epoch, self._from = epoch, wire_seq
            return True
        return epoch == self.epoch or wire_seq < self._from


class Subscriber:
    """Follows ``feeds``, ``instruments`` (``MIC:SYMBOL``) and ``topics``;
    nothing named means the whole wire; ``curve`` for a secure daemon. See
    the module docstring."""

    def __init__(self, hub: str | Hub = "tcp://127.0.0.1:7700", *, feeds: Iterable[str] = (),
                 instruments: Iterable[str] = (), topics: Iterable[str] = (),
                 since_wire_seq: int | None = None, since_time: TimeLike | None = None,
                 stats: bool = False, connect_timeout: float = 5.0, query_timeout: float = 2.0,
                 receive_hwm: int = 100_000, max_held_articles: int = 100_000,
                 curve: Curve | None = None) -> None:
        self.hub = parse_hub(hub)
        self.channels = channel_topics(feeds, instruments, topics)
        self.query = QueryClient(self.hub, timeout=query_timeout, curve=curve)
        if curve is not None:
            # What this key may read decides which channels stand for the selection.
            try:
                self.channels = scope_topics(self.channels, self.query.get_access())
            except BaseException:
                self.query.close()
                raise
        self._topics = self.channels + ([STATS_CHANNEL] if stats else [])
        self._rebuilder = Rebuilder(self._fetch, max_held_articles)
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.SUB)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.RCVHWM, receive_hwm)
        if curve is not None:
            curve.apply(self._socket)
        self._monitor = self._socket.get_monitor_socket(zmq.EVENT_CONNECTED |
                                                        zmq.EVENT_DISCONNECTED | HANDSHAKE_EVENTS)
        self._handshake = HandshakeTracker(self.hub.fanout, curve is not None)
        self._ever_connected = self._connected = False
        self._last_seq: dict[str, int] = {}  # Per channel: handled.
        self._announced: dict[str, int] = {}  # Per channel: latest seen.
        self._delivered = _RecentWireSeqs()
        self._last_delivered = 0
        self._last_lag_ns = 0
        self._early: deque[_Frames] = deque()  # Live messages that came while joining.
        self._pending: deque[Notice] = deque()
        self._fence = _TermFence()
        self._catch_up: Iterator[tuple[str, LogRecord]] | None = None
        self._socket.connect(self.hub.fanout)
        if curve is not None:
            # First, so that a refusal of what follows can reach us: a secure
            # daemon applies "c|" as this key's own control channel.
            self._socket.setsockopt(zmq.SUBSCRIBE, CONTROL_CHANNEL.encode())
        for topic in self._topics:
            self._socket.setsockopt(zmq.SUBSCRIBE, topic.encode())
        try:
            self._join(connect_timeout)
            if since_wire_seq is not None or since_time is not None:
                self._catch_up = self._history(since_wire_seq or 0, since_time)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._monitor.close(linger=0)
        self._socket.close(linger=0)
        self._context.term()
        self.query.close()

    def __enter__(self) -> Subscriber:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Notice]:
        while True:
            notice = self.next(None)
            if notice is not None:
                yield notice

    @property
    def last_delivered_wire_seq(self) -> int:
        """Highest wire sequence delivered so far (0 before any): the resume
        cursor. Keep it, and pass it + 1 as ``since_wire_seq`` after a restart."""
        return self._last_delivered

    def lag(self) -> Lag:
        behind = sum(max(0, announced - self._last_seq.get(channel, 0))
                     for channel, announced in self._announced.items())
        return Lag(behind, self._last_lag_ns)

    def next(self, timeout: float | None = None) -> Notice | None:
        """The next notice, waiting up to ``timeout`` seconds (None: forever);
        None on timeout. Raises Unavailable if the socket fails, Unauthorized
        when the daemon refuses this client's handshake."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if (failure := self._handshake.failure) is not None:
                self._handshake.failure = None  # Reported once.
                raise failure
            if self._pending:
                return self._pending.popleft()
            if self._catch_up is not None:
                self._catch_up_one()
                continue
            if self._early:
                self._handle(self._early.popleft())
                continue
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            frames = self._receive(left)
            if frames is not None:
                self._handle(frames)
            elif not self._pending and deadline is not None and time.monotonic() >= deadline:
                return None

    # ---- joining and history ---------------------------------------------------------

    def _join(self, timeout: float) -> None:
        """Waits for the daemon's welcome heartbeat on every channel: its
        sequence says where history ends and live begins."""
        deadline = time.monotonic() + timeout
        while any(topic not in self._last_seq for topic in self._topics):
            left = deadline - time.monotonic()
            if left <= 0:
                if self._handshake.suspected is not None:
                    raise self._handshake.suspected  # A handshake that broke off.
                raise Unavailable(f"no heartbeat from {self.hub.fanout} within {timeout:g} s "
                                  "(is newswired running?)")
            frames = self._receive(left)
            if self._handshake.failure is not None:
                raise self._handshake.failure
            if frames is None:
                continue
            if frames.channel.startswith(CONTROL_CHANNEL):
                self._handle_notice(frames)
                for notice in self._pending:  # A subscription refused.
                    if isinstance(notice, AccessDenied):
                        raise Unauthorized(f"{notice.channel}: {notice.reason}")
                continue
            # A revision may come before its channel's welcome heartbeat: it
            # confirms the channel too, and the baseline is just before it.
            heartbeat = not frames.payload
            self._last_seq.setdefault(frames.channel, frames.seq - (0 if heartbeat else 1))
            if not heartbeat:
                self._early.append(frames)

    def _history(self, since_wire_seq: int, since_time: TimeLike | None
                 ) -> Iterator[tuple[str, LogRecord]] | None:
        """Every channel's records up to its welcome head, merged in wire order."""
        streams = []
        for channel in self.channels:
            head = self._last_seq.get(channel, 0)
            if head == 0:
                continue  # Nothing was on it when we joined.
            if since_time is not None:
                read = QueryClient.log_request(channel, from_time=since_time)
            elif channel == WIRE_CHANNEL:
                read = QueryClient.log_request(channel, from_seq=max(1, since_wire_seq))
            else:
                read = QueryClient.log_request(channel, from_wire_seq=max(1, since_wire_seq))
            streams.append(((channel, r) for r in self.query.iter_log(read, until_seq=head)))
        if not streams:
            return None
        return iter(heapq.merge(*streams, key=lambda item: item[1].event.wire_seq))

    def _catch_up_one(self) -> None:
        assert self._catch_up is not None
        item = next(self._catch_up, None)
        if item is None:
            self._catch_up = None  # History done; live from here.
            return
        channel, record = item
        if record.event.wire_seq in self._delivered:
            return  # Seen on another channel.
        self._deliver(self._rebuilder.rebuild(record.event_bytes, record.full), record.event_bytes,
                      channel=channel, channel_seq=record.seq, recovered=True)

    # ---- live messages ------------------------------------------------------------------

    def _receive(self, timeout: float | None) -> _Frames | None:
        """One fan-out message, or None on timeout or after a connection event."""
        try:
            poller = zmq.Poller()
            poller.register(self._socket, zmq.POLLIN)
            poller.register(self._monitor, zmq.POLLIN)
            ready = dict(poller.poll(None if timeout is None else int(timeout * 1000)))
            if self._monitor in ready:
                self._handle_monitor()
            if self._socket not in ready:
                return None
            parts = self._socket.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            return None
        except zmq.ZMQError as e:
            raise Unavailable(f"receiving from {self.hub.fanout}: {e}") from None
        # [channel][sequence][payload]; anything else is dropped.
        if len(parts) != 3:
            return None
        try:
            seq = decode_sequence(parts[1])
        except Malformed:
            return None
        channel = parts[0].decode(errors="replace")
        if channel.startswith(STATS_CHANNEL):
            channel = STATS_CHANNEL  # A secure daemon's s|*| or s|FEED,...| answers s|.
        return _Frames(channel, seq, parts[2], sum(map(len, parts)))

    def _handle_monitor(self) -> None:
        while self._monitor.poll(0, zmq.POLLIN):
            event = recv_monitor_message(self._monitor)
            if event["event"] & HANDSHAKE_EVENTS:
                self._handshake.add(event["event"], event["value"])
                continue
            connected = event["event"] == zmq.EVENT_CONNECTED
            if not self._ever_connected:  # The first connect is not news.
                self._ever_connected = self._connected = connected
                continue
            if connected != self._connected:
                self._connected = connected
                self._pending.append(ConnectionChange(connected, self.hub.fanout))

    def _handle(self, frames: _Frames) -> None:
        """Sequencing per channel: older or repeated sequences are dropped; a
        jump, or a heartbeat ahead, is filled from the store first."""
        if frames.channel.startswith(CONTROL_CHANNEL):
            self._handle_notice(frames)
            return
        heartbeat = not frames.payload
        if frames.channel == STATS_CHANNEL:  # Not stored, so not sequenced.
            if not heartbeat:
                self._pending.append(Stats(frames.seq,
                                           wire_pb2.StatsEvent.FromString(frames.payload)))
            return
        self._announced[frames.channel] = max(self._announced.get(frames.channel, 0), frames.seq)
        last = self._last_seq.setdefault(frames.channel, frames.seq - (0 if heartbeat else 1))
        if heartbeat:
            if frames.seq > last:
                self._recover(frames.channel, last + 1, frames.seq)  # The last one(s) were lost.
            return
        if frames.seq <= last:
            return
        if frames.seq > last + 1:
            self._recover(frames.channel, last + 1, frames.seq - 1)
        try:
            wire_seq = wire_pb2.RevisionEvent.FromString(frames.payload).wire_seq
        except Exception:
            # Damaged on the way: fetched from the store as if it had been
            # lost (a Gap if even that fails), never dropped silently.
            self._recover(frames.channel, frames.seq, frames.seq)
            return
        self._last_seq[frames.channel] = frames.seq
        if wire_seq in self._delivered:
            return  # A copy from another channel.
        self._deliver(self._rebuilder.rebuild(frames.payload), frames.payload,
                      channel=frames.channel, channel_seq=frames.seq, wire_bytes=frames.size)

    def _handle_notice(self, frames: _Frames) -> None:
        """A channel followed that the daemon refused or cut: it is reported
        once and no longer followed."""
        try:
            notice = wire_pb2.AccessNotice.FromString(frames.payload)
        except Exception:
            return
        if notice.channel not in self._topics:
            return
        self._topics.remove(notice.channel)
        if notice.channel in self.channels:
            self.channels.remove(notice.channel)
        self._last_seq.pop(notice.channel, None)
        self._announced.pop(notice.channel, None)
        self._socket.setsockopt(zmq.UNSUBSCRIBE, notice.channel.encode())
        self._pending.append(AccessDenied(notice.channel, notice.reason))

    def _recover(self, channel: str, first: int, last: int) -> None:
        """Fills channel sequences first..last from the query service, in order."""
        next_seq, reason = first, ""
        while next_seq <= last:
            read = QueryClient.log_request(channel, from_seq=next_seq, with_full=True,
                                           limit=min(last - next_seq + 1, 1000))
            try:
                page = self.query.read_log(read)
            except NewswireError as e:
                reason = str(e)
                break
            if not page.records or page.records[0].seq != next_seq:
                reason = "the store does not hold them"
                break
            for record in page.records:
                if record.seq != next_seq or next_seq > last:
                    break
                next_seq += 1
                if record.event.wire_seq in self._delivered:
                    continue
                self._deliver(self._rebuilder.rebuild(record.event_bytes, record.full),
                              record.event_bytes, channel=channel, channel_seq=record.seq,
                              recovered=True)
        if next_seq <= last:
            self._pending.append(Gap(channel, next_seq, last, reason))
        self._last_seq[channel] = max(self._last_seq.get(channel, 0), last)

    def _deliver(self, rebuilt: Rebuilt, event_bytes: bytes, **where: object) -> None:
        delivery = Delivery(event_bytes, rebuilt.canonical, rebuilt.verified, rebuilt.repaired,
                            problem=rebuilt.problem, previous=rebuilt.previous,
                            **where)  # type: ignore[arg-type]
        if not self._fence.admit(delivery.event.epoch, delivery.wire_seq):
            self._pending.append(Gap(delivery.channel, delivery.channel_seq, delivery.channel_seq,
                                     f"wire sequence {delivery.wire_seq} came in epoch "
                                     f"{delivery.event.epoch}, older than epoch "
                                     f"{self._fence.epoch}: a fenced primary's"))
            return
        delivery.lag_ns = time.time_ns() - delivery.wire_time_ns
        self._last_lag_ns = delivery.lag_ns
        self._delivered.add(delivery.wire_seq)
        self._last_delivered = max(self._last_delivered, delivery.wire_seq)
        self._pending.append(delivery)

    def _fetch(self, article_id: str, version: int) -> bytes:
        return self.query.get(article_id, version).canonical
