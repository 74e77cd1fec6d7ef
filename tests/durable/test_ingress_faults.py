"""The ingress under faults (real Redis): dead workers reaped behind a busy queue, chatty people
interleaved with everyone else, sends that fail for a while retried until they go, dead letters re-driven."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.channels.ingress import Item, RedisIngress
from bot.channels.limiter import RedisLimiter


class Log:
    """A handler that records, in order, what it sent for whom; its sends go through ``limiter``."""

    def __init__(self, limiter=None, work: float = 0.0) -> None:
        self.done: list[tuple[str, str]] = []
        self.limiter, self.work = limiter, work
        self.down = False
        self.tries = 0

    async def prepare(self, item: Item) -> list[dict]:
        await asyncio.sleep(self.work)
        return [{"n": item.payload["n"]}]

    async def deliver(self, item: Item, index: int, op: dict) -> None:
        if self.limiter is not None:
            await self.limiter.acquire("bot", item.user)
        self.tries += 1
        if self.down:
            raise ConnectionError("Bot API unreachable")
        self.done.append((item.user, item.id))

    def users(self) -> list[str]:
        return [u for u, _ in self.done]


@contextlib.asynccontextmanager
async def workers(ingress, handler, n: int):
    stop = asyncio.Event()
    tasks = [asyncio.create_task(ingress.run(handler, stop)) for _ in range(n)]
    try:
        yield
    finally:
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def until(cond, limit: float = 30.0) -> None:
    """Wait for ``cond`` (a safety limit only: the assertions are about order, not time)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while loop.time() < end:
        ok = cond()
        if asyncio.iscoroutine(ok):
            ok = await ok
        if ok:
            return
        await asyncio.sleep(0.01)


async def test_a_dead_workers_person_is_served_again_behind_a_busy_queue(rdb):
    dead = RedisIngress(rdb, prefix="t:d", lease=0.5)
    await dead.accept(Item("v1", "victim", "x", {"n": 0}))
    lease = await dead._claim(wait=0.1)  # claimed; the worker then dies without a word
    assert lease is not None and lease.user == "victim"
    for n in range(4):
        for u in range(60):
            await dead.accept(Item(f"o{u}-{n}", f"other{u}", "x", {"n": n}))
    handler = Log(work=0.01)
    live = RedisIngress(rdb, prefix="t:d", lease=0.5)
    async with workers(live, handler, 1):
        await until(lambda: len(handler.done) == 241)
    assert len(handler.done) == 241
    # its lease expired after ~0.5 s, while most of the 240 other updates (>= 2.4 s of work) still waited
    assert handler.users().index("victim") < 120


async def test_someone_writing_after_workers_died_is_not_queued_behind_the_backlog(rdb):
    # issue 16 item 1: a worker dies holding a person while 180 updates of 60 people wait
    dead = RedisIngress(rdb, prefix="t:n", lease=0.5)
    await dead.accept(Item("v1", "victim", "x", {"n": 0}))
    assert (await dead._claim(wait=0.1)).user == "victim"  # and the worker dies holding them
    for n in range(3):
        for u in range(60):
            await dead.accept(Item(f"o{u}-{n}", f"other{u}", "x", {"n": n}))
    await asyncio.sleep(1.1)  # the backlog has waited longer than a person should
    handler = Log(limiter=RedisLimiter(rdb, global_rate=60, chat_rate=1000, chat_burst=10, prefix="t:n:rl"))
    live = RedisIngress(rdb, prefix="t:n", lease=0.5)
    async with workers(live, handler, 2):
        await until(lambda: len(handler.done) >= 10)
        await live.accept(Item("new-1", "newcomer", "x", {"n": 0}))
        answered_before = len(handler.done)
        await until(lambda: len(handler.done) == 182)
    users = handler.users()
    assert len(users) == 182 and len(set(handler.done)) == 182
    # answered within a few sends, not after the other people's turns (~50 of them, ~1 s at 60/s)
    assert users.index("newcomer") - answered_before <= 12
    assert users.index("victim") < 90  # the dead worker's person is taken over long before the end
    for u in range(60):
        assert [i for us, i in handler.done if us == f"other{u}"] == [f"o{u}-{n}" for n in range(3)]


async def test_a_claimed_person_keeps_their_place_while_only_the_bots_rate_is_short(rdb):
    # a wait for the bot's shared rate parked the person (100 ms at 10/s), and parked people come back
    # before everyone else: a newcomer drew lots with the parked backlog for every token (4 s at 10/s)
    from bot.channels.deferral import Deferred, deferring

    limiter = RedisLimiter(rdb, global_rate=2, chat_rate=1, chat_burst=1, prefix="t:sr:rl")
    for chat in range(2):  # the bot's burst is spent on other people
        assert await limiter.wait_ms("bot", f"other{chat}") == 0
    with deferring():  # as in an ingress worker
        await limiter.acquire("bot", "newcomer")  # waits ~0.5 s for the shared token, not parked
        with pytest.raises(Deferred):  # the person's own rate (1/s) still parks them
            await limiter.acquire("bot", "newcomer")


