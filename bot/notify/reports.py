"""SMS delivery reports: Kavenegar's status polled for sent notices, or pushed to a webhook."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.notify.clock import Clock, system_clock
from bot.notify.ledger import Ledger
from bot.notify.model import SMS

log = logging.getLogger("tamin.notify.reports")

DELIVERED_CODES = {10}
FAILED_CODES = {6, 11, 13, 14}  # failed, undelivered, cancelled, blocked
WINDOW = 48 * 3600  # sms/status knows the last 48 hours


def outcome(status: int) -> bool | None:
    """Kavenegar's delivery status as delivered (True), failed (False) or not known yet (None)."""
    if status in DELIVERED_CODES:
        return True
    if status in FAILED_CODES:
        return False
    return None


class StatusPoller:
    """Asks Kavenegar about SMS notices sent but not known to be delivered."""

    def __init__(self, ledger: Ledger, client: Any, clock: Clock = system_clock) -> None:
        self.ledger, self.client, self.clock = ledger, client, clock

    async def poll_once(self, limit: int = 500) -> int:
        """One ``sms/status`` call for up to ``limit`` notices; returns how many got an outcome."""
        now = self.clock()
        ids = [i for i in await self.ledger.awaiting_report(SMS, now - WINDOW, limit) if i.isdigit()]
        if not ids:
            return 0
        changed = 0
        pending = set(ids)
        for s in await self.client.status([int(i) for i in ids]):
            result = outcome(s.status)
            if result is not None:
                changed += await self.ledger.report(SMS, str(s.messageid), result, now, s.statustext)
                pending.discard(str(s.messageid))
        for i in pending:  # still on its way: to the back of the line
            await self.ledger.report(SMS, i, None, now)
        return changed

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Poll every ``interval`` seconds until ``stop``."""
        while not stop.is_set():
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("delivery status poll failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                pass
