"""Typed errors: one exception class per ``newswire.v1.ErrorCode``.

Every error the wire sends (``Error`` in a ``PublishReply`` or ``QueryReply``)
and every error this package finds itself (a timeout, a reply that does not
parse, a diff that does not fit its base) is raised as a subclass of
:class:`NewswireError` carrying the wire's numeric ``code``, its short
``name`` (the names the CLI and metrics use) and the human ``message``.

A code this package does not know yet (a newer daemon) is raised as plain
:class:`NewswireError` with its number, so nothing is lost.
"""

from __future__ import annotations

from typing import ClassVar


class NewswireError(Exception):
    """An error with a wire error code."""

    CODE: ClassVar[int] = 0
    NAME: ClassVar[str] = "unspecified"

    def __init__(self, message: str = "", *, code: int | None = None,
                 current_version: int = 0, primary_hub: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code: int = self.CODE if code is None else code  # As sent, even if unknown.
        self.name: str = self.NAME if self.code == self.CODE else f"code_{self.code}"
        self.current_version = current_version  # The head, with version_conflict.
        self.primary_hub = primary_hub  # Where to publish instead, with not_primary.

    def __str__(self) -> str:
        label = self.name.replace("_", " ")
        return f"{label}: {self.message}" if self.message else label


class Malformed(NewswireError):
    """A frame or reply is not what the protocol says (code 1)."""
    CODE, NAME = 1, "malformed"


class InvalidArticle(NewswireError):
    """The article fails validation; the message names the field (code 2)."""
    CODE, NAME = 2, "invalid_article"


class VersionConflict(NewswireError):
    """``base_version`` is not the head; ``current_version`` is (code 3)."""
    CODE, NAME = 3, "version_conflict"


class TooLarge(NewswireError):
    """The request or article is over the daemon's size limit (code 4)."""
    CODE, NAME = 4, "too_large"


class StoreFailure(NewswireError):
    """The daemon's store could not commit or read (code 5)."""
    CODE, NAME = 5, "store_failure"


class NotFound(NewswireError):
    """No such article or version, or nothing out at that time (code 6)."""
    CODE, NAME = 6, "not_found"


class Unauthorized(NewswireError):
    """The key may not do this (code 7)."""
    CODE, NAME = 7, "unauthorized"


class Unavailable(NewswireError):
    """The daemon did not answer in time (code 8)."""
    CODE, NAME = 8, "unavailable"


class DiffMismatch(NewswireError):
    """A diff or delta does not fit its base, or a hash differs (code 9)."""
    CODE, NAME = 9, "diff_mismatch"


class Internal(NewswireError):
    """A bug in the daemon; please report it (code 10)."""
    CODE, NAME = 10, "internal"


class IdempotencyKeyReused(NewswireError):
    """The publisher key was already used for a different request (another
    article, text or base version): nothing was done (code 11). A true retry
    gets the original ack instead."""
    CODE, NAME = 11, "idempotency_key_reused"


class NotPrimary(NewswireError):
    """The daemon is a follower and takes no publishes (code 12): publish to
    ``primary_hub`` instead (empty while the follower does not know it)."""
    CODE, NAME = 12, "not_primary"


_BY_CODE: dict[int, type[NewswireError]] = {
    cls.CODE: cls
    for cls in (Malformed, InvalidArticle, VersionConflict, TooLarge, StoreFailure, NotFound,
                Unauthorized, Unavailable, DiffMismatch, Internal, IdempotencyKeyReused,
                NotPrimary)
}


def error_class(code: int) -> type[NewswireError]:
    """The exception class for a wire error code (NewswireError if unknown)."""
    return _BY_CODE.get(code, NewswireError)


def from_wire(error: object) -> NewswireError:
    """The exception for a ``newswire.v1.Error`` message."""
    code = int(getattr(error, "code"))
    return error_class(code)(str(getattr(error, "message")), code=code,
                             current_version=int(getattr(error, "current_version")),
                             primary_hub=str(getattr(error, "primary_hub", "")))
