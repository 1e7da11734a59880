"""Fixtures: a real newswired on free loopback ports with its store in a temp
folder, a secure one (CURVE keys from ``newswire keygen`` and an access
file), and the wire protocol's test vectors (proto/testdata).

The daemon binary comes from $NEWSWIRED (scripts/test.sh and ctest set it),
else build/daemon/newswired in this checkout; the CLI from $NEWSWIRE, else
cli/newswire in the daemon's build folder. Every wait has a deadline.
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

from newswire import Curve, Publisher
from newswire.security import read_public_key_file

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "proto" / "testdata"


def newswired_path() -> str:
    path = os.environ.get("NEWSWIRED") or str(ROOT / "build" / "daemon" / "newswired")
    if not os.access(path, os.X_OK):
        pytest.exit(f"no newswired at {path}: build it, or set NEWSWIRED", returncode=2)
    return path


def newswire_cli_path() -> str:
    path = os.environ.get("NEWSWIRE") or str(Path(newswired_path()).parents[1] / "cli" / "newswire")
    if not os.access(path, os.X_OK):
        pytest.exit(f"no newswire CLI at {path}: build it, or set NEWSWIRE", returncode=2)
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


class Keys:
    """CURVE key pairs made by ``newswire keygen`` in one folder: ``wire`` is
    the daemon's, every other name a client's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, exist_ok=True)

    def make(self, name: str) -> Path:
        """Writes NAME.key and NAME.pub; returns NAME.key."""
        subprocess.run([newswire_cli_path(), "keygen", "--name", name, "--dir", str(self.folder)],
                       check=True, capture_output=True, timeout=15)
        return self.secret(name)

    def secret(self, name: str) -> Path:
        return self.folder / f"{name}.key"

    def public(self, name: str) -> Path:
        return self.folder / f"{name}.pub"

    def curve(self, name: str) -> Curve:
        """The client ``name`` of a daemon whose key is ``wire``."""
        return Curve.from_files(self.secret(name), self.public("wire"))


# The secure daemon's identities: (roles, publish_feeds, read_feeds).
IDENTITIES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "newsroom": (["publisher"], ["equities-asia", "equities-us"], []),
    "desk-asia": (["subscriber"], [], ["equities-asia"]),
    "desk-us": (["subscriber"], [], ["equities-us"]),
    "desk-all": (["subscriber"], [], ["*"]),
}


def write_access_file(path: Path, keys: Keys,
                      identities: dict[str, tuple[list[str], list[str], list[str]]]) -> None:
    """The daemon's access file (README "Security") naming each identity's key."""
    lines = []
    for name, (roles, publish_feeds, read_feeds) in identities.items():
        lines += ["[[identity]]", f"name = {json.dumps(name)}",
                  f"public_key = {json.dumps(read_public_key_file(str(keys.public(name))))}",
                  f"roles = {json.dumps(roles)}"]
        if publish_feeds:
            lines.append(f"publish_feeds = {json.dumps(publish_feeds)}")
        if read_feeds:
            lines.append(f"read_feeds = {json.dumps(read_feeds)}")
        lines.append("")
    path.write_text("\n".join(lines))


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    """Key pairs for the daemon (``wire``), each of IDENTITIES, and
    ``stranger``, whose key the daemon does not know."""
    made = Keys(tmp_path / "keys")
    for name in ["wire", "stranger", *IDENTITIES]:
        made.make(name)
    return made


@pytest.fixture
def secure_daemon(start_daemon: Any, keys: Keys, tmp_path: Path) -> Daemon:
    """A daemon with --curve-secret-key and --access granting IDENTITIES."""
    access = tmp_path / "access.toml"
    write_access_file(access, keys, IDENTITIES)
    return start_daemon("--curve-secret-key", str(keys.secret("wire")),  # type: ignore
                        "--access", str(access))


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
