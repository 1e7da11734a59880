"""Publisher against a real daemon: acks, typed errors, idempotent retries."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from newswire import Publisher, QueryClient, content_hash, errors

STORY = {"id": "py-pub-1", "feed": "wire-test", "headline": "First", "urgency": 3}


def test_ack_names_the_durable_revision(daemon: Any) -> None:
    before = time.time_ns()
    with Publisher(daemon.hub, publisher_id="desk") as publisher, QueryClient(daemon.hub) as query:
        ack = publisher.publish(STORY)
        stored = query.get("py-pub-1")
    assert (ack.article_id, ack.version, ack.wire_seq, ack.duplicate, ack.held) == (
        "py-pub-1", 1, 1, False, False)
    assert ack.content_hash == content_hash(stored.canonical) == stored.content_hash
    assert before <= ack.wire_time_ns <= time.time_ns()
    assert stored.verified and stored.article.urgency == 3


def test_a_retry_with_the_same_key_is_acked_as_the_first_publish(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher, QueryClient(daemon.hub) as query:
        first = publisher.publish(STORY, publisher_key="k-1")
        again = publisher.publish(STORY, publisher_key="k-1")
        assert again.duplicate and not first.duplicate
        assert (again.version, again.wire_seq, again.content_hash) == (
            first.version, first.wire_seq, first.content_hash)
        assert len(query.history("py-pub-1")) == 1


def test_a_publish_resent_after_a_timeout_makes_one_revision(daemon: Any) -> None:
    """The daemon stops answering (SIGSTOP); the client resends under the same
    key until it answers again; the story gets one version, not several."""
    publisher = Publisher(daemon.hub, attempt_timeout=0.2, attempts=100)
    outcome: list[Any] = []
    daemon.pause()
    thread = threading.Thread(target=lambda: outcome.append(publisher.publish(STORY)))
    thread.start()
    deadline = time.monotonic() + 20
    while publisher.resends < 2 and time.monotonic() < deadline:
        thread.join(0.05)  # Waits for the client's own timeouts, with a deadline.
    daemon.resume()
    thread.join(20)
    publisher.close()
    assert publisher.resends >= 2
    assert outcome and outcome[0].version == 1
    with QueryClient(daemon.hub) as query:
        assert [e.version for e in query.history("py-pub-1")] == [1]


def test_a_stale_base_version_is_a_version_conflict_naming_the_head(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher:
        publisher.publish(STORY)
        publisher.publish(dict(STORY, headline="Second"), base_version=1)
        with pytest.raises(errors.VersionConflict) as raised:
            publisher.publish(dict(STORY, headline="Third"), base_version=1)
    assert raised.value.code == 3 and raised.value.current_version == 2
    assert isinstance(raised.value, errors.NewswireError)
    assert str(raised.value) == ("version conflict: edited from version 1 but py-pub-1 is at "
                                 "version 2")


def test_an_invalid_article_is_refused_with_the_field_named(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher:
        with pytest.raises(errors.InvalidArticle) as raised:
            publisher.publish(dict(STORY, urgency=12))
        assert raised.value.message == "urgency must be 1 (flash) to 9"
        with pytest.raises(errors.Malformed):
            publisher.publish({"id": "x", "no_such_field": 1})  # Refused before sending.


def test_an_embargoed_publish_is_acked_as_held(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher, QueryClient(daemon.hub) as query:
        ack = publisher.publish(dict(STORY, embargoed="2099-01-01T00:00:00Z"))
        assert ack.held and ack.version == 0 and ack.wire_seq == 0
        assert ack.embargoed_until_ns == 4070908800 * 10**9
        with pytest.raises(errors.NotFound):
            query.get("py-pub-1")


def test_pipelined_sends_are_answered_by_request_id(daemon: Any) -> None:
    with Publisher(daemon.hub) as publisher:
        sent = {publisher.send(dict(STORY, id=f"py-pipe-{i}")): f"py-pipe-{i}" for i in range(50)}
        answered = dict(publisher.receive(10) for _ in sent)
    assert {rid: ack.article_id for rid, ack in answered.items()} == sent
    assert sorted(ack.wire_seq for ack in answered.values()) == list(range(1, 51))


def test_a_hub_that_never_answers_is_unavailable() -> None:
    with socket.socket() as silent:  # Accepts connections into its backlog, answers nothing.
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        hub = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        with Publisher(hub, attempt_timeout=0.2, attempts=2) as publisher:
            with pytest.raises(errors.Unavailable) as raised:
                publisher.publish(STORY)
    assert raised.value.code == 8 and publisher.resends == 1
