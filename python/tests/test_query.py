"""QueryClient against a real daemon: get, at a version, as of a time,
history, diff, blame, log pages, feed heads, typed errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT, publish_wire_vectors

from newswire import Publisher, QueryClient, apply_diff, errors

TALKS = "nw-20261125-kaito-minato"


def test_get_latest_at_a_version_and_as_of_a_wire_time(daemon: Any) -> None:
    published = publish_wire_vectors(daemon.hub, "wire-smallest.json")
    talks = [(v, ack) for v, ack in published if v["article_id"] == TALKS]
    with QueryClient(daemon.hub) as query:
        latest = query.get(TALKS)
        assert latest.verified and latest.article.version == 3
        assert latest.canonical == bytes.fromhex(talks[2][0]["canonical_hex"])
        first = query.get(TALKS, 1)
        assert (first.article.version, first.wire_seq) == (1, 1)
        # As of version 2's wire time, version 2; a nanosecond before it, version 1.
        v2_time = talks[1][1].wire_time_ns
        assert query.get_as_of(TALKS, v2_time).article.version == 2
        assert query.get_as_of(TALKS, v2_time - 1).article.version == 1
        with pytest.raises(errors.NotFound):
            query.get_as_of(TALKS, talks[0][1].wire_time_ns - 1)
        with pytest.raises(errors.NotFound) as raised:
            query.get(TALKS, 9)
        assert raised.value.code == 6


def test_history_is_read_across_pages(daemon: Any) -> None:
    publish_wire_vectors(daemon.hub, "wire-smallest.json")
    with QueryClient(daemon.hub) as query:
        entries = query.history(TALKS, page_size=1)
    assert [(e.version, e.wire_seq) for e in entries] == [(1, 1), (2, 5), (3, 7)]
    assert entries[1].ednote == "Adds market reaction, analyst comment"
    assert entries[2].signals == [1, 2]  # SIGNAL_UPDATE, SIGNAL_CORRECTION: sorted.


def test_diff_between_any_two_versions_applies_and_blame_names_versions(daemon: Any) -> None:
    publish_wire_vectors(daemon.hub, "wire-smallest.json")
    with QueryClient(daemon.hub) as query:
        base, result, diff = query.diff(TALKS, 1, 3)
        assert apply_diff(base.canonical, diff.SerializeToString()) == result.canonical
        assert 3 in diff.replaced_fields and diff.HasField("ednote")
        blame = query.blame(TALKS)
    since = {(b.kind, b.index): b.since_version for b in blame}
    # Version 2 added key point 3 and paragraphs 3-4; version 3 corrected key point 3 and
    # paragraph 3; everything else reads as in version 1.
    assert since == {("key point", 1): 1, ("key point", 2): 1, ("key point", 3): 3,
                     ("key point", 4): 1, ("paragraph", 1): 1, ("paragraph", 2): 1,
                     ("paragraph", 3): 3, ("paragraph", 4): 2, ("paragraph", 5): 1,
                     ("paragraph", 6): 1}
    assert blame[2].text == "Minato shares jumped 3.4% in late trading after the report"


def test_log_pages_of_the_wire_and_of_a_channel(daemon: Any) -> None:
    publish_wire_vectors(daemon.hub, "wire-smallest.json")
    with QueryClient(daemon.hub) as query:
        page = query.read_log(query.log_request(limit=3))
        assert [r.seq for r in page.records] == [1, 2, 3]
        assert (page.next_seq, page.last_seq) == (4, 8)
        assert all(r.full is None for r in page.records)
        # A channel read from a wire sequence: its own sequences, events as sent.
        channel = query.read_log(query.log_request("f/equities-asia|", from_wire_seq=5,
                                                   with_full=True))
        assert [(r.seq, r.event.wire_seq) for r in channel.records] == [(3, 5), (4, 6), (5, 7)]
        assert all(r.full for r in channel.records)
        everything = list(query.iter_log(query.log_request(limit=2)))
        assert [r.event.wire_seq for r in everything] == list(range(1, 9))
        heads = query.feed_heads("equities-asia", page_size=1)
    assert [(h.article_id, h.version) for h in heads] == [(TALKS, 3),
                                                          ("nw-20261125-softbank", 2)]


def test_an_unknown_article_is_not_found(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher:
        publisher.publish(json.loads((ROOT / "examples/tokyo-talks/v1.json").read_text()))
    with QueryClient(daemon.hub) as query:
        with pytest.raises(errors.NotFound) as raised:
            query.history("no-such-story")
    assert raised.value.message == "no article no-such-story"


def test_snapshot_lists_every_story_at_its_version_then(daemon: Any) -> None:
    published = publish_wire_vectors(daemon.hub, "wire-smallest.json")
    talks = [(v, ack) for v, ack in published if v["article_id"] == TALKS]
    v2_time = talks[1][1].wire_time_ns
    with QueryClient(daemon.hub) as query:
        at, entries = query.snapshot(as_of=v2_time, page_size=1)
        assert at == talks[1][1].wire_seq
        versions = {e.article_id: e.version for e in entries}
        assert versions[TALKS] == 2
        assert all(e.wire_seq <= at for e in entries)
        now_at, now = query.snapshot(with_full=True)
        latest = {e.article_id: e for e in now}
        assert latest[TALKS].version == 3 and latest[TALKS].article.version == 3
        assert now_at >= at
        assert query.snapshot(as_of=talks[0][1].wire_time_ns - 1) == (0, [])
