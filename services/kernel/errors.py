"""Domain errors: a small hierarchy raised in the domain, mapped to gRPC codes in one table.

The table lives in `kernel.grpc.errors`; nothing in the domain imports gRPC.
"""

from __future__ import annotations

QUOTE_MAX = 40  # characters of an offending value an error message may quote
MESSAGE_MAX = 500  # a message is clipped past this: it travels in a size-limited header
FIELD_MAX = 120


def quoted(value: str, limit: int = QUOTE_MAX) -> str:
    """`value` as an error message may show it: its repr, cut to a bounded prefix ("…")."""
    return repr(value[:limit]) + ("…" if len(value) > limit else "")


def clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DomainError(Exception):
    """Base of every error a command or query reports to its caller."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        message = clipped(message, MESSAGE_MAX)  # whatever a raiser put in it
        super().__init__(message)
        self.message = message
        # the request field at fault, when there is one
        self.field = clipped(field, FIELD_MAX) if field else field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(DomainError):
    """The request is malformed: a field is missing, out of range or badly formed."""


class NotFound(DomainError):
    """An id names nothing that exists (in the caller's school)."""


class PreconditionFailed(DomainError):
    """The command is valid but not allowed in the current lifecycle state."""


class AlreadyExists(DomainError):
    """What the command would create exists already, with other content (a name taken)."""


class ConcurrencyConflict(DomainError):
    """A stale expected version: someone else appended to the stream first."""


class Unauthenticated(DomainError):
    """No token, or a token that is forged, malformed or expired."""


class PermissionDenied(DomainError):
    """The caller's role, school or branch does not allow this."""


class Unavailable(DomainError):
    """A dependency (another service, the broker) cannot be reached right now."""


class RateLimited(DomainError):
    """The caller sent too many requests; it may retry after `retry_after_s`."""

    def __init__(self, message: str, *, retry_after_s: float, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s
