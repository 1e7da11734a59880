"""Replay: the wire as it happened, from the store, and as a DataFrame.

Every revision in a wire-time range, in wire order, each as the event the
live wire sent, rebuilt and verified like a live delivery. Point-in-time: it
reads by wire time (when a revision became available to subscribers), so no
text shows before it was published. Pages come from the query service one
ahead of use, so memory stays bounded by two pages per channel.
"""

from __future__ import annotations

import heapq
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ._pb import article_pb2
from .query import QueryClient
from .rebuild import Rebuilder
from .security import Curve
from .subscriber import Delivery
from .times import TimeLike, to_ns
from .wire import Hub, channel_topics, parse_hub, scope_topics

if TYPE_CHECKING:  # pandas is an optional dependency (the "pandas" extra).
    import pandas


def replay(hub: str | Hub, start: TimeLike, end: TimeLike | None = None, *,
           feeds: Iterable[str] = (), instruments: Iterable[str] = (),
           topics: Iterable[str] = (), speed: float = 0, page_size: int = 500,
           query_timeout: float = 5.0, max_held_articles: int = 100_000,
           clock: Callable[[], float] = time.monotonic,
           sleep: Callable[[float], None] = time.sleep,
           curve: Curve | None = None) -> Iterator[Delivery]:
    """Every revision with wire time in [start, end] (end None: to the end of
    the log as it is when reached), on the selected channels (none: the whole
    wire), in wire order. ``speed`` 0 replays as fast as possible; 1 at the
    original spacing; 10 ten times faster. ``curve`` for a secure daemon: a
    reader granted only some feeds reads, in place of the mixed channels,
    those of its feeds (:func:`newswire.wire.scope_topics`)."""
    if speed < 0:
        raise ValueError("replay speed must be 0 or positive")
    end_ns = None if end is None else to_ns(end)
    channels = channel_topics(feeds, instruments, topics)
    query = QueryClient(parse_hub(hub), timeout=query_timeout, curve=curve)
    if curve is not None:
        try:
            channels = scope_topics(channels, query.get_access())
        except BaseException:
            query.close()
            raise
    rebuilder = Rebuilder(lambda i, v: query.get(i, v).canonical, max_held_articles)
    streams = [((c, r) for r in query.iter_log(
        QueryClient.log_request(c, from_time=start, limit=page_size))) for c in channels]
    first_ns: int | None = None
    started = 0.0
    last_wire_seq = 0
    try:
        for channel, record in heapq.merge(*streams, key=lambda item: item[1].event.wire_seq):
            event = record.event
            if event.wire_seq <= last_wire_seq:
                continue  # The same revision on another channel.
            last_wire_seq = event.wire_seq
            wire_ns = event.wire_time.seconds * 1_000_000_000 + event.wire_time.nanos
            if end_ns is not None and wire_ns > end_ns:
                return
            if speed > 0:  # Revision i is due at start + (t_i - t_0) / speed.
                if first_ns is None:
                    first_ns, started = wire_ns, clock()
                due = started + (wire_ns - first_ns) / 1e9 / speed
                if due > clock():
                    sleep(due - clock())
            rebuilt = rebuilder.rebuild(record.event_bytes, record.full)
            yield Delivery(record.event_bytes, rebuilt.canonical, rebuilt.verified,
                           rebuilt.repaired, recovered=True, problem=rebuilt.problem,
                           channel=channel, channel_seq=record.seq, previous=rebuilt.previous)
    finally:
        query.close()


_NAT = -(1 << 63)  # numpy's NaT as int64 nanoseconds.
COLUMNS = (
    "wire_seq", "wire_time", "superseded_at", "article_id", "version", "feed", "pubstatus",
    "urgency", "flash", "update", "correction", "killed", "withheld", "headline", "key_points",
    "body", "ednote", "byline", "source", "language", "instruments", "topics", "firstcreated",
    "versioncreated", "embargoed", "time_zone", "payload", "event_bytes", "full_bytes",
    "content_hash", "verified", "repaired")


def _ns(article: article_pb2.Article, name: str) -> int | None:
    if name not in article_pb2.Article.DESCRIPTOR.fields_by_name or not article.HasField(name):
        return None
    ts = getattr(article, name)
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


def _row(d: Delivery) -> dict[str, Any]:
    a = d.article
    known = article_pb2.Article.DESCRIPTOR.fields_by_name

    def text(name: str) -> str | None:  # None for a field this schema does not have.
        return getattr(a, name) if name in known else None

    return {
        "wire_seq": d.wire_seq, "wire_time": d.wire_time_ns, "superseded_at": None,
        "article_id": d.article_id, "version": d.version, "feed": a.feed,
        "pubstatus": article_pb2.PubStatus.Name(a.pubstatus).removeprefix("PUB_STATUS_"),
        "urgency": a.urgency, "flash": d.flash, "update": d.update, "correction": d.correction,
        "killed": d.killed, "withheld": d.withheld, "headline": a.headline,
        "key_points": list(a.key_points), "body": list(a.body), "ednote": text("ednote"),
        "byline": text("byline"), "source": text("source"), "language": text("language"),
        "instruments": [f"{i.exchange}:{i.symbol}" for i in a.instruments],
        "topics": list(a.topics), "firstcreated": _ns(a, "firstcreated"),
        "versioncreated": _ns(a, "versioncreated"), "embargoed": _ns(a, "embargoed"),
        "time_zone": text("time_zone"), "payload": d.payload, "event_bytes": len(d.event_bytes),
        "full_bytes": d.event.full_bytes, "content_hash": d.event.content_hash.hex(),
        "verified": d.verified, "repaired": d.repaired,
    }


def replay_frame(hub: str | Hub, start: TimeLike, end: TimeLike | None = None,
                 **options: Any) -> pandas.DataFrame:
    """Every revision in [start, end] as one row each, in wire order: the
    rebuilt article's fields, and the point-in-time columns a back-test needs:

    * ``wire_time``: when the revision became available to subscribers (the
      time a strategy may first act on it), UTC, nanoseconds;
    * ``superseded_at``: the wire time of the article's next version in the
      frame (NaT if none): this row is the article's text in
      [wire_time, superseded_at);
    * ``versioncreated``/``firstcreated``: the editorial times the
      publisher stated, which are not when anyone could read it.

    ``options`` as for :func:`replay` (channels, page size, ...), at full
    speed. Needs pandas (the ``pandas`` extra; Debian: python3-pandas).
    """
    try:
        import numpy
        import pandas
    except ImportError:
        raise ImportError("replay_frame needs pandas (Debian: apt-get install python3-pandas; "
                          "pip: the newswire[pandas] extra)") from None
    rows = [_row(d) for d in replay(hub, start, end, **options)]
    latest: dict[str, int] = {}
    for index in range(len(rows) - 1, -1, -1):  # Walk back: the next version is seen first.
        row = rows[index]
        row["superseded_at"] = latest.get(row["article_id"])
        latest[row["article_id"]] = row["wire_time"]
    frame = pandas.DataFrame(rows, columns=list(COLUMNS))
    for column in ("wire_time", "superseded_at", "firstcreated", "versioncreated", "embargoed"):
        # Through int64 nanoseconds (the smallest int64 is NaT): a float column
        # would lose the nanoseconds.
        nanos = numpy.array([_NAT if r[column] is None else r[column] for r in rows],
                            dtype="int64")
        frame[column] = pandas.to_datetime(nanos.view("datetime64[ns]"), utc=True)
    return frame
