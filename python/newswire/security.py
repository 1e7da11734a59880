"""CURVE (CurveZMQ, ZeroMQ RFC 26) for a secure daemon, and what a failed
handshake means to the person running the client.

A daemon started with ``--curve-secret-key`` and ``--access`` accepts only
CURVE connections whose key is in its access file (README "Security",
docs/wire-protocol.md "Security"). A client sets its own key pair and the
daemon's public key on each socket before connecting; nothing else changes
(the frames are the same, encrypted). :class:`Curve` holds those keys, read
from the files ``newswire keygen`` writes, and every client here takes one
as ``curve=``::

    curve = Curve.from_files("desk-tokyo.key", "wire.pub")
    with Subscriber(hub, feeds=["equities-asia"], curve=curve) as subscriber: ...

Key files are small TOML files (as the C++ ``newswire::security`` reads
them): ``NAME.key`` (mode 0600) holds ``public_key`` and ``secret_key``,
``NAME.pub`` holds ``public_key``, each a 40-character Z85 key (ZeroMQ
RFC 32). A secret key file that group or others may read is refused, as
ssh refuses such a private key.

A handshake that fails is not an error ZeroMQ raises from a call: it shows
up on a socket monitor. :class:`HandshakeWatch` turns those events into
:class:`~newswire.errors.Unauthorized` errors that say what to fix, so a
refused key is reported at once instead of as a silent timeout.
"""

from __future__ import annotations

import os
import stat
import time
import tomllib
from dataclasses import dataclass, field

import zmq
from zmq.utils.monitor import parse_monitor_message

from .errors import Internal, Malformed, NotFound, Unauthorized

Z85_KEY_CHARS = 40
_Z85_ALPHABET = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

# Monitor events that report handshakes.
HANDSHAKE_EVENTS = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL |
                    zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_SUCCEEDED)


def is_z85_key(text: object) -> bool:
    """True for 40 characters of the Z85 alphabet."""
    return isinstance(text, str) and len(text) == Z85_KEY_CHARS and set(text) <= _Z85_ALPHABET


def public_key_of(secret_key: str) -> str:
    """The public key of a Z85 secret key; :class:`Malformed` when it is not one."""
    if not is_z85_key(secret_key):
        raise Malformed("not a Z85 secret key")
    try:
        return zmq.curve_public(secret_key.encode()).decode()
    except zmq.ZMQError:
        raise Malformed("not a CURVE secret key") from None


