"""The ingress queues (Redis and in-process): per-user order, duplicates once, retries, dead letters."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channels.ingress import Item, MemoryIngress, RedisIngress
from bot.channels.limiter import MemoryLimiter, RedisLimiter
from tests.support.services import redis_db

REDIS_DB7 = redis_db(7)  # shared with the other channel tests: keys under tch:unit


@pytest.fixture
async def redis_db(redis_available):
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_DB7)

    async def clean() -> None:
        async for key in client.scan_iter("tch:unit*"):
            await client.delete(key)

    await clean()
    yield client
    await clean()
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def ingress(request, redis_db):
    if request.param == "memory":
        yield MemoryIngress(max_attempts=3, backoff=0.01, lease=1.0)
    else:
        yield RedisIngress(redis_db, prefix="tch:unit", max_attempts=3, backoff=0.01, lease=1.0)


class Recorder:
    """A handler that records what it handles; fails on demand."""

    def __init__(self, fail: dict[str, int] | None = None, slow: float = 0.0) -> None:
        self.done: list[str] = []
        self.fail = dict(fail or {})
        self.slow = slow
        self.active: dict[str, int] = {}
        self.overlap = False

    async def prepare(self, item: Item) -> list[dict]:
        n = self.active.get(item.user, 0)
        if n:
            self.overlap = True
        self.active[item.user] = n + 1
        try:
            await asyncio.sleep(self.slow)
            if self.fail.get(item.id, 0) > 0:
                self.fail[item.id] -= 1
                raise RuntimeError("boom")
            return [{"n": item.payload["n"]}]
        finally:
            self.active[item.user] -= 1

    async def deliver(self, item: Item, index: int, op: dict) -> None:
        self.done.append(item.id)


async def _drain(ingress, handler, until, workers: int = 4, limit: float = 5.0) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(ingress.run(handler, stop)) for _ in range(workers)]
    t0 = time.time()
    while not until() and time.time() - t0 < limit:
        await asyncio.sleep(0.02)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_per_user_order_with_many_workers(ingress):
    handler = Recorder(slow=0.005)
    for n in range(10):
        for user in ("a", "b", "c"):
            assert await ingress.accept(Item(f"{user}{n}", user, "x", {"n": n}))
    await _drain(ingress, handler, lambda: len(handler.done) == 30)
    for user in ("a", "b", "c"):
        assert [i for i in handler.done if i[0] == user] == [f"{user}{n}" for n in range(10)]
    assert not handler.overlap  # one user's updates never run at the same time


async def test_duplicates_are_dropped(ingress):
    assert await ingress.accept(Item("u1", "a", "x", {"n": 1}))
    assert not await ingress.accept(Item("u1", "a", "x", {"n": 1}))
    handler = Recorder()
    await _drain(ingress, handler, lambda: len(handler.done) == 1)
    await asyncio.sleep(0.1)
    assert handler.done == ["u1"]


async def test_a_failing_update_is_retried_then_parked(ingress):
    handler = Recorder(fail={"flaky": 2, "poison": 99})
    for i, name in enumerate(["flaky", "poison", "after"]):
        await ingress.accept(Item(name, "a", "x", {"n": i}))
    await _drain(ingress, handler, lambda: "after" in handler.done)
    assert handler.done == ["flaky", "after"]
    dead = await ingress.dead_letters()
    assert [d["item"]["id"] for d in dead] == ["poison"] and "boom" in dead[0]["error"]


async def test_a_crashed_worker_is_taken_over(redis_db):
    first = RedisIngress(redis_db, prefix="tch:unit", lease=0.5)
    await first.accept(Item("held", "a", "x", {"n": 1}))
    lease = await first._claim(wait=0.1)  # claimed, then the worker "dies" holding it
    assert lease is not None and (await first._head(lease)).id == "held"
    handler = Recorder()
    second = RedisIngress(redis_db, prefix="tch:unit", lease=0.5)
    await _drain(second, handler, lambda: handler.done == ["held"])
    assert handler.done == ["held"]
    await first._ack(lease, Item("held", "a", "x", {}))  # the dead worker's late ack changes nothing


async def test_redis_limiter_bursts_then_paces(redis_db):
    limiter = RedisLimiter(redis_db, global_rate=30, chat_rate=1, chat_burst=3, prefix="tch:unit:rl")
    waits = [await limiter.wait_ms("bot", "42") for _ in range(4)]
    assert waits[:3] == [0, 0, 0] and 500 < waits[3] <= 1000
    assert await limiter.wait_ms("bot", "43") == 0  # another chat is not slowed
    t0 = time.monotonic()
    await limiter.acquire("bot", "42")
    assert time.monotonic() - t0 > 0.5


async def test_redis_limiter_global_rate(redis_db):
    limiter = RedisLimiter(redis_db, global_rate=30, chat_rate=1, chat_burst=3, prefix="tch:unit:rl")
    t0 = time.monotonic()
    granted = [await limiter.wait_ms("bot", str(chat)) for chat in range(40)]
    refilled = int((time.monotonic() - t0) * 30) + 2  # what the bucket regains while asking (a loaded machine)
    assert 30 <= granted.count(0) <= 30 + refilled  # 30 at once, then only what refilled
    assert granted.count(0) < 40 or refilled >= 10


def test_memory_limiter():
    limiter = MemoryLimiter(global_rate=30, chat_rate=1, chat_burst=3)
    assert [limiter.wait_ms("b", "1") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait_ms("b", "1") > 500
