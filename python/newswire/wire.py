"""Wire-level facts: hub addresses, channel topics, sequence frames, and a
reader of protobuf's wire format.

See docs/wire-protocol.md ("Services and sockets", "Channels", "Frames").
The protobuf reader exists because verification works on bytes exactly as
the daemon sent them: a payload's article bytes are taken out of the event
as they are, never parsed and encoded again (docs/wire-protocol.md,
"Schema evolution").
"""

from __future__ import annotations

import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator, NamedTuple

from .errors import Malformed, Unauthorized

CHANNEL_TERMINATOR = "|"
WIRE_CHANNEL = "w|"
STATS_CHANNEL = "s|"
CONTROL_CHANNEL = "c|"  # A secure daemon's notices to one identity: c|IDENTITY|.
SEQUENCE_FRAME_BYTES = 8


@dataclass(frozen=True)
class Hub:
    """One ``tcp://HOST:PORT`` names the daemon's three services."""

    host: str
    port: int

    @property
    def ingest(self) -> str:
        """ROUTER on PORT: publish requests."""
        return f"tcp://{self.host}:{self.port}"

    @property
    def fanout(self) -> str:
        """XPUB on PORT+1: live revisions, heartbeats, stats."""
        return f"tcp://{self.host}:{self.port + 1}"

    @property
    def query(self) -> str:
        """ROUTER on PORT+2: queries, catch-up, replay."""
        return f"tcp://{self.host}:{self.port + 2}"

    def __str__(self) -> str:
        return self.ingest


_HUB = re.compile(r"tcp://(?P<host>.+):(?P<port>\d{1,5})")


def parse_hub(address: str | Hub) -> Hub:
    """``Hub`` for ``tcp://HOST:PORT``; :class:`Malformed` otherwise."""
    if isinstance(address, Hub):
        return address
    match = _HUB.fullmatch(address)
    if not match or int(match["port"]) > 65533:
        raise Malformed(f"hub address '{address}' is not tcp://HOST:PORT (port 0-65533)")
    return Hub(match["host"], int(match["port"]))


# ---- channels ----------------------------------------------------------------

def _checked(kind: str, name: str) -> str:
    if not name or CHANNEL_TERMINATOR in name:
        raise Malformed(f"{kind} '{name}' is not a valid channel name")
    return name


def feed_channel(feed: str) -> str:
    return f"f/{_checked('feed', feed)}|"


def instrument_channel(exchange: str, symbol: str) -> str:
    """``i/MIC:SYMBOL|``, e.g. ``instrument_channel("XTKS", "9984")``."""
    return f"i/{_checked('exchange', exchange)}:{_checked('symbol', symbol)}|"


def topic_channel(topic: str) -> str:
    """``t/TOPIC|`` with the topic in Unicode NFC, as the daemon keeps topics
    (docs/wire-protocol.md, "Text"): either normalisation form subscribes."""
    return f"t/{_checked('topic', unicodedata.normalize('NFC', topic))}|"


def scoped_channel(feed: str, channel: str) -> str:
    """An instrument or topic channel within one feed, e.g.
    ``scoped_channel("equities-asia", "i/XTKS:9984|")`` is
    ``f/equities-asia/i/XTKS:9984|``: what a reader granted only some feeds
    follows instead of the mixed channel (docs/wire-protocol.md, Security)."""
    return f"f/{_checked('feed', feed)}/{channel}"


def channel_topics(feeds: Iterable[str] = (), instruments: Iterable[str] = (),
                   topics: Iterable[str] = ()) -> list[str]:
    """Channel topics for a selection; instruments as ``MIC:SYMBOL``.

    Nothing selected means the whole wire (``w|``).
    """
    out = [feed_channel(f) for f in feeds]
    for instrument in instruments:
        exchange, colon, symbol = instrument.partition(":")
        if not colon:
            raise Malformed(f"instrument '{instrument}' is not MIC:SYMBOL (e.g. XTKS:9984)")
        out.append(instrument_channel(exchange, symbol))
    out += [topic_channel(t) for t in topics]
    return out or [WIRE_CHANNEL]


