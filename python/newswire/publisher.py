"""The publisher: sends articles to the daemon's ingest service and waits for
the ack that says the revision is durable.

Every publish carries an idempotency key (a fresh random one unless the
caller gives one), so the client resends after a timeout without ever
making a second revision: a retry is answered with the first publish's ack,
flagged ``duplicate`` (docs/wire-protocol.md, "Publishing"). Refusals are
raised as typed exceptions carrying the wire's error code
(:mod:`newswire.errors`). On a secure daemon give it ``curve=``
(:class:`newswire.security.Curve`): a handshake the daemon refuses is
raised as ``Unauthorized`` saying what to fix, not waited out. A
:class:`Publisher` owns its ZeroMQ context and socket; use it from one
thread at a time.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Mapping, Union

import zmq
from google.protobuf import json_format

from ._pb import article_pb2, wire_pb2
from .errors import Malformed, NewswireError, TooLarge, Unavailable, from_wire
from .security import Curve, HandshakeWatch
from .wire import Hub, length_delimited, parse_hub

ArticleLike = Union[article_pb2.Article, Mapping[str, Any], str, bytes]
# The largest frame the daemon's sockets take: ZeroMQ drops the connection,
# without an answer, for anything larger, so it is refused before sending.
MAX_FRAME_BYTES = 64 << 20


def encode_article(article: ArticleLike) -> bytes:
    """An Article's bytes from a message, its protobuf JSON mapping (a dict or
    a JSON string, as ``newswire publish`` reads), or bytes already encoded."""
    if isinstance(article, bytes):
        return article
    if isinstance(article, article_pb2.Article):
        return article.SerializeToString()
    message = article_pb2.Article()
    try:
        text = article if isinstance(article, str) else json.dumps(article)
        json_format.Parse(text, message)
    except (json_format.ParseError, ValueError) as e:
        raise Malformed(f"not an Article in protobuf JSON: {e}") from None
    return message.SerializeToString()


@dataclass(frozen=True)
class Ack:
    """What the daemon promises once a revision is durable."""

    article_id: str
    version: int  # 0 while held under embargo.
    wire_seq: int  # Position in the wire log; 0 while held.
    content_hash: bytes  # SHA-256 of the canonical article.
    wire_time_ns: int  # When it became available to subscribers.
    duplicate: bool  # This answers a retry of an earlier publish with the same key.
    embargoed_until_ns: int | None  # Set when held: it goes out at this time.
    # The article was exactly the current version: nothing was written or
    # sent; version, wire_seq, content_hash and wire time name that version.
    unchanged: bool = False
    # A kill of a story that never went out withdrew its held (embargoed)
    # text: nothing of it was or will be sent; version and wire_seq are 0.
    withdrawn: bool = False

    @property
    def held(self) -> bool:
        return self.embargoed_until_ns is not None

    @staticmethod
    def from_wire(ack: wire_pb2.PublishAck) -> Ack:
        def ns(ts: Any) -> int:
            return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)
        return Ack(ack.article_id, ack.version, ack.wire_seq, ack.content_hash, ns(ack.wire_time),
                   ack.duplicate,
                   ns(ack.embargoed_until) if ack.HasField("embargoed_until") else None,
                   ack.unchanged, ack.withdrawn)


class Publisher:
    """Publishes to ``hub`` as ``publisher_id``; waits ``attempt_timeout``
    seconds for each answer and sends at most ``attempts`` times; ``curve``
    for a secure daemon (its access file then decides the publisher's
    identity, whatever ``publisher_id`` says)."""

    def __init__(self, hub: str | Hub = "tcp://127.0.0.1:7700", *,
                 publisher_id: str = "anonymous", attempt_timeout: float = 2.0,
                 attempts: int = 3, curve: Curve | None = None) -> None:
        self.hub = parse_hub(hub)
        if self.hub.port == 0:
            raise Malformed("hub port must not be 0")
        self.publisher_id = publisher_id
        self.attempt_timeout = attempt_timeout
        self.attempts = max(1, attempts)
        self.resends = 0  # Publishes sent again after a timeout, since this was made.
        self.curve = curve
        self._context = zmq.Context()
        self._watch: HandshakeWatch | None = None
        self._socket = self._connect()
        self._last_id = 0

    def close(self) -> None:
        self._close_socket()
        self._context.term()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def publish(self, article: ArticleLike, *, base_version: int = 0,
                publisher_key: str | None = None) -> Ack:
        """Publishes the full new content of an article and waits for its ack.

        ``base_version``: the version this edit was made from (0 appends after
        the head); ``VersionConflict`` (with ``current_version``) if the head
        moved. Raises the daemon's typed error, ``Unauthorized`` for a failed
        CURVE handshake, or ``Unavailable`` when no answer came after every
        attempt.
        """
        request_id, request = self._encode(article, base_version, publisher_key)
        for attempt in range(self.attempts):
            if attempt:
                self.resends += 1
                self._close_socket()  # Drops what was queued for a dead peer.
                self._socket = self._connect()
            self._send(request)
            deadline = time.monotonic() + self.attempt_timeout
            while (left := deadline - time.monotonic()) > 0:
                reply = self._receive(left)
                if reply is None:
                    break
                # A request the daemon could not read is answered with id 0.
                if reply.request_id not in (request_id, 0):
                    continue  # A late answer to an earlier request.
                return _outcome(reply, self.hub)
        raise Unavailable(f"no answer from {self.hub.ingest} after {self.attempts} attempts of "
                          f"{self.attempt_timeout:g} s")

    def send(self, article: ArticleLike, *, base_version: int = 0,
             publisher_key: str | None = None) -> int:
        """Pipelined publishing: queues a request and returns its request id.
        No resends on this path; match answers from :meth:`receive` by id."""
        request_id, request = self._encode(article, base_version, publisher_key)
        self._send(request)
        return request_id

    def receive(self, timeout: float) -> tuple[int, Ack | NewswireError]:
        """The next answer (request id, ack or typed error), in any order;
        ``Unavailable`` if none comes within ``timeout`` seconds (``Unauthorized``
        for a failed CURVE handshake)."""
        reply = self._receive(timeout)
        if reply is None:
            raise Unavailable(f"no reply from {self.hub.ingest} within {timeout:g} s")
        try:
            return reply.request_id, _outcome(reply, self.hub)
        except NewswireError as e:
            return reply.request_id, e

    def _encode(self, article: ArticleLike, base_version: int,
                publisher_key: str | None) -> tuple[int, bytes]:
        self._last_id += 1
        request = wire_pb2.PublishRequest(
            request_id=self._last_id, publisher_id=self.publisher_id,
            publisher_key=publisher_key or secrets.token_hex(16), base_version=base_version)
        # The article (field 5, the last) spliced on as encoded: bytes given
        # by the caller go out exactly as they are.
        encoded = request.SerializeToString() + length_delimited(5, encode_article(article))
        if len(encoded) > MAX_FRAME_BYTES:
            raise TooLarge(f"request is {len(encoded)} bytes, more than any daemon takes "
                           f"({MAX_FRAME_BYTES})")
        return self._last_id, encoded

    def _connect(self) -> zmq.Socket:
        socket = self._context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        if self.curve is not None:
            self.curve.apply(socket)
        # Without a monitor a refused handshake would look like a silent daemon.
        self._watch = HandshakeWatch(socket, self.hub.ingest, self.curve is not None)
        socket.connect(self.hub.ingest)
        return socket

    def _close_socket(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        self._socket.close(linger=0)

    def _send(self, request: bytes) -> None:
        try:
            self._socket.send(request)
        except zmq.ZMQError as e:
            raise Unavailable(f"sending to {self.hub.ingest}: {e}") from None

    def _receive(self, timeout: float) -> wire_pb2.PublishReply | None:
        try:
            assert self._watch is not None
            if not self._watch.wait(self._socket, timeout):
                if (suspected := self._watch.suspected()) is not None:
                    raise suspected  # A handshake that broke off, and no answer.
                return None
            parts = self._socket.recv_multipart()
        except zmq.ZMQError as e:
            raise Unavailable(f"receiving from {self.hub.ingest}: {e}") from None
        try:
            if len(parts) != 1:
                raise ValueError(f"{len(parts)} frames")
            return wire_pb2.PublishReply.FromString(parts[0])
        except Exception:
            raise Malformed("daemon sent a reply that is not a PublishReply") from None


def _outcome(reply: wire_pb2.PublishReply, hub: Hub) -> Ack:
    if reply.HasField("error"):
        raise from_wire(reply.error)
    ack = reply.ack
    # An ack names an article and a version, an embargo, or a withdrawal.
    if (not reply.HasField("ack") or not ack.article_id or
            (ack.version == 0 and not ack.HasField("embargoed_until") and not ack.withdrawn)):
        raise Malformed(f"{hub.ingest} answered with neither an error nor an ack")
    return Ack.from_wire(ack)
