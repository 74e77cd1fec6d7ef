"""Issue 16 item 5 on real Redis: the notices' Redis is FLUSHed under a consumer blocked in its read;
every notice queued after it is read, with no error (the group is recreated on NOGROUP / UNBLOCKED)."""

from __future__ import annotations

import asyncio

from bot.notify.model import Notice
from bot.notify.queue import NoticeQueue
from bot.notify.runtime import make_redis
from tests.durable.conftest import REDIS_DB


def _notice(i: int) -> Notice:
    return Notice(f"F-{i}", "3100000000", "sms", "09150000000", "debt_raised", id=i + 1)


async def test_notices_after_a_flush_under_a_blocked_reader_all_arrive(rdb):
    client = make_redis(REDIS_DB)
    queue = NoticeQueue(client, prefix="t:nf", consumer="c1")
    await queue.ensure_group()
    seen: set[str] = set()
    errors: list[str] = []
    stop = asyncio.Event()

    async def consume() -> None:
        while not stop.is_set():
            try:
                entries = await queue.read(20, 200)  # blocked here when the flush comes
                seen.update(e.notice.event_id for e in entries if e.notice)
                await queue.ack(entries)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.2)

    task = asyncio.create_task(consume())
    try:
        await queue.put([_notice(0)])
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # the consumer is blocked in XREADGROUP again
        await rdb.flushdb()
        await queue.put([_notice(i) for i in range(1, 11)])
        for _ in range(250):
            if len(seen) == 11:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await client.aclose()
    assert seen == {f"F-{i}" for i in range(11)}  # nothing queued after the flush is lost
    assert errors == []  # and no NOGROUP / "no longer exists" error on every read
