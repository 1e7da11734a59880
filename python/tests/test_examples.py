"""The examples in python/examples run against a real daemon."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conftest import ROOT, publish_wire_vectors
from newswire import Publisher

EXAMPLES = ROOT / "python" / "examples"


def run(script: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_follow_feed_resumes_from_its_cursor(daemon: Any, tmp_path: Path) -> None:
    publish_wire_vectors(daemon.hub, "wire-smallest.json")
    cursor = tmp_path / "cursor"
    first = run("follow_feed.py", "--hub", daemon.hub, "--feed", "macro-asia", "--since", "1",
                "--cursor", str(cursor), "--count", "2")
    assert "#2 nw-20261125-boj v1" in first and "FLASH" in first
    assert "#3 nw-20261125-boj v2" in first and cursor.read_text() == "3\n"
    rest = run("follow_feed.py", "--hub", daemon.hub, "--feed", "macro-asia", "--cursor",
               str(cursor), "--count", "1")
    assert rest.startswith("#8 nw-20261125-boj v3") and "*** KILL ***" in rest


def test_follow_feed_prints_the_figures_a_correction_changed(daemon: Any) -> None:
    publish_wire_vectors(daemon.hub, "wire-smallest.json")
    out = run("follow_feed.py", "--hub", daemon.hub, "--feed", "equities-asia", "--since", "1",
              "--count", "5")
    assert "#7 nw-20261125-kaito-minato v3" in out
    assert ('    figures: 3.2% → 3.4% (paragraph 3: "Minato shares rose … to 4,515 yen")'
            in out.splitlines())


def test_replay_day_prints_the_days_revisions(daemon: Any) -> None:
    published = publish_wire_vectors(daemon.hub, "wire-smallest.json")
    day = datetime.fromtimestamp(published[-1][1].wire_time_ns // 10**9, timezone.utc).date()
    out = run("replay_day.py", "--hub", daemon.hub, "--day", day.isoformat())
    assert " revisions of " in out and "all verified: True" in out
    assert "nw-20261125-boj" in out  # The last revision published is in its own day.


def test_follow_feed_on_a_secure_daemon(secure_daemon: Any, keys: Any) -> None:
    with Publisher(secure_daemon.hub, curve=keys.curve("newsroom")) as publisher:
        publisher.publish({"id": "nw-asia-1", "feed": "equities-asia", "headline": "Talks"})
    out = run("follow_feed.py", "--hub", secure_daemon.hub, "--since", "1", "--count", "1",
              "--key", str(keys.secret("desk-asia")), "--server-key", str(keys.public("wire")))
    assert out.startswith("#1 nw-asia-1 v1") and "Talks" in out
