"""Figure changes: this client computes exactly what the daemon's C++ library
computes (the vectors of proto/testdata/figures.json, made by it), and a
subscriber hands them out on the revisions it delivers."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import vectors
from google.protobuf import json_format

from newswire import Delivery, Publisher, Subscriber, article_pb2, replay
from newswire.figures import figure_changes, find_figures, parse_figure_value

FIGURES = vectors("figures.json")


def article(json_object: dict[str, Any]) -> article_pb2.Article:
    return json_format.ParseDict(json_object, article_pb2.Article())


@pytest.mark.parametrize("case", FIGURES["values"], ids=lambda c: f"{c['number']}:{c['language']}")
def test_a_number_reads_as_the_vector_value(case: dict[str, Any]) -> None:
    assert parse_figure_value(case["number"], case["language"]) == case["value"]


@pytest.mark.parametrize("case", FIGURES["texts"], ids=lambda c: c["name"][:40])
def test_a_text_holds_the_vector_figures(case: dict[str, Any]) -> None:
    found = find_figures(case["text"], case["language"])
    assert [f.to_dict() for f in found] == case["figures"]
    for f in found:
        assert case["text"][f.begin:f.end] == f.text


@pytest.mark.parametrize("case", FIGURES["changes"], ids=lambda c: c["name"][:40])
def test_a_revision_changes_the_vector_figures(case: dict[str, Any]) -> None:
    changes = figure_changes(article(case["base"]), article(case["result"]))
    assert [c.to_dict() for c in changes] == case["figures"]
    assert [str(c) for c in changes] == case["lines"]


def test_the_vectors_cover_what_the_protocol_promises() -> None:
    """Every kind of change, every place, and the scripts the recipe names."""
    changes = [f for case in FIGURES["changes"] for f in case["figures"]]
    assert {c["change"] for c in changes} == {"added", "removed", "changed"}
    assert {c["field"] for c in changes} == {"headline", "key_points", "body"}
    assert any(not case["figures"] for case in FIGURES["changes"])  # Only words changed.
    languages = {case["result"].get("language") for case in FIGURES["changes"]}
    assert {"en", "ja", "th"} <= languages


def test_figure_changes_without_pyicu_name_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from newswire import _tokens
    monkeypatch.setattr(_tokens, "icu", None)
    with pytest.raises(ImportError, match="python3-icu"):
        find_figures("3.2%")


def story(body: list[str], **fields: Any) -> dict[str, Any]:
    return {"id": "nw-fig-1", "feed": "equities-asia", "language": "en",
            "headline": "Minato shares rise", "body": body, **fields}


V1 = story(["Kaito is in talks to buy Minato.",
            "Minato shares rose 3.2% to 4,515 yen in the last half hour of trading."])
V2 = story(["Kaito is in talks to buy Minato.",
            "Minato shares rose 3.4% to 4,515 yen in the last half hour of trading."],
           signals=["SIGNAL_CORRECTION"])


def expected_correction(change: Any) -> None:
    assert change.to_dict() == {
        "change": "changed", "where": "paragraph 2", "field": "body", "index": 2,
        "before": {"text": "3.2%", "value": "3.2", "unit": "%"},
        "after": {"text": "3.4%", "value": "3.4", "unit": "%"},
        "context": "Minato shares rose … to 4,515 yen"}


def test_a_delivered_correction_carries_exactly_its_figure_change(daemon: Any) -> None:
    with Subscriber(daemon.hub, feeds=["equities-asia"]) as subscriber, \
            Publisher(daemon.hub, publisher_id="desk") as publisher:
        first = publisher.publish(V1)
        publisher.publish(V2, base_version=first.version)
        deliveries: list[Delivery] = []
        while len(deliveries) < 2:
            notice = subscriber.next(timeout=10)
            assert notice is not None, "no delivery within 10 s"
            if isinstance(notice, Delivery):
                deliveries.append(notice)
    v1, v2 = deliveries
    assert v1.figure_changes is None  # Version 1: nothing to compare with.
    assert v2.verified and v2.correction and v2.payload != "full"
    assert len(v2.figure_changes) == 1
    expected_correction(v2.figure_changes[0])
    assert str(v2.figure_changes[0]) == \
        '3.2% → 3.4% (paragraph 2: "Minato shares rose … to 4,515 yen")'


def test_replay_carries_figure_changes_of_stories_it_saw_from_the_start(daemon: Any) -> None:
    with Publisher(daemon.hub, publisher_id="desk") as publisher:
        first = publisher.publish(V1)
        publisher.publish(V2, base_version=first.version)
        words = publisher.publish(story(["Kaito is in talks to buy Minato.", "Minato stock "
                                         "climbed 3.4% to 4,515 yen in the last half hour of "
                                         "trading."]), base_version=first.version + 1)
    replayed = list(replay(daemon.hub, 0, feeds=["equities-asia"]))
    assert [d.version for d in replayed] == [1, 2, words.version]
    assert replayed[0].figure_changes is None
    assert len(replayed[1].figure_changes) == 1
    expected_correction(replayed[1].figure_changes[0])
    assert replayed[2].figure_changes == []  # Only words changed.
    # A replay that starts after version 1 did not hold it: unknown, not empty.
    later = list(replay(daemon.hub, replayed[1].wire_time_ns, feeds=["equities-asia"]))
    assert [d.version for d in later] == [2, 3]
    assert later[0].figure_changes is None
    assert later[1].figure_changes == []
