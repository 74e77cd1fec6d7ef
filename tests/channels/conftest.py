"""Fixtures of the channel tests: the fakes, a durable bot on Redis db 7, a clean db."""

from __future__ import annotations

import pytest

from tests.channels.support import bot_env, bot_server
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.kavenegar import FakeKavenegar
from tests.support.services import redis_db

REDIS_DB7 = redis_db(7)


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def bot_api():
    server = FakeBotAPI()
    yield server
    server.release()
    server.stop()


@pytest.fixture(scope="session")
def kavenegar():
    server = FakeKavenegar()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def durable_bot(bot_api, kavenegar, redis_available):
    """The bot with every door on, its queue and sessions in Redis db 7 (emptied before and after)."""
    _flush(REDIS_DB7)
    with bot_server(bot_env(bot_api, kavenegar, REDIS_DB7)) as url:
        yield url
    _flush(REDIS_DB7)
