"""Fixtures of the fault tests: a Redis database of their own (db 10 of the tests' server), emptied."""

from __future__ import annotations

import pytest

from tests.support.services import redis_db

REDIS_DB = redis_db(10)


@pytest.fixture
async def rdb(redis_available):
    """An asyncio client on db 10, emptied before and after."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_DB)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()