async def test_chatty_people_do_not_hold_the_workers(rdb):
    limiter = RedisLimiter(rdb, global_rate=1000, chat_rate=5, chat_burst=1, prefix="t:f:rl")
    ingress = RedisIngress(rdb, prefix="t:f", lease=5.0)
    for n in range(15):
        for c in range(4):
            await ingress.accept(Item(f"c{c}-{n}", f"chatty{c}", "x", {"n": n}))
    for q in range(5):
        await ingress.accept(Item(f"q{q}", f"quiet{q}", "x", {"n": 0}))
    handler = Log(limiter=limiter)
    async with workers(ingress, handler, 2):
        await until(lambda: len(handler.done) == 65)
    assert len(handler.done) == 65
    users = handler.users()
    last_quiet = max(users.index(f"quiet{q}") for q in range(5))
    # every quiet person is answered while the chatty ones are still at their first few messages
    assert sum(u.startswith("chatty") for u in users[:last_quiet]) <= 12
    for c in range(4):  # and each person's turns stay in order
        assert [i for u, i in handler.done if u == f"chatty{c}"] == [f"c{c}-{n}" for n in range(15)]


async def test_replies_survive_an_outage_longer_than_the_old_retries(rdb):
    ingress = RedisIngress(rdb, prefix="t:o", lease=5.0, backoff=0.05, send_backoff_max=0.3)
    handler = Log()
    handler.down = True
    for n in range(3):
        for u in range(10):
            await ingress.accept(Item(f"u{u}-{n}", f"user{u}", "x", {"n": n}))
    async with workers(ingress, handler, 2):
        await until(lambda: handler.tries >= 60)  # many more failures than the 4 attempts of old
        assert handler.done == []
        handler.down = False
        await until(lambda: len(handler.done) == 30)
    assert len(handler.done) == 30
    assert await ingress.dead_letters() == []
    for u in range(10):
        assert [i for us, i in handler.done if us == f"user{u}"] == [f"u{u}-{n}" for n in range(3)]


async def test_a_send_that_fails_for_too_long_is_a_dead_letter_and_can_be_redriven(rdb):
    ingress = RedisIngress(rdb, prefix="t:r", lease=5.0, backoff=0.02, send_backoff_max=0.05, send_give_up=0.3)
    handler = Log()
    handler.down = True
    await ingress.accept(Item("a-1", "a", "x", {"n": 1}))
    async with workers(ingress, handler, 1):
        await until(ingress.dead_count)
    dead = await ingress.dead_letters()
    assert [d["item"]["id"] for d in dead] == ["a-1"] and "send failed" in dead[0]["error"]
    assert await ingress.dead_count() == 1
    handler.down = False
    assert await ingress.redrive() == 1
    assert await ingress.dead_count() == 0
    async with workers(ingress, handler, 1):
        await until(lambda: handler.done)
    assert handler.done == [("a", "a-1")]



def test_dead_letters_command_lists_masked_and_redrives(redis_available):
    import json
    import os
    import subprocess
    from pathlib import Path

    import redis

    from tests.durable.conftest import REDIS_DB

    sync = redis.Redis.from_url(REDIS_DB)
    sync.flushdb()
    entry = '{"id": "telegram:7", "user": "telegram:98765432", "channel": "telegram", "payload": {"n": 1}}'
    rec = json.dumps({"item": json.loads(entry), "entry": entry, "error": "send failed for 900s: X", "at": 1})
    sync.rpush("tamin:ing:{q}:dead", rec)  # left by the old single-slot layout: moved into its shard
    tool = str(Path(__file__).resolve().parents[2] / ".venv/bin/tamin-bot")
    env = {**os.environ, "REDIS_URL": REDIS_DB}
    listed = subprocess.run([tool, "ingress", "dead-letters"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "telegram:7" in listed.stdout and "98765432" not in listed.stdout and "1 dead letter" in listed.stderr
    moved = subprocess.run([tool, "ingress", "dead-letters", "--redrive"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert moved.returncode == 0 and "1 queued again" in moved.stderr
    from bot.channels.ingress import RedisIngress

    shard = RedisIngress(sync, prefix="tamin:ing").shard("telegram:98765432")
    assert not sync.exists("tamin:ing:{q}:dead") and sync.llen(f"{shard}:dead") == 0
    assert sync.lrange(f"{shard}:in:telegram:98765432", 0, -1) == [entry.encode()]
    assert sync.zrange(f"{shard}:fresh", 0, -1) == [b"telegram:98765432"]
    sync.flushdb()
    sync.close()


async def test_a_stopping_worker_hands_its_person_over_at_once(rdb):
    ingress = RedisIngress(rdb, prefix="t:s", lease=30.0)
    started = asyncio.Event()

    class Slow(Log):
        async def prepare(self, item: Item) -> list[dict]:
            if item.id == "a-1" and not started.is_set():
                started.set()
                await asyncio.sleep(60)  # stopped (SIGTERM) in the middle of this turn
            return await super().prepare(item)

    first = Slow()
    await ingress.accept(Item("a-1", "a", "x", {"n": 1}))
    async with workers(ingress, first, 1):
        await asyncio.wait_for(started.wait(), 10)
    second = Log()
    async with workers(ingress, second, 1):  # long before the 30 s lease would have run out
        await until(lambda: second.done, limit=5)
    assert second.done == [("a", "a-1")]
