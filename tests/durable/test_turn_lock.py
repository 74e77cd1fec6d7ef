"""A turn longer than the per-person lock's lease keeps the lock: a second turn never runs beside it."""

from __future__ import annotations

import asyncio

from bot.engine.store import RedisStore
from tests.durable.conftest import REDIS_DB


async def test_a_long_turn_keeps_its_lock(rdb):
    store = RedisStore.from_url(REDIS_DB, prefix="t:lk:")
    running: list[str] = []
    overlap: list[tuple[str, ...]] = []

    async def turn(name: str, hold: float) -> str:
        try:
            async with store.lock("telegram:42", timeout=0.4):
                running.append(name)
                if len(running) > 1:
                    overlap.append(tuple(running))
                await asyncio.sleep(hold)  # e.g. back-end calls retried for longer than the lease
                running.remove(name)
                return name
        except TimeoutError:
            return f"{name} waited"

    first = asyncio.create_task(turn("first", 1.5))
    await asyncio.sleep(0.05)
    second = await turn("second", 0.0)  # waits its 0.4 s, then gives up: the first still holds the lock
    assert await first == "first"
    assert second == "second waited" and overlap == []
    assert await turn("third", 0.0) == "third"  # released at the end of the turn
    await store.close()
