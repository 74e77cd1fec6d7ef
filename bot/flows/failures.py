"""The back-end's typed errors as the engine's failures (wired in by the composition root)."""

from __future__ import annotations

from bot.engine.failures import ServiceFailure
from integrations.tamin.errors import TaminError


def from_backend(exc: BaseException) -> ServiceFailure | None:
    """A ``TaminError`` as a ``ServiceFailure`` with its most specific sentence key; others unknown."""
    if isinstance(exc, ServiceFailure):
        return exc
    if isinstance(exc, TaminError):
        return ServiceFailure(exc.kind, exc.reason, exc.details, key=exc.message_key)
    return None
