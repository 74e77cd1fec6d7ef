"""The whole bot (webhook, Redis ingress, Telegram door over HTTP): a Bot API outage longer than the
old four attempts loses no reply, and a 429 does not hold a worker."""

from __future__ import annotations

import time

import pytest

from tests.channels.support import MessengerUser, bot_env, bot_server
from tests.durable.conftest import REDIS_DB
from tests.durable.fakes import OutageBotAPI
from tests.fakes.kavenegar import FakeKavenegar


@pytest.fixture
def fakes(redis_available):
    import redis

    api, sms = OutageBotAPI(), FakeKavenegar()
    r = redis.Redis.from_url(REDIS_DB)
    r.flushdb()
    yield api, sms
    r.flushdb()
    r.close()
    api.release()
    api.stop()
    sms.stop()


def _wait(cond, limit: float = 30.0) -> None:
    end = time.time() + limit
    while not cond() and time.time() < end:
        time.sleep(0.05)


def test_an_outage_loses_no_reply_and_keeps_each_chats_order(fakes):
    api, sms = fakes
    env = bot_env(api, sms, REDIS_DB, INGRESS_WORKERS="2", INGRESS_BACKOFF_SECONDS="0.1",
                  INGRESS_SEND_BACKOFF_MAX_SECONDS="0.5")
    with bot_server(env) as url:
        people = [MessengerUser(url, api, "telegram", f"outage{i}") for i in range(4)]
        api.down = True
        for p in people:
            for text in ("/start", "راهنما"):
                assert p.post(p.text_update(text)).status_code == 200
        _wait(lambda: sum(c["status"] == 502 for c in api.calls) >= 16)  # four times the old four attempts
        assert all(p.sent() == [] for p in people)
        api.down = False
        _wait(lambda: all(len(p.sent()) >= 2 for p in people))
        time.sleep(0.3)
        for p in people:
            assert len(p.sent()) >= 2, "a reply was lost in the outage"
            first = p.sent()[0]["params"]
            assert "reply_markup" in first  # /start's greeting (with its buttons) comes first
        import redis

        from bot.channels.ingress import RedisIngress

        r = redis.Redis.from_url(REDIS_DB)
        assert sum(r.llen(f"{p}:dead") for p in RedisIngress(r, "tamin:ing").shards) == 0  # nothing parked
        r.close()


def test_the_dead_letter_count_is_on_metrics(fakes):
    import httpx
    import redis

    api, sms = fakes
    with bot_server(bot_env(api, sms, REDIS_DB, INGRESS_WORKERS="0")) as url:
        r = redis.Redis.from_url(REDIS_DB)
        from bot.channels.ingress import RedisIngress

        r.rpush(RedisIngress(r, "tamin:ing").shard("telegram:1") + ":dead", '{"item": {"id": "x", "user": "telegram:1"}, "error": "e", "at": 1}')
        r.close()
        text = httpx.get(f"{url}/metrics", timeout=10).text
        assert 'tamin_queue_depth{queue="ingress_dead_letters"} 1.0' in text


async def test_a_429_in_a_worker_parks_the_person_for_retry_after(fakes):
    from bot.channels.deferral import Deferred, deferring
    from bot.channels.limiter import MemoryLimiter
    from bot.channels.messenger import MessengerDoor
    from bot.engine.messages import Channel

    api, _ = fakes
    door = MessengerDoor(Channel.TELEGRAM, "555:t", api.url, engine=None, limiter=MemoryLimiter())
    api.throttle(1, retry_after=7)
    try:
        with deferring(), pytest.raises(Deferred) as waited:
            await door.deliver({"t": "text", "text": "سلام", "chat": 42}, "op-1")
        assert waited.value.seconds == 7 and waited.value.why == "429"
        await door.deliver({"t": "text", "text": "سلام", "chat": 42}, "op-1")  # outside a worker: sent
        assert len(api.sent_to(42)) == 1
    finally:
        await door.aclose()