def scope_topics(topics: Iterable[str], access: object) -> list[str]:
    """The channel topics a reader with ``access`` (an ``AccessReply``,
    :meth:`QueryClient.get_access`) follows for ``topics``: the same ones
    when it may read every feed; otherwise the wire by the feed channels of
    the feeds granted, and each instrument and topic channel by its scoped
    channel in each of them (``f/FEED/i/MIC:SYMBOL|``), since the mixed
    channels are refused (docs/wire-protocol.md, Security). Feed channels
    stay (the daemon refuses one not granted). :class:`Unauthorized` when it
    may read no feed."""
    read = getattr(access, "read")
    if read.all:
        return list(topics)
    if not read.feeds:
        raise Unauthorized(f"{getattr(access, 'identity')} may read no feed "
                           "(it is not a subscriber)")
    scoped: list[str] = []
    for topic in topics:
        if topic == WIRE_CHANNEL:
            wanted = [feed_channel(feed) for feed in read.feeds]
        elif topic.startswith(("i/", "t/")):
            wanted = [scoped_channel(feed, topic) for feed in read.feeds]
        else:
            wanted = [topic]
        scoped += [t for t in wanted if t not in scoped]
    return scoped


def channels_of(article: object) -> list[str]:
    """Every channel an article goes out on: the wire channel, its feed, its
    instruments, its topics, then its instruments and topics scoped by its feed."""
    feed = getattr(article, "feed")
    mixed = [instrument_channel(i.exchange, i.symbol) for i in getattr(article, "instruments")]
    mixed += [topic_channel(t) for t in getattr(article, "topics")]
    return [WIRE_CHANNEL, feed_channel(feed)] + mixed + [scoped_channel(feed, c) for c in mixed]


# ---- sequence frames -----------------------------------------------------------

def encode_sequence(seq: int) -> bytes:
    """The second frame of a fan-out message: 8 bytes, big-endian."""
    return struct.pack(">Q", seq)


def decode_sequence(frame: bytes) -> int:
    if len(frame) != SEQUENCE_FRAME_BYTES:
        raise Malformed(f"sequence frame is {len(frame)} bytes, not 8")
    return int(struct.unpack(">Q", frame)[0])


# ---- protobuf wire format --------------------------------------------------------

VARINT, I64, LEN, I32 = 0, 1, 2, 5


class Field(NamedTuple):
    """One field record of an encoded message."""

    number: int
    wire_type: int
    record: bytes  # The whole record: tag, length (if any) and value.
    data: bytes  # LEN: the value's bytes; I64, I32: the 8 or 4 bytes; VARINT: b"".
    varint: int  # VARINT: the number; otherwise 0.


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise Malformed("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def fields(buf: bytes) -> Iterator[Field]:
    """The field records of ``buf`` in the order they are encoded.

    Raises :class:`Malformed` for bytes that are not a protobuf message.
    Groups (wire types 3 and 4) are not used by this protocol and refused.
    """
    pos = 0
    while pos < len(buf):
        start = pos
        tag, pos = read_varint(buf, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise Malformed("field number 0")
        data, varint = b"", 0
        if wire_type == VARINT:
            varint, pos = read_varint(buf, pos)
        elif wire_type == LEN:
            length, pos = read_varint(buf, pos)
            if length > len(buf) - pos:
                raise Malformed("length-delimited field runs past the end")
            data, pos = bytes(buf[pos:pos + length]), pos + length
        elif wire_type in (I64, I32):
            size = 8 if wire_type == I64 else 4
            if size > len(buf) - pos:
                raise Malformed("fixed-size field runs past the end")
            data, pos = bytes(buf[pos:pos + size]), pos + size
        else:
            raise Malformed(f"wire type {wire_type} is not used by this protocol")
        yield Field(number, wire_type, bytes(buf[start:pos]), data, varint)


def embedded(buf: bytes, number: int) -> bytes | None:
    """The bytes of sub-message field ``number``, as they were sent.

    Several occurrences of one embedded field merge; for messages that is
    the concatenation of their bytes. None when the field is absent.
    """
    parts = [f.data for f in fields(buf) if f.number == number and f.wire_type == LEN]
    return b"".join(parts) if parts else None


def embedded_all(buf: bytes, number: int) -> list[bytes]:
    """Every occurrence of repeated sub-message field ``number``, in order."""
    return [f.data for f in fields(buf) if f.number == number and f.wire_type == LEN]


def length_delimited(number: int, value: bytes) -> bytes:
    """A LEN record: what an encoder writes for a string, bytes or message field."""
    return encode_varint(number << 3 | LEN) + encode_varint(len(value)) + value
