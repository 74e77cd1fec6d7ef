"""Typed failures of the back-end, each pointing to a Persian sentence in data/texts/backend.fa.yml."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from basics import paths

KIND_STATUS: dict[str, int] = {
    "not_found": 404,
    "not_eligible": 422,
    "invalid": 400,
    "forbidden": 403,
    "conflict": 409,
    "busy": 503,
    "down": 502,
}


def texts_path() -> Path:
    """Where backend.fa.yml lives (TAMIN_DATA_DIR or <repo>/data)."""
    return paths.data_dir() / "texts" / "backend.fa.yml"


@functools.cache
def known_keys() -> frozenset[str]:
    """The message keys present in backend.fa.yml (empty if the file is missing)."""
    try:
        data = yaml.safe_load(texts_path().read_text(encoding="utf-8")) or {}
    except OSError:
        return frozenset()
    return frozenset(k for k, v in data.items() if isinstance(v, str))


class TaminError(Exception):
    """A failure of a back-end call: a kind, a stable reason code and details to fill the sentence."""

    kind: str = "down"

    def __init__(self, kind: str | None = None, reason: str | None = None,
                 details: dict[str, Any] | None = None, message: str = "") -> None:
        self.kind = kind or type(self).kind
        self.reason = reason or self.kind
        self.details = dict(details or {})
        self.message = message
        super().__init__(f"{self.kind}/{self.reason}: {message}" if message else f"{self.kind}/{self.reason}")

    @property
    def kind_key(self) -> str:
        """The generic sentence for this kind of failure."""
        return f"backend.error.{self.kind}"

    @property
    def reason_key(self) -> str:
        """The specific sentence for the reason (may be absent from the texts)."""
        return f"backend.reason.{self.reason}"

    @property
    def message_key(self) -> str:
        """The most specific sentence key present in backend.fa.yml."""
        return self.reason_key if self.reason_key in known_keys() else self.kind_key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, reason={self.reason!r}, details={self.details!r})"


class NotFound(TaminError):
    """No such record."""

    kind = "not_found"


class NotEligible(TaminError):
    """A published rule refuses the request."""

    kind = "not_eligible"


class InvalidInput(TaminError):
    """The request was malformed or a value is invalid."""

    kind = "invalid"


class Forbidden(TaminError):
    """The acting person may not see or do this."""

    kind = "forbidden"


class Conflict(TaminError):
    """An idempotency key was reused for another request, or the state changed."""

    kind = "conflict"


class Busy(TaminError):
    """The back-end is overloaded; try again later."""

    kind = "busy"


class Down(TaminError):
    """The back-end failed, timed out or is unreachable (or the circuit is open)."""

    kind = "down"


BY_KIND: dict[str, type[TaminError]] = {
    cls.kind: cls for cls in (NotFound, NotEligible, InvalidInput, Forbidden, Conflict, Busy, Down)
}


def error_for(kind: str, reason: str, details: dict[str, Any] | None = None, message: str = "") -> TaminError:
    """The typed error for a kind (unknown kinds become Down)."""
    cls = BY_KIND.get(kind, Down)
    return cls(cls.kind, reason, details, message)
