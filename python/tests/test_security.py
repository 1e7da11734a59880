"""CURVE against a real secure daemon (conftest's secure_daemon: keys from
``newswire keygen``, an access file granting IDENTITIES): the key files as
the C++ reads them, publishing and following with the grants of one's key,
feed-scoped channels for a reader of some feeds, and failed handshakes as
``Unauthorized`` errors that say what to fix, long before any timeout."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import IDENTITIES, Daemon, Keys, write_access_file
from newswire import (AccessDenied, Curve, Delivery, Publisher, QueryClient, Subscriber, errors,
                      replay)
from newswire.security import read_public_key_file, read_secret_key_file


def article(article_id: str, feed: str, headline: str) -> dict[str, Any]:
    return {"id": article_id, "feed": feed, "headline": headline, "language": "en",
            "body": [f"{headline}."], "instruments": [{"exchange": "XTKS", "symbol": "9984"}],
            "topics": ["M&A"]}


def next_delivery(subscriber: Subscriber, timeout: float = 10.0) -> Delivery:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        notice = subscriber.next(left)
        if isinstance(notice, Delivery):
            return notice
        assert notice is None or not isinstance(notice, AccessDenied), notice
    raise AssertionError(f"no delivery within {timeout} s")


# ---- key files -------------------------------------------------------------------------

def test_curve_reads_the_key_files_keygen_writes(keys: Keys) -> None:
    curve = keys.curve("desk-asia")
    text = keys.secret("desk-asia").read_text()
    assert f'secret_key = "{curve.secret_key}"' in text
    assert f'public_key = "{curve.public_key}"' in text
    assert curve.server_key == read_public_key_file(str(keys.public("wire")))
    assert read_secret_key_file(str(keys.secret("wire")))[0] == curve.server_key
    assert curve.secret_key not in repr(curve)


def test_key_files_that_are_not_keys_are_refused_saying_why(keys: Keys, tmp_path: Path) -> None:
    shared = keys.make("shared")
    os.chmod(shared, 0o644)
    with pytest.raises(errors.Malformed, match=r"others may read \(mode 0644\): chmod 600"):
        Curve.from_files(shared, keys.public("wire"))

    def secret_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        path.chmod(0o600)
        return path

    short = secret_file("short.key", 'secret_key = "abc"\n')
    with pytest.raises(errors.Malformed, match="secret_key must be a 40-character Z85 key"):
        Curve.from_files(short, keys.public("wire"))
    garbage = secret_file("garbage.key", "secret_key = \n")
    with pytest.raises(errors.Malformed, match="garbage.key: not a key file"):
        Curve.from_files(garbage, keys.public("wire"))
    other = read_secret_key_file(str(keys.secret("desk-us")))
    mixed = secret_file("mixed.key", f'public_key = "{other[0]}"\n'
                        f'secret_key = "{keys.curve("desk-asia").secret_key}"\n')
    with pytest.raises(errors.Malformed, match="public_key is not the public half of secret_key"):
        Curve.from_files(mixed, keys.public("wire"))
    with pytest.raises(errors.Malformed, match="public_key must be a 40-character Z85 key"):
        Curve.from_files(keys.secret("desk-asia"), short)
    with pytest.raises(errors.NotFound, match="cannot read .*absent.pub"):
        Curve.from_files(keys.secret("desk-asia"), tmp_path / "absent.pub")
    with pytest.raises(errors.Malformed, match="needs both"):
        Curve.from_files(keys.secret("desk-asia"), "")


# ---- granted ---------------------------------------------------------------------------

def test_publisher_key_publishes_and_a_reader_of_the_feed_receives_it(
        secure_daemon: Daemon, keys: Keys) -> None:
    hub = secure_daemon.hub
    with Subscriber(hub, curve=keys.curve("desk-asia")) as whole_wire, \
            Subscriber(hub, instruments=["XTKS:9984"], topics=["M&A"],
                       curve=keys.curve("desk-asia")) as scoped, \
            Subscriber(hub, instruments=["XTKS:9984"], curve=keys.curve("desk-all")) as mixed, \
            Publisher(hub, publisher_id="claims-to-be-someone", curve=keys.curve("newsroom")
                      ) as publisher:
        # A reader of one feed follows its channels; a reader of all, the mixed ones.
        assert whole_wire.channels == ["f/equities-asia|"]
        assert scoped.channels == ["f/equities-asia/i/XTKS:9984|", "f/equities-asia/t/M&A|"]
        assert mixed.channels == ["i/XTKS:9984|"]
        ack = publisher.publish(article("nw-asia-1", "equities-asia", "SoftBank talks"))
        assert ack.version == 1
        for subscriber in (whole_wire, scoped, mixed):
            delivery = next_delivery(subscriber)
            assert (delivery.article_id, delivery.version, delivery.verified) == \
                ("nw-asia-1", 1, True)
            assert delivery.article.headline == "SoftBank talks"
            assert delivery.wire_seq == ack.wire_seq
        # The daemon records the key's identity as the publisher.
        with QueryClient(hub, curve=keys.curve("desk-asia")) as query:
            assert query.history("nw-asia-1")[0].publisher_id == "newsroom"


def test_reader_of_another_feed_receives_only_its_own(secure_daemon: Daemon, keys: Keys) -> None:
    hub = secure_daemon.hub
    with Subscriber(hub, instruments=["XTKS:9984"], curve=keys.curve("desk-us")) as desk_us, \
            Subscriber(hub, curve=keys.curve("desk-us")) as desk_us_wire, \
            Publisher(hub, curve=keys.curve("newsroom")) as publisher:
        assert desk_us.channels == ["f/equities-us/i/XTKS:9984|"]
        assert desk_us_wire.channels == ["f/equities-us|"]
        publisher.publish(article("nw-asia-1", "equities-asia", "Asia only"))
        us_ack = publisher.publish(article("nw-us-1", "equities-us", "US story on SoftBank"))
        # Wire order: had the Asia story come, it would come first.
        for subscriber in (desk_us, desk_us_wire):
            delivery = next_delivery(subscriber)
            assert (delivery.article_id, delivery.wire_seq) == ("nw-us-1", us_ack.wire_seq)
            assert subscriber.next(0.3) is None

    # A channel of a feed not granted is refused, saying so.
    with pytest.raises(errors.Unauthorized, match=r"f/equities-asia\|: .*equities-us"):
        Subscriber(hub, feeds=["equities-asia"], curve=keys.curve("desk-us"), connect_timeout=10)
    # A key without the publisher role publishes nothing.
    with Publisher(hub, curve=keys.curve("desk-us")) as reader:
        with pytest.raises(errors.Unauthorized):
            reader.publish(article("nw-us-2", "equities-us", "Not a publisher"))


def test_query_and_replay_with_curve(secure_daemon: Daemon, keys: Keys) -> None:
    hub = secure_daemon.hub
    with Publisher(hub, curve=keys.curve("newsroom")) as publisher:
        asia = publisher.publish(article("nw-asia-1", "equities-asia", "Asia"))
        us = publisher.publish(article("nw-us-1", "equities-us", "US"))
    with QueryClient(hub, curve=keys.curve("desk-asia")) as query:
        access = query.get_access()
        assert (access.identity, access.secure, list(access.roles)) == \
            ("desk-asia", True, ["subscriber"])
        assert (access.read.all, list(access.read.feeds)) == (False, ["equities-asia"])
        got = query.get("nw-asia-1")
        assert got.verified and got.article.headline == "Asia" and got.wire_seq == asia.wire_seq
        with pytest.raises(errors.NotFound):
            query.get("nw-us-1")
        with pytest.raises(errors.Unauthorized):
            query.read_log(QueryClient.log_request("w|"))
    assert [d.article_id for d in replay(hub, 0, curve=keys.curve("desk-asia"))] == ["nw-asia-1"]
    assert [d.article_id for d in replay(hub, 0, instruments=["XTKS:9984"],
                                         curve=keys.curve("desk-us"))] == ["nw-us-1"]
    everything = list(replay(hub, 0, curve=keys.curve("desk-all")))
    assert [(d.article_id, d.wire_seq, d.verified) for d in everything] == \
        [("nw-asia-1", asia.wire_seq, True), ("nw-us-1", us.wire_seq, True)]


# ---- refused handshakes ------------------------------------------------------------------

def quickly(seconds: float = 3.0) -> Any:
    """Asserts the block took less than ``seconds``: an error, not a timeout."""
    class Timer:
        def __enter__(self) -> None:
            self.start = time.monotonic()

        def __exit__(self, *_: object) -> None:
            assert time.monotonic() - self.start < seconds
    return Timer()


def test_unknown_key_is_unauthorized_at_once(secure_daemon: Daemon, keys: Keys) -> None:
    hub = secure_daemon.hub
    stranger = keys.curve("stranger")
    refused = "refused this client's key .*not in the daemon's access file"
    with quickly(), Publisher(hub, curve=stranger, attempt_timeout=20) as publisher:
        with pytest.raises(errors.Unauthorized, match=refused):
            publisher.publish(article("nw-x", "equities-asia", "Stranger"))
    with quickly(), QueryClient(hub, curve=stranger, timeout=20) as query:
        with pytest.raises(errors.Unauthorized, match=refused):
            query.get("nw-x")
    with quickly(), pytest.raises(errors.Unauthorized, match=refused):
        Subscriber(hub, curve=stranger, connect_timeout=20, query_timeout=20)
    with quickly(), pytest.raises(errors.Unauthorized, match=refused):
        next(replay(hub, 0, curve=stranger, query_timeout=20))


def test_client_without_curve_is_told_the_daemon_requires_it(secure_daemon: Daemon) -> None:
    hub = secure_daemon.hub
    # The daemon's mechanism mismatch, or its hanging up first: both name the fix.
    requires = r"requires CURVE[:,] give this client curve=Curve.from_files"
    with quickly(), Publisher(hub, attempt_timeout=20) as publisher:
        with pytest.raises(errors.Unauthorized, match=requires):
            publisher.publish(article("nw-x", "equities-asia", "In clear"))
    with quickly(), QueryClient(hub, timeout=20) as query:
        with pytest.raises(errors.Unauthorized, match=requires):
            query.get("nw-x")
    with quickly(), pytest.raises(errors.Unauthorized, match=requires):
        Subscriber(hub, connect_timeout=20)


def test_wrong_server_key_is_named(secure_daemon: Daemon, keys: Keys) -> None:
    own = keys.curve("desk-asia")
    wrong = Curve(own.public_key, own.secret_key, read_public_key_file(str(keys.public("desk-us"))))
    with quickly(), QueryClient(secure_daemon.hub, curve=wrong, timeout=20) as query:
        with pytest.raises(errors.Unauthorized, match="is the server key the daemon's public key"):
            query.get("nw-x")


def test_curve_against_a_daemon_without_security_is_named(daemon: Daemon, keys: Keys) -> None:
    with quickly(), QueryClient(daemon.hub, curve=keys.curve("desk-asia"), timeout=20) as query:
        # The daemon's mechanism mismatch, or its hanging up first.
        with pytest.raises(errors.Unauthorized, match="does not speak CURVE|CURVE handshake .* "
                           "broke off"):
            query.get("nw-x")


def test_a_reload_that_takes_a_feed_away_is_an_access_denied_notice(
        secure_daemon: Daemon, keys: Keys, tmp_path: Path) -> None:
    with Subscriber(secure_daemon.hub, curve=keys.curve("desk-asia")) as subscriber:
        assert subscriber.channels == ["f/equities-asia|"]
        narrowed = dict(IDENTITIES, **{"desk-asia": (["subscriber"], [], ["equities-us"])})
        write_access_file(tmp_path / "access.toml", keys, narrowed)
        secure_daemon.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while (left := deadline - time.monotonic()) > 0:
            notice = subscriber.next(left)
            if isinstance(notice, AccessDenied):
                break
        else:
            raise AssertionError("no AccessDenied within 10 s")
        assert notice.channel == "f/equities-asia|"
        assert "equities-us" in notice.reason
        assert subscriber.channels == []
