"""The simulator's typed errors, rendered as the contract's error body."""

from __future__ import annotations

from typing import Any

from integrations.tamin.errors import KIND_STATUS


class SimError(Exception):
    """A typed failure raised by a route and rendered by the app's handler."""

    def __init__(self, kind: str, reason: str, message: str = "", **details: Any) -> None:
        super().__init__(message or reason)
        self.kind = kind
        self.reason = reason
        self.message = message or reason.replace("_", " ")
        self.details = details

    @property
    def status(self) -> int:
        """The HTTP status of this kind."""
        return KIND_STATUS[self.kind]

    def body(self) -> dict[str, Any]:
        """The contract's error body."""
        return {"error": {"kind": self.kind, "reason": self.reason, "message": self.message,
                          "details": self.details}}


def not_found(reason: str, message: str = "", **details: Any) -> SimError:
    """No such record."""
    return SimError("not_found", reason, message, **details)


def not_eligible(reason: str, message: str = "", **details: Any) -> SimError:
    """A rule refuses."""
    return SimError("not_eligible", reason, message, **details)


def invalid(reason: str, message: str = "", **details: Any) -> SimError:
    """Bad input."""
    return SimError("invalid", reason, message, **details)


def forbidden(reason: str, message: str = "", **details: Any) -> SimError:
    """The actor may not."""
    return SimError("forbidden", reason, message, **details)


def conflict(reason: str, message: str = "", **details: Any) -> SimError:
    """Idempotency key reuse or a state conflict."""
    return SimError("conflict", reason, message, **details)
