"""For back-ends that can only be read: poll the event feed from a stored cursor."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from bot.notify.intake import Intake
from bot.notify.ledger import Ledger
from bot.notify.model import BackendEvent

log = logging.getLogger("tamin.notify.poller")


class EventPoller:
    """Reads ``client.events(after=cursor)`` pages; the cursor moves only after the intake recorded them."""

    def __init__(self, api: Any, intake: Intake, ledger: Ledger, name: str = "tamin-events",
                 page: int = 100) -> None:
        self.api, self.intake, self.ledger, self.name, self.page = api, intake, ledger, name, page

    async def poll_once(self) -> int:
        """Read every page there is now; returns the number of new events taken in."""
        taken = 0
        while True:
            cursor = await self.ledger.cursor(self.name)
            page = await self.api.events(after=cursor, limit=self.page)
            events = [BackendEvent(str(e.id), e.type, dict(e.payload)) for e in page.events]
            if events:
                accepted, _ = await self.intake.accept_new(events, "poll")
                taken += accepted.events
            if page.cursor and page.cursor != cursor:
                await self.ledger.set_cursor(self.name, page.cursor)
            if len(events) < self.page:
                return taken

    async def run(self, stop: asyncio.Event, interval: float, redis: Any = None, lock_key: str = "") -> None:
        """Poll every ``interval`` seconds; with Redis only one process polls at a time."""
        token = secrets.token_hex(8)
        while not stop.is_set():
            try:
                mine = redis is None or await redis.set(lock_key, token, nx=True, px=int(interval * 3000)) or (
                    (await redis.get(lock_key) or b"").decode() == token
                    and await redis.pexpire(lock_key, int(interval * 3000)))
                if mine:
                    await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the back-end is down: try again next time
                log.warning("event poll failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                pass
