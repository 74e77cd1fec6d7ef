"""Fixtures of the notification tests: Redis db 9 (flushed), a migrated database, the fake servers."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable

import pytest

from tests.fakes.botapi import FakeBotAPI
from tests.fakes.kavenegar import FakeKavenegar
from tests.support.services import PG_URL, redis_db

REDIS_DB9 = os.environ.get("NOTIFY_TEST_REDIS_URL", redis_db(9))
TOKEN = "123456:notify-test-token"
SECRET = "events-secret-for-tests"


def _flush() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_DB9)
    client.flushdb()
    client.close()


@pytest.fixture
def redis9(redis_available) -> str:
    """Redis db 9, emptied before and after."""
    _flush()
    yield REDIS_DB9
    _flush()


@pytest.fixture
def bot_api():
    server = FakeBotAPI()
    yield server
    server.release()
    server.stop()


@pytest.fixture
def kavenegar():
    server = FakeKavenegar()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite"])
async def database(request, tmp_path):
    """A migrated database: SQLite in a temporary folder (or a PostgreSQL schema of its own)."""
    from bot.storage import Database

    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/notify.db")
    else:
        from sqlalchemy import text

        schema = f"notify_{uuid.uuid4().hex[:8]}"
        admin = Database(PG_URL)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f"CREATE SCHEMA {schema}"))
        db = Database(PG_URL, schema=schema)
    await db.migrate()
    yield db
    await db.dispose()
    if request.param != "sqlite":
        async with admin.engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


def settings_for(bot_api: FakeBotAPI, kavenegar: FakeKavenegar, redis_url: str, **extra):
    """Bot settings pointing every outside system at the fakes."""
    from bot.settings import Settings

    return Settings(telegram_bot_token=TOKEN, telegram_api_base=bot_api.url, kavenegar_api_key="k" * 24,
                    kavenegar_api_base=kavenegar.url, kavenegar_sender="10004346", redis_url=redis_url,
                    events_hmac_secret=SECRET, kavenegar_webhook_secret="kv-secret", **extra)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def make_notify(bot_api, kavenegar, redis9, database):
    """Build a ``Notify`` on the fakes; closed after the test."""
    from bot.engine.store import RedisStore
    from bot.notify.config import NotifySettings
    from bot.notify.runtime import Notify

    made = []

    def make(clock: Callable[[], float] | None = None, **cfg) -> Notify:
        defaults = {"limits": False, "claim_idle_seconds": 0.5, "lease_seconds": 1.0, "block_ms": 50,
                    "backoff_seconds": 0.05, "quiet_start": "00:00", "quiet_end": "00:00"}
        settings = settings_for(bot_api, kavenegar, redis9)
        store = RedisStore.from_url(redis9)
        kw = {"clock": clock} if clock else {}
        n = Notify.from_settings(settings, database, cfg=NotifySettings(**{**defaults, **cfg}), store=store, **kw)
        made.append((n, store))
        return n

    yield make
    for n, store in made:
        await n.aclose()
        await store.close()


async def drain(notify, rounds: int = 50, consumer=None) -> None:
    """Run one worker until the queue is empty (or ``rounds`` rounds)."""
    d = notify.dispatcher(consumer)
    await d.queue.ensure_group()
    for _ in range(rounds):
        if not await d.step():
            depth = await d.queue.depth()
            if not depth["urgent"] and not depth["bulk"]:
                return
    await asyncio.sleep(0)
