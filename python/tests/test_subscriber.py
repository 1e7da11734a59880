"""Subscriber against a real daemon: every payload kind rebuilt and verified,
channels, flags, late join, resume, gap repair, restarts, stats."""

from __future__ import annotations

import time
from typing import Any

from conftest import publish_wire_vectors

from newswire import ConnectionChange, Delivery, Gap, Publisher, Stats, Subscriber


def read(subscriber: Subscriber, count: int, deadline_s: float = 30) -> list[Delivery]:
    """``count`` deliveries; fails on a Gap notice or at the deadline."""
    out: list[Delivery] = []
    deadline = time.monotonic() + deadline_s
    while len(out) < count and time.monotonic() < deadline:
        notice = subscriber.next(0.2)
        assert not isinstance(notice, Gap), notice
        if isinstance(notice, Delivery):
            out.append(notice)
    assert len(out) == count, f"{len(out)} of {count} revisions at the deadline"
    return out


def story(i: int, article: str = "py-story") -> dict[str, Any]:
    return {"id": f"{article}-{i % 5}", "feed": "wire-test", "headline": f"revision {i}",
            "body": [f"Paragraph {k} of revision {i}, long enough to diff." for k in range(3)]}


def publish_many(hub: str, count: int, first: int = 0) -> None:
    with Publisher(hub) as publisher:
        ids = [publisher.send(story(i)) for i in range(first, first + count)]
        for _ in ids:
            _, outcome = publisher.receive(10)
            assert not isinstance(outcome, Exception), outcome


def test_live_events_of_every_payload_kind_rebuild_to_the_vector_bytes(start_daemon: Any) -> None:
    for mode, kinds in (("smallest", {"full", "delta", "diff"}), ("diff", {"full", "diff"})):
        daemon = start_daemon("--payload", mode)
        with Subscriber(daemon.hub) as subscriber:
            published = publish_wire_vectors(daemon.hub, f"wire-{mode}.json")
            got = read(subscriber, len(published))
        for d, (vector, ack) in zip(got, published):
            assert (d.wire_seq, d.article_id, d.version) == (
                ack.wire_seq, vector["article_id"], vector["version"])
            assert d.verified and not d.repaired and not d.recovered, d.problem
            assert d.payload == vector["payload"]
            assert d.canonical == bytes.fromhex(vector["canonical_hex"])
            assert d.channel == "w|" and d.channel_seq == d.wire_seq
            assert d.wire_bytes > len(d.event_bytes) and 0 < d.lag_ns < 30 * 10**9
        assert {d.payload for d in got} == kinds


def test_channels_deliver_only_what_they_name(daemon: Any) -> None:
    with Subscriber(daemon.hub, instruments=["XTKS:9984"]) as by_instrument, \
            Subscriber(daemon.hub, topics=["M&A"], feeds=["macro-asia"]) as by_topic_or_feed:
        publish_wire_vectors(daemon.hub, "wire-smallest.json")
        softbank = read(by_instrument, 2)
        talks_and_boj = read(by_topic_or_feed, 6)
        assert by_instrument.next(0.3) is None
    assert [(d.article_id, d.version, d.channel, d.channel_seq) for d in softbank] == [
        ("nw-20261125-softbank", 1, "i/XTKS:9984|", 1), ("nw-20261125-softbank", 2,
                                                         "i/XTKS:9984|", 2)]
    assert [d.wire_seq for d in talks_and_boj] == [1, 2, 3, 5, 7, 8]
    assert {d.channel for d in talks_and_boj} == {"t/M&A|", "f/macro-asia|"}
    # The softbank story's version 1 was never on these channels; version 2 was, by instrument.
    assert all(d.verified and not d.repaired for d in softbank + talks_and_boj)


def test_kill_correction_flash_and_update_are_flagged(daemon: Any) -> None:
    with Subscriber(daemon.hub) as subscriber:
        publish_wire_vectors(daemon.hub, "wire-smallest.json")
        got = {(d.article_id, d.version): d for d in read(subscriber, 8)}
    boj_flash, boj_kill = got["nw-20261125-boj", 1], got["nw-20261125-boj", 3]
    assert boj_flash.flash and not boj_flash.killed
    assert boj_kill.killed and boj_kill.payload == "diff"
    assert got["nw-20261125-softbank", 2].correction
    assert got["nw-20261125-kaito-minato", 2].update
    assert not got["nw-20261125-kaito-minato", 2].correction
    assert got["nw-20261125-kaito-minato", 3].correction


