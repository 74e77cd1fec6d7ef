"""Fixtures of the conversation tests over the SMS door: the fakes and a bot on Redis db 9."""

from __future__ import annotations

import pytest

from tests.channels.support import bot_env, bot_server
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.kavenegar import FakeKavenegar
from tests.support.services import redis_db

REDIS_DB9 = redis_db(9)


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def fake_bot_api():
    server = FakeBotAPI()
    yield server
    server.release()
    server.stop()


@pytest.fixture(scope="module")
def fake_sms():
    server = FakeKavenegar()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def doors_bot(fake_bot_api, fake_sms, redis_available):
    """The bot with every door on, its sessions in Redis db 9 (emptied before and after)."""
    _flush(REDIS_DB9)
    with bot_server(bot_env(fake_bot_api, fake_sms, REDIS_DB9)) as url:
        yield url
    _flush(REDIS_DB9)
