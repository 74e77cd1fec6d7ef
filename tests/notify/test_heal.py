"""The notices worker heals when Redis loses its consumer group (FLUSHDB, or a restart without persistence)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.notify.config import NotifySettings
from bot.notify.runtime import Notify
from tests.durable.redis_proc import RedisProcess
from tests.notify.conftest import settings_for
from tests.notify.events import article38

CFG = {"limits": False, "claim_idle_seconds": 0.5, "lease_seconds": 1.0, "block_ms": 50, "backoff_seconds": 0.05,
       "quiet_start": "00:00", "quiet_end": "00:00"}


@pytest.fixture
def own_redis():
    server = RedisProcess().start()
    yield server
    server.stop()


async def _delivered(kavenegar, mobile: str, limit: float = 15.0) -> bool:
    end = asyncio.get_running_loop().time() + limit
    while asyncio.get_running_loop().time() < end:
        if kavenegar.texts_to(mobile):
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.parametrize("fault", ["flushdb", "restart"])
async def test_the_worker_recreates_its_group_and_delivers(fault, own_redis, bot_api, kavenegar, database, caplog):
    notify = Notify.from_settings(settings_for(bot_api, kavenegar, own_redis.url), database, cfg=NotifySettings(**CFG))
    await notify.prepare()
    notify.start(1)
    try:
        await notify.intake.accept([article38("H-1", nc="3100000001", mobile="09150001001")], "webhook")
        assert await _delivered(kavenegar, "09150001001")
        if fault == "flushdb":
            own_redis_client = __import__("redis").Redis(port=own_redis.port)
            own_redis_client.flushdb()
            own_redis_client.close()
        else:
            await asyncio.to_thread(own_redis.restart)
        await asyncio.sleep(1.0)
        caplog.clear()
        with caplog.at_level(logging.INFO):
            # the first request after the fault is accepted, and delivered
            await notify.intake.accept([article38("H-2", nc="3100000002", mobile="09150001002")], "webhook")
            assert await _delivered(kavenegar, "09150001002")
            await asyncio.sleep(1.5)
        assert not [r for r in caplog.records if "NOGROUP" in r.getMessage() or
                    (r.exc_info and "NOGROUP" in str(r.exc_info[1]))]
    finally:
        await notify.aclose()


async def test_claim_ack_and_read_recreate_a_destroyed_group(own_redis):
    from bot.notify.model import Notice
    from bot.notify.queue import NoticeQueue
    from bot.notify.runtime import make_redis

    client = make_redis(own_redis.url)
    q = NoticeQueue(client, prefix="t:heal", consumer="c1")
    await q.ensure_group()
    await q.put([Notice("E-1", "3100000001", "sms", "09150001001", "debt_raised", id=1)])
    got = await q.read(10, 50)
    for stream in q.streams.values():
        await client.xgroup_destroy(stream, q.group)
    await q.ack(got)  # no error
    assert await q.claim(0, 10) == []  # XAUTOCLAIM heals (the group is back, empty)
    await q.put([Notice("E-2", "3100000002", "sms", "09150001002", "debt_raised", id=2)])
    assert [e.notice.event_id for e in await q.read(10, 50)] == ["E-2"]  # E-1 was handled and deleted
    await client.aclose()
