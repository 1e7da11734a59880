"""Fixtures: a real newswired on free loopback ports with its store in a temp
folder, and the wire protocol's test vectors (proto/testdata).

The daemon binary comes from $NEWSWIRED (scripts/test.sh and ctest set it),
else build/daemon/newswired in this checkout. Every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from newswire import Publisher

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "proto" / "testdata"


def newswired_path() -> str:
    path = os.environ.get("NEWSWIRED") or str(ROOT / "build" / "daemon" / "newswired")
    if not os.access(path, os.X_OK):
        pytest.exit(f"no newswired at {path}: build it, or set NEWSWIRED", returncode=2)
    return path


class Daemon:
    """A newswired process; ``hub`` is its tcp://HOST:PORT once ready."""

    def __init__(self, data_dir: Path, *args: str, listen: str = "tcp://127.0.0.1:0") -> None:
        self.data_dir, self.args = data_dir, args
        self.hub = ""
        self._start(listen)

    def _start(self, listen: str) -> None:
        self.log = open(self.data_dir.parent / f"{self.data_dir.name}.log", "ab")
        self.process = subprocess.Popen(
            [newswired_path(), "--listen", listen, "--data-dir", str(self.data_dir),
             "--metrics-listen", "127.0.0.1:0", "--durability", "async", "--heartbeat-ms", "100",
             *self.args], stdout=subprocess.PIPE, stderr=self.log)
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 15
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                self.stop()
                raise RuntimeError(f"newswired did not print its ready line: {self.stderr()}")
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.process.wait(timeout=15)
                self.log.close()
                raise RuntimeError(f"newswired exited: {self.stderr()}")
            line += chunk
        words = line.decode().split()
        assert words[0] == "ready", line
        self.hub = words[1]

    def stderr(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / f"{self.data_dir.name}.log").read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.log.close()
        return self.process.returncode

    def restart(self) -> None:
        """Stops and starts again on the same ports and store; retries while
        another test's daemon holds the ports (up to 20 s)."""
        self.stop()
        deadline = time.monotonic() + 20
        while True:
            try:
                self._start(self.hub)
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # A retry's pause while the other daemon holds the ports.

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Any]:
    """Starts daemons (each with its own store) and stops them after the test."""
    daemons: list[Daemon] = []

    def start(*args: str) -> Daemon:
        daemon = Daemon(tmp_path / f"store{len(daemons)}", *args)
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        daemon.resume()
        daemon.stop()


@pytest.fixture
def daemon(start_daemon: Any) -> Daemon:
    return start_daemon()  # type: ignore[no-any-return]


def vectors(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())  # type: ignore[no-any-return]


def publish_wire_vectors(hub: str, name: str) -> list[tuple[dict[str, Any], Any]]:
    """Publishes the inputs of a wire-*.json vector file in order; returns
    (revision vector, ack) pairs."""
    out = []
    by_publisher: dict[str, Publisher] = {}
    try:
        for revision in vectors(name)["revisions"]:
            publisher = by_publisher.setdefault(revision["publisher_id"],
                                                Publisher(hub,
                                                          publisher_id=revision["publisher_id"]))
            ack = publisher.publish(revision["published"], base_version=revision["base_version"],
                                    publisher_key=revision["publisher_key"])
            out.append((revision, ack))
    finally:
        for publisher in by_publisher.values():
            publisher.close()
    return out
