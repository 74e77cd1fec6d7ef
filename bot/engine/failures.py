"""Failures of a service the engine can word: its own type, so the engine imports no back-end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RETRY_KINDS = frozenset({"busy", "down"})  # the service may answer if asked again


class ServiceFailure(Exception):
    """A call behind a step failed: a kind (``busy``/``down`` offer a retry), a reason code, details."""

    def __init__(self, kind: str = "down", reason: str | None = None, details: dict[str, Any] | None = None,
                 key: str | None = None) -> None:
        self.kind = kind
        self.reason = reason or kind
        self.details = dict(details or {})
        self.key = key  # the catalog sentence that words it best, when the translator knows one
        super().__init__(f"{self.kind}/{self.reason}")

    @property
    def retry(self) -> bool:
        """Whether asking again may work (the person is offered «try again»)."""
        return self.kind in RETRY_KINDS


Translate = Callable[[BaseException], "ServiceFailure | None"]


def own(exc: BaseException) -> ServiceFailure | None:
    """The default translator: only the engine's own failures are known."""
    return exc if isinstance(exc, ServiceFailure) else None
