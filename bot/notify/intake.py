"""Taking events in: planning their notices, recording them in the ledger, putting them on the queue."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.notify.ledger import Ledger
from bot.notify.memqueue import MemoryQueue
from bot.notify.model import MESSENGERS, BackendEvent
from bot.notify.plan import plan
from bot.notify.queue import NoticeQueue

log = logging.getLogger("tamin.notify.intake")


@dataclass(frozen=True, slots=True)
class Accepted:
    """What an intake did: events taken in and notices put on the queue."""

    events: int
    notices: int


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature of a request: hex HMAC-SHA256 over ``timestamp`` + ``.`` + body."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_signature(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float,
                    window: int) -> str | None:
    """Why a signed request is refused (``bad_signature``, ``stale``), or None when it is good."""
    if not timestamp or not signature or not (timestamp.strip().isascii() and timestamp.strip().isdigit()):
        return "bad_signature"
    given = signature.strip().removeprefix("sha256=")
    if not hmac.compare_digest(sign(secret, timestamp.strip(), body), given):
        return "bad_signature"
    if abs(now - int(timestamp)) > window:
        return "stale"
    return None


class Intake:
    """Turns events into queued notices; the same event twice makes its notices once."""

    def __init__(self, ledger: Ledger, queue: NoticeQueue | MemoryQueue,
                 reachable: Collection[str] = MESSENGERS) -> None:
        self.ledger, self.queue, self.reachable = ledger, queue, reachable

    async def accept(self, events: Sequence[BackendEvent], source: str, campaign: str | None = None) -> Accepted:
        """Record and queue the notices of ``events``; then remember the events as seen."""
        notices = await plan(self.ledger, events, campaign, self.reachable)
        fresh = await self.ledger.add(notices)
        if fresh:
            await self.queue.put(fresh)
            await self.ledger.enqueued([n.id for n in fresh])
        per_event: dict[str, int] = {}
        for n in notices:
            per_event[n.event_id] = per_event.get(n.event_id, 0) + 1
        await self.ledger.remember([(e.id, e.type, source, per_event.get(e.id, 0)) for e in events])
        if events:
            log.info("took in %d %s event(s): %d notice(s) queued", len(events), source, len(fresh))
        return Accepted(len(events), len(fresh))

    async def accept_new(self, events: Sequence[BackendEvent], source: str) -> tuple[Accepted, list[str]]:
        """Like ``accept`` but leaves out events seen before; returns their ids too."""
        seen = await self.ledger.seen([e.id for e in events])
        fresh = [e for e in events if e.id not in seen]
        return await self.accept(fresh, source), sorted(seen)

