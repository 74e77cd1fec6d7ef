"""Time for the notifications: an injectable clock and the SMS quiet hours."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

Clock = Callable[[], float]  # seconds since the epoch, like time.time


def system_clock() -> float:
    """The machine's clock."""
    return time.time()


def _hm(value: str) -> dt.time:
    hour, _, minute = value.partition(":")
    return dt.time(int(hour), int(minute or 0))


class QuietHours:
    """A daily window (e.g. 22:00–07:00 Tehran time) in which SMS waits."""

    def __init__(self, start: str = "22:00", end: str = "07:00", tz: str = "Asia/Tehran") -> None:
        self.start, self.end, self.tz = _hm(start), _hm(end), ZoneInfo(tz)

    def _inside(self, t: dt.time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def until(self, now: float) -> float | None:
        """When the quiet window around ``now`` ends, or None when ``now`` is not in it."""
        local = dt.datetime.fromtimestamp(now, self.tz)
        if not self._inside(local.timetz().replace(tzinfo=None)):
            return None
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        return end.timestamp()
