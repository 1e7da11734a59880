"""Times on the wire: ``google.protobuf.Timestamp`` (UTC), nanoseconds here.

Inputs may be an aware ``datetime``, an RFC 3339 string
(``"2026-11-25T06:05:00Z"``), integer nanoseconds since the Unix epoch, or a
Timestamp. A naive ``datetime`` is refused: a wire serves every time zone,
so a time without one is ambiguous.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Union

from google.protobuf.timestamp_pb2 import Timestamp

TimeLike = Union[datetime, str, int, Timestamp]


def to_timestamp(value: TimeLike) -> Timestamp:
    ts = Timestamp()
    if isinstance(value, Timestamp):
        ts.CopyFrom(value)
    elif isinstance(value, bool):
        raise TypeError("a time, not a bool")
    elif isinstance(value, int):
        ts.seconds, ts.nanos = divmod(value, 1_000_000_000)
    elif isinstance(value, str):
        ts.FromJsonString(value)
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value} has no time zone; use an aware datetime (e.g. UTC)")
        delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
        ts.seconds = delta.days * 86400 + delta.seconds
        ts.nanos = delta.microseconds * 1000
    else:
        raise TypeError(f"not a time: {value!r}")
    return ts


def to_ns(value: TimeLike) -> int:
    ts = to_timestamp(value)
    return ts.seconds * 1_000_000_000 + ts.nanos


def ns_to_datetime(ns: int) -> datetime:
    """Aware UTC datetime (microseconds: Python's datetime holds no nanoseconds)."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(microsecond=nanos // 1000)