def _parse_key_file(path: str) -> dict[str, object]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError:
        raise NotFound(f"cannot read {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise Malformed(f"{path}: not a key file: {e}") from None


def _key_field(table: dict[str, object], path: str, name: str) -> str:
    value = table.get(name)
    if not is_z85_key(value):
        raise Malformed(f"{path}: {name} must be a 40-character Z85 key "
                        "(newswire keygen makes one)")
    return value  # type: ignore[return-value]


def read_secret_key_file(path: str) -> tuple[str, str]:
    """A secret key file (``NAME.key``): (public key, secret key), the public
    key derived from the secret and checked against the one stated.
    :class:`NotFound` when unreadable; :class:`Malformed` when it holds no
    valid secret key, or when group or others may read it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise NotFound(f"cannot read {path}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Malformed(f"{path} is a secret key that others may read "
                        f"(mode {stat.S_IMODE(mode):04o}): chmod 600 {path}")
    table = _parse_key_file(path)
    secret = _key_field(table, path, "secret_key")
    try:
        derived = public_key_of(secret)
    except Malformed as e:
        raise Malformed(f"{path}: {e.message}") from None
    stated = table.get("public_key")
    if isinstance(stated, str) and stated != derived:
        raise Malformed(f"{path}: public_key is not the public half of secret_key")
    return derived, secret


def read_public_key_file(path: str) -> str:
    """A public key file (``NAME.pub``, or a secret key file's public half):
    the Z85 key. :class:`NotFound` when unreadable; :class:`Malformed` when
    it holds no valid public key."""
    return _key_field(_parse_key_file(path), path, "public_key")


@dataclass(frozen=True)
class Curve:
    """A client's CURVE settings: its own key pair and the daemon's public
    key, all Z85 text. Immutable; one may serve any number of clients."""

    public_key: str
    secret_key: str = field(repr=False)
    server_key: str  # The daemon's public key.

    def __post_init__(self) -> None:
        for name in ("public_key", "secret_key", "server_key"):
            if not is_z85_key(getattr(self, name)):
                raise Malformed(f"{name} must be a 40-character Z85 key (newswire keygen "
                                "makes one)")
        if public_key_of(self.secret_key) != self.public_key:
            raise Malformed("public_key is not the public half of secret_key")

    @classmethod
    def from_files(cls, key_file: str | os.PathLike[str],
                   server_key_file: str | os.PathLike[str]) -> Curve:
        """Reads ``key_file`` (this client's secret key file, the CLI's
        ``--key``) and ``server_key_file`` (the daemon's public key file,
        ``--server-key``). The errors of :func:`read_secret_key_file` and
        :func:`read_public_key_file`; :class:`Malformed` when one is empty."""
        key_path, server_path = os.fspath(key_file), os.fspath(server_key_file)
        if not key_path or not server_path:
            raise Malformed("CURVE needs both key_file (this client's secret key file) and "
                            "server_key_file (the daemon's public key file)")
        public, secret = read_secret_key_file(key_path)
        return cls(public, secret, read_public_key_file(server_path))

    def apply(self, socket: zmq.Socket) -> None:
        """Before connect: this socket speaks CURVE to the daemon."""
        socket.curve_serverkey = self.server_key.encode()
        socket.curve_publickey = self.public_key.encode()
        socket.curve_secretkey = self.secret_key.encode()


def handshake_failure(event: int, value: int, endpoint: str,
                      client_uses_curve: bool) -> Unauthorized | None:
    """What a client-side monitor event means, as an error naming the cause
    and the fix: a key the daemon refused, a daemon that needs CURVE when the
    client has none (or the reverse), a handshake that broke off (with CURVE,
    most often a server key that is not the daemon's). None for events that
    are not failures."""
    if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        return Unauthorized(f"{endpoint} refused this client's key (status {value}): its public "
                            "key is not in the daemon's access file")
    if event == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if value == zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
            if client_uses_curve:
                return Unauthorized(f"{endpoint} does not speak CURVE, and this client does "
                                    "(curve=): drop it, or start the daemon with "
                                    "--curve-secret-key")
            return Unauthorized(f"{endpoint} requires CURVE: give this client "
                                "curve=Curve.from_files(KEY_FILE, SERVER_KEY_FILE) (its secret "
                                "key file and the daemon's public key file)")
        return Unauthorized(f"the handshake with {endpoint} failed (ZMTP protocol error "
                            f"{value})")
    if event == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        if client_uses_curve:
            return Unauthorized(f"the CURVE handshake with {endpoint} broke off: is the server "
                                "key the daemon's public key?")
        return Unauthorized(f"the handshake with {endpoint} broke off: if the daemon requires "
                            "CURVE, give this client curve=Curve.from_files(KEY_FILE, "
                            "SERVER_KEY_FILE)")
    return None


def is_definite_failure(event: int) -> bool:
    """True for the failures that are certain at once (a refused key, a
    mechanism mismatch); a handshake that broke off may be a daemon
    restarting, and is certain only once it happens again and again."""
    return event in (zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)


class HandshakeTracker:
    """Folds handshake events into the failure since the last successful
    handshake: certain for a refused key or a mechanism mismatch, or a
    handshake that broke off three times in a row."""

    BROKEN_OFF_LIMIT = 3

    def __init__(self, endpoint: str, curve: bool) -> None:
        self.endpoint, self.curve = endpoint, curve
        self.failure: Unauthorized | None = None  # Certain.
        self.suspected: Unauthorized | None = None  # Any, certain or not.
        self._broken_off = 0

    def add(self, event: int, value: int) -> None:
        if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            self.failure = self.suspected = None
            self._broken_off = 0
            return
        failure = handshake_failure(event, value, self.endpoint, self.curve)
        if failure is None:
            return
        self._broken_off = self._broken_off + 1 if event == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL \
            else 0
        self.suspected = failure
        if is_definite_failure(event) or self._broken_off >= self.BROKEN_OFF_LIMIT:
            self.failure = failure


class HandshakeWatch:
    """Watches one client socket's handshakes (attach before it connects).
    Belongs to the thread that uses the socket; close it before the socket's
    context is terminated."""

    def __init__(self, socket: zmq.Socket, endpoint: str, curve: bool) -> None:
        try:
            self.monitor: zmq.Socket = socket.get_monitor_socket(HANDSHAKE_EVENTS)
        except zmq.ZMQError as e:
            raise Internal(f"cannot monitor a socket's handshakes: {e}") from None
        self.monitor.setsockopt(zmq.LINGER, 0)
        self._tracker = HandshakeTracker(endpoint, curve)

    def failure(self) -> Unauthorized | None:
        """Reads the events so far; the failure since the last successful
        handshake, if it is certain."""
        self._read()
        return self._tracker.failure

    def suspected(self) -> Unauthorized | None:
        """Any failure since the last successful handshake, certain or not:
        what to report when the daemon did not answer in time."""
        self._read()
        return self._tracker.suspected

    def wait(self, socket: zmq.Socket, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds for ``socket`` to be readable,
        reading handshake events meanwhile: True when it is, False on
        timeout; raises the failure as soon as it is certain."""
        deadline = time.monotonic() + timeout
        poller = zmq.Poller()
        poller.register(socket, zmq.POLLIN)
        poller.register(self.monitor, zmq.POLLIN)
        while True:
            if (failure := self.failure()) is not None:
                raise failure
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready = dict(poller.poll(max(1, int(left * 1000))))
            if socket in ready:
                return True

    def close(self) -> None:
        self.monitor.close(linger=0)

    def _read(self) -> None:
        while not self.monitor.closed and self.monitor.poll(0, zmq.POLLIN):
            event = parse_monitor_message(self.monitor.recv_multipart())
            self._tracker.add(event["event"], event["value"])