def test_a_late_joiner_gets_history_then_live_each_once(daemon: Any) -> None:
    publish_many(daemon.hub, 12)
    with Subscriber(daemon.hub, feeds=["wire-test"], topics=["none-such"],
                    since_wire_seq=3) as late:
        publish_many(daemon.hub, 4, first=12)
        got = read(late, 14)
        assert late.next(0.3) is None
    assert [d.wire_seq for d in got] == list(range(3, 17))
    assert all(d.recovered for d in got[:10]) and not any(d.recovered for d in got[10:])
    # History starting mid-story: the first revision of a story seen is fetched whole.
    assert all(d.verified for d in got)
    assert any(d.repaired for d in got[:5])


def test_since_time_starts_at_the_first_revision_at_or_after_it(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher:
        publisher.publish(story(0))
        second = publisher.publish(story(1))
        publisher.publish(story(2))
    with Subscriber(daemon.hub, since_time=second.wire_time_ns) as late:
        assert [d.wire_seq for d in read(late, 2)] == [2, 3]


def test_a_restarted_subscriber_resumes_from_its_cursor(daemon: Any) -> None:
    with Subscriber(daemon.hub) as first:
        publish_many(daemon.hub, 3)
        read(first, 3)
        cursor = first.last_delivered_wire_seq
    assert cursor == 3
    publish_many(daemon.hub, 4, first=3)
    with Subscriber(daemon.hub, since_wire_seq=cursor + 1) as resumed:
        assert [d.wire_seq for d in read(resumed, 4)] == [4, 5, 6, 7]
        assert resumed.next(0.3) is None
        assert resumed.last_delivered_wire_seq == 7
        assert resumed.lag().sequences_behind == 0


def test_drops_past_the_high_water_mark_are_repaired_in_order(start_daemon: Any) -> None:
    daemon = start_daemon("--fanout-hwm", "20")
    with Subscriber(daemon.hub, receive_hwm=20) as subscriber:
        publish_many(daemon.hub, 1500)  # Nobody reads meanwhile: ZeroMQ drops.
        got = read(subscriber, 1500, deadline_s=60)
        assert subscriber.lag().sequences_behind == 0
    assert [d.wire_seq for d in got] == list(range(1, 1501))
    assert all(d.verified for d in got)
    assert any(d.recovered for d in got), "the test meant to overflow the high-water mark"


def test_a_daemon_restart_is_survived_without_gaps(daemon: Any) -> None:
    with Subscriber(daemon.hub) as subscriber:
        publish_many(daemon.hub, 3)
        read(subscriber, 3)
        daemon.restart()
        publish_many(daemon.hub, 3, first=3)
        got: list[Delivery] = []
        changes: list[ConnectionChange] = []
        deadline = time.monotonic() + 30
        while len(got) < 3 and time.monotonic() < deadline:
            notice = subscriber.next(0.2)
            assert not isinstance(notice, Gap), notice
            if isinstance(notice, Delivery):
                got.append(notice)
            elif isinstance(notice, ConnectionChange):
                changes.append(notice)
    assert [d.wire_seq for d in got] == [4, 5, 6]
    assert all(d.verified for d in got)
    assert changes and not changes[0].connected


def test_the_stats_channel_reports_the_wire(daemon: Any) -> None:
    publish_many(daemon.hub, 2)
    with Subscriber(daemon.hub, stats=True) as subscriber:
        deadline = time.monotonic() + 10
        stats = None
        while stats is None and time.monotonic() < deadline:
            notice = subscriber.next(0.5)
            if isinstance(notice, Stats):
                stats = notice
    assert stats is not None and stats.event.wire_seq == 2 and stats.seq >= 1


def test_an_older_terms_event_past_where_a_newer_began_is_refused() -> None:
    # docs/wire-protocol.md, RevisionEvent.epoch: terms only grow along the wire.
    from newswire.subscriber import _TermFence

    fence = _TermFence()
    assert fence.admit(7, 100) and fence.admit(7, 101)
    assert fence.admit(9, 102)  # A failover: the new term begins at 102.
    assert not fence.admit(7, 102) and not fence.admit(7, 150)  # The fenced primary's.
    assert fence.admit(7, 99)  # History before the new term stands.
    assert all(_TermFence().admit(0, seq) for seq in range(1, 4))  # No cluster: never fenced.
