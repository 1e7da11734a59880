"""Replay and replay_frame against a real daemon: wire order, point in time,
channel selection, pacing."""

from __future__ import annotations

from typing import Any

import pandas
from conftest import publish_wire_vectors

from newswire import replay, replay_frame

EPOCH = "1970-01-01T00:00:00Z"


def test_replay_frame_is_the_wire_in_order_with_point_in_time_columns(daemon: Any) -> None:
    published = publish_wire_vectors(daemon.hub, "wire-smallest.json")
    frame = replay_frame(daemon.hub, EPOCH)
    assert list(frame["wire_seq"]) == [ack.wire_seq for _, ack in published] == list(range(1, 9))
    assert list(frame["version"]) == [v["version"] for v, _ in published]
    assert frame["verified"].all() and not frame["repaired"].any()
    assert str(frame["wire_time"].dtype) == "datetime64[ns, UTC]"
    assert list(frame["wire_time"].astype("int64")) == [ack.wire_time_ns for _, ack in published]
    talks = frame[frame["article_id"] == "nw-20261125-kaito-minato"].reset_index()
    # Each version is the text from its wire time until the next version's.
    assert talks["superseded_at"][0] == talks["wire_time"][1]
    assert talks["superseded_at"][1] == talks["wire_time"][2]
    assert pandas.isna(talks["superseded_at"][2])
    # Editorial time is what the desk stated, not when it went out.
    assert talks["versioncreated"][1] == pandas.Timestamp("2026-11-25T07:20:00Z")
    kill = frame[(frame["article_id"] == "nw-20261125-boj") & (frame["version"] == 3)]
    assert kill["killed"].item() and kill["pubstatus"].item() == "CANCELED"
    assert kill["payload"].item() == "diff"
    assert frame["instruments"][3] == ["XTKS:9984"]


def test_replay_stops_at_the_end_of_its_range(daemon: Any) -> None:
    published = publish_wire_vectors(daemon.hub, "wire-smallest.json")
    end = published[3][1].wire_time_ns
    frame = replay_frame(daemon.hub, published[1][1].wire_time_ns, end)
    assert list(frame["wire_seq"]) == [2, 3, 4]
    assert frame["superseded_at"][0] == frame["wire_time"][1]  # The story's next version.
    assert pandas.isna(frame["superseded_at"][2])  # Its next version is past the range.
    assert replay_frame(daemon.hub, end + 10**12).empty


def test_replay_of_one_instrument_rebuilds_its_stories(daemon: Any) -> None:
    publish_wire_vectors(daemon.hub, "wire-smallest.json")
    got = list(replay(daemon.hub, EPOCH, instruments=["XNAS:ARM"]))
    # Only version 2 of the story named ARM: its base is fetched from the store.
    assert [(d.article_id, d.version, d.channel) for d in got] == [
        ("nw-20261125-softbank", 2, "i/XNAS:ARM|")]
    assert got[0].verified and got[0].repaired and got[0].problem == "base version not held"


def test_replay_keeps_the_original_spacing_scaled_by_speed(daemon: Any) -> None:
    published = publish_wire_vectors(daemon.hub, "wire-smallest.json")
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # A manual clock: time passes only when slept.
        slept.append(seconds)
        now[0] += seconds

    got = list(replay(daemon.hub, EPOCH, speed=10, clock=lambda: now[0], sleep=sleep))
    assert len(got) == 8
    span = (published[-1][1].wire_time_ns - published[0][1].wire_time_ns) / 1e9
    assert abs(sum(slept) - span / 10) < 1e-6
