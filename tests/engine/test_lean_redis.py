"""The session store's lean Redis client (``basics/resp.py``): answers in order, a restarted script cache, a
server that hangs up or stops answering, and a lock taken on a connection that dropped before its reply."""

from __future__ import annotations

import asyncio

import pytest

from basics.resp import Deadline, Resp
from bot.engine.store import RedisStore
from bot.engine.understand import Understander

pytest.importorskip("hiredis")


async def test_many_people_at_once_each_get_their_own_answer(redis_url):
    client = Resp.from_url(redis_url)
    await client.call("SET", "who", "nobody")

    async def one(n: int) -> bytes:
        await client.call("SET", f"p:{n}", f"person {n}")
        return await client.call("GET", f"p:{n}")

    got = await asyncio.gather(*(one(n) for n in range(200)))
    assert got == [f"person {n}".encode() for n in range(200)]
    await client.close()


async def test_a_script_forgotten_by_redis_is_loaded_again(redis_url):
    client = Resp.from_url(redis_url)
    script = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    assert await client.script(script, ["n"], [2]) == 2
    await client.call("SCRIPT", "FLUSH")  # what a restarted Redis without persistence knows
    assert await client.script(script, ["n"], [3]) == 5
    await client.close()


async def test_a_connection_closed_by_redis_is_replaced_for_the_next_call(redis_url):
    client = Resp.from_url(redis_url)
    await client.call("CLIENT", "SETNAME", "lean-victim")
    import redis

    admin = redis.Redis.from_url(redis_url)
    killed = [c for c in admin.client_list() if c.get("name") == "lean-victim"]
    assert killed
    admin.client_kill_filter(_id=killed[0]["id"])
    await asyncio.sleep(0.05)
    assert await client.call("PING") == b"PONG"
    await client.close()


async def test_no_reply_in_time_fails_the_call_and_the_next_call_works(redis_url):
    client = Resp.from_url(redis_url, timeout=0.2)
    with pytest.raises(Deadline):
        await client.call("BLPOP", "never-filled", 5)  # Redis holds the reply past the deadline
    assert await client.call("PING") == b"PONG"  # a new connection: no reply of the old one is read as ours
    await client.close()


async def test_a_lock_taken_by_a_call_whose_reply_was_lost_is_ours(redis_url):
    """A retried acquire (the first one ran, its reply was lost with the connection) must not wait for itself."""
    import redis.asyncio as ra

    store = RedisStore(ra.Redis.from_url(redis_url), prefix="t:lean:")
    keys = [store._k("l", "web:x"), store._k("s", "web:x")]
    first = await store._acquire(keys=keys, args=["token-1", 5000])
    again = await store._acquire(keys=keys, args=["token-1", 5000])
    other = await store._acquire(keys=keys, args=["token-2", 5000])
    assert first[0] == 1 and again[0] == 1 and other[0] == 0
    await store.close()


class CountingModel:
    """The embedded model's interface, counting how often it is asked."""

    threshold = 0.45

    def __init__(self) -> None:
        self.asked: list[str] = []

    def parse(self, text: str) -> dict:
        self.asked.append(text)
        return {"intent": {"name": "greet", "confidence": 0.9}, "intent_ranking": [{"name": "greet", "confidence": 0.9}],
                "entities": []}


async def test_the_same_words_again_are_not_parsed_again_but_numbers_always_are():
    model = CountingModel()
    nlu = Understander(model)
    first = await nlu.parse("سلام")
    first.ranking.clear()  # a caller changing its answer does not change the next one
    second = await nlu.parse("سلام")
    assert second.intent == "greet" and second.ranking == [("greet", 0.9)]
    await nlu.parse("کد ملی من ۰۰۱۶۳۸۳۲۳۰")
    await nlu.parse("کد ملی من ۰۰۱۶۳۸۳۲۳۰")
    assert model.asked == ["سلام", "کد ملی من ۰۰۱۶۳۸۳۲۳۰", "کد ملی من ۰۰۱۶۳۸۳۲۳۰"]
