"""The embedded default's queue: the Redis Streams queue's behaviour in this process's memory.

``MemoryBroker`` holds what Redis would (two priority lists, one consumer group's pending entries, the
delayed set, the dead letters); ``MemoryQueue`` is one consumer's view of it, with ``NoticeQueue``'s
methods and answers, so the intake, the reminders and the dispatch workers run unchanged on it.
Nothing survives a restart: the ledger still holds every notice (``queued``, never sent).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.notify.model import BULK, URGENT, Notice
from bot.notify.queue import Entry


@dataclass(slots=True)
class _Pending:
    """An entry read but not acknowledged: whose it is and since when."""

    consumer: str
    since: float


@dataclass
class MemoryBroker:
    """The shared state of every consumer in the process (what the Redis keys hold)."""

    streams: dict[str, OrderedDict[str, Notice]] = field(default_factory=lambda: {
        URGENT: OrderedDict(), BULK: OrderedDict()})
    pending: dict[str, dict[str, _Pending]] = field(default_factory=lambda: {URGENT: {}, BULK: {}})
    delayed: list[tuple[float, int, Notice]] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _ready: asyncio.Event | None = None

    def next_id(self) -> str:
        """A stream entry id: milliseconds and a sequence, like Redis's."""
        return f"{int(time.time() * 1000)}-{next(self._ids)}"

    def ready(self) -> asyncio.Event:
        """Set whenever an entry is added (a blocked read wakes up)."""
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready


class MemoryQueue:
    """One consumer of the in-process queue; the same methods as ``NoticeQueue``."""

    def __init__(self, broker: MemoryBroker, consumer: str = "worker") -> None:
        self.broker, self.consumer = broker, consumer
        self.streams = {URGENT: URGENT, BULK: BULK}

    async def ensure_group(self) -> None:
        """Nothing to create in memory."""

    def _add(self, notices: list[Notice]) -> None:
        b = self.broker
        for n in notices:
            b.streams[URGENT if n.priority == URGENT else BULK][b.next_id()] = n
        if notices:
            b.ready().set()

    async def put(self, notices: list[Notice]) -> None:
        """Add notices to their priority's stream."""
        self._add(list(notices))

    def _take_new(self, count: int) -> list[Entry]:
        b, out = self.broker, []
        now = time.monotonic()
        for name in (URGENT, BULK):
            stream, pending = b.streams[name], b.pending[name]
            for entry_id, notice in stream.items():
                if len(out) >= count:
                    break
                if entry_id in pending:
                    continue
                pending[entry_id] = _Pending(self.consumer, now)
                out.append(Entry(name, entry_id, notice))
            if out and name == URGENT:
                break  # urgent entries first, alone, like the Redis queue's first read
        return out

    async def read(self, count: int, block_ms: int) -> list[Entry]:
        """New entries for this consumer, urgent ones first; waits up to ``block_ms`` when both are empty."""
        out = self._take_new(count)
        if out or block_ms <= 0:
            return out
        ready = self.broker.ready()
        ready.clear()
        try:
            await asyncio.wait_for(ready.wait(), block_ms / 1000)
        except TimeoutError:
            return []
        return self._take_new(count)

    async def claim(self, min_idle_ms: int, count: int) -> list[Entry]:
        """Entries another consumer took but did not acknowledge in time."""
        b, out = self.broker, []
        limit = time.monotonic() - min_idle_ms / 1000
        for name in (URGENT, BULK):
            for entry_id, held in b.pending[name].items():
                if len(out) >= count:
                    return out
                if held.since <= limit and entry_id in b.streams[name]:
                    held.consumer, held.since = self.consumer, time.monotonic()
                    out.append(Entry(name, entry_id, b.streams[name][entry_id]))
        return out

    async def ack(self, entries: list[Entry]) -> None:
        """Acknowledge and delete handled entries."""
        b = self.broker
        for e in entries:
            b.pending.get(e.stream, {}).pop(e.id, None)
            b.streams.get(e.stream, OrderedDict()).pop(e.id, None)

    async def delay(self, notices: list[Notice], due: float) -> None:
        """Put notices aside until ``due`` (quiet hours, retries, reminders)."""
        for n in notices:
            heapq.heappush(self.broker.delayed, (due, next(self.broker._ids), n))

    async def release_due(self, now: float, limit: int = 500) -> int:
        """Move notices whose time has come back to their stream."""
        due: list[Notice] = []
        heap = self.broker.delayed
        while heap and heap[0][0] <= now and len(due) < limit:
            due.append(heapq.heappop(heap)[2])
        self._add(due)
        return len(due)

    async def dead(self, notice: Notice, error: str) -> None:
        """Keep a notice that could not be sent in the dead-letter list."""
        self.broker.dead.append(json.dumps({"notice": notice.fields(), "error": error[:200]}, ensure_ascii=False))

    async def depth(self) -> dict[str, int]:
        """Entries waiting: per stream (including unacknowledged), delayed and dead."""
        b = self.broker
        return {URGENT: len(b.streams[URGENT]), BULK: len(b.streams[BULK]), "delayed": len(b.delayed),
                "dead": len(b.dead)}
