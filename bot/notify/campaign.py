"""A bulk run from a CSV file: one event per row, queued once, with progress and time left."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.notify.model import SMS, BackendEvent
from bot.notify.runtime import Notify

RECIPIENT_COLUMNS = ("national_code", "mobile", "role", "workshop")
INT_COLUMNS = ("amount",)
CHUNK = 1000


def read_events(path: Path) -> Iterator[BackendEvent]:
    """Rows of ``event_id,type,national_code,mobile,…`` (the other columns are the event's facts)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if not row.get("event_id") or not row.get("type"):
                continue
            payload: dict = {k: (int(v) if k in INT_COLUMNS and v.isdigit() else v) for k, v in row.items()
                             if v and k not in ("event_id", "type", "national_code", "mobile", "role")}
            payload["recipients"] = [{k: row[k] for k in RECIPIENT_COLUMNS if row.get(k)}]
            yield BackendEvent(row["event_id"], row["type"], payload)


@dataclass
class Progress:
    """Where a campaign stands."""

    done: int
    total: int
    rate: float  # notices a second, measured
    left_seconds: float | None


def estimate(per_channel: dict[str, tuple[int, int]], notify: Notify, measured: float) -> float | None:
    """Seconds left: each channel's remainder at its configured rate (channels run side by side)."""
    cfg = notify.cfg
    if cfg.limits:
        lanes = [(n - d) / (cfg.sms_rate if ch == SMS else cfg.messenger_rate) for ch, (d, n) in per_channel.items()]
        limited = max(lanes, default=0.0)
        if measured > 0:
            left = sum(n - d for d, n in per_channel.values())
            return max(limited, left / measured)
        return limited
    left = sum(n - d for d, n in per_channel.values())
    return left / measured if measured > 0 else None


async def run(notify: Notify, path: Path, name: str | None = None, workers: int = 1,
              report: Callable[[str, Progress], None] | None = None, wait: bool = True) -> Progress:
    """Queue the file's events (skipping those the ledger has) and follow them until all are finished."""
    name = name or path.stem
    await notify.prepare()
    queued = 0
    batch: list[BackendEvent] = []

    async def flush() -> None:
        nonlocal queued
        seen = await notify.ledger.seen([e.id for e in batch])
        todo = [e for e in batch if e.id not in seen]
        if todo:
            queued += (await notify.intake.accept(todo, "campaign", campaign=name)).notices
        batch.clear()

    for event in read_events(path):
        batch.append(event)
        if len(batch) >= CHUNK:
            await flush()
    if batch:
        await flush()
    if report:
        report("queued", Progress(queued, queued, 0.0, None))
    if workers:
        notify.start(workers)
    try:
        return await follow(notify, name, report, wait)
    finally:
        if workers:
            await notify.stop()


async def follow(notify: Notify, name: str, report: Callable[[str, Progress], None] | None,
                 wait: bool = True) -> Progress:
    """Report progress every second until every notice of the campaign is finished."""
    start, first = time.monotonic(), None
    while True:
        per = await notify.ledger.progress(name)
        done, total = sum(d for d, _ in per.values()), sum(n for _, n in per.values())
        if first is None:
            first = done
        elapsed = time.monotonic() - start
        rate = (done - first) / elapsed if elapsed > 0.5 else 0.0
        p = Progress(done, total, rate, estimate(per, notify, rate))
        if report:
            report("progress", p)
        if done >= total or not wait:
            return p
        await asyncio.sleep(1.0)
