"""Reminders a person asks for: the engine's interface; the notifications implement it (``Deps.reminders``; None: not available)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Taken:
    """A reminder taken: when it goes out, through which door, and whether it was new."""

    at: float  # seconds since the epoch
    door: str  # telegram | bale | sms
    fresh: bool  # False: the same reminder had been asked before


class Reminders(Protocol):
    """Schedules a reminder of a dated thing (``what``: fractional_due, voluntary_premium, hearing)."""

    available: bool

    async def remind(self, national_code: str, mobile: str, what: str, date: str, ref: str = "") -> Taken: ...

