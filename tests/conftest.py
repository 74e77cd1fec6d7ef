"""Fixtures shared by every test folder: loopback servers, Redis, the simulator."""

from __future__ import annotations

import os

import pytest

from tests.support.servers import ServerThread, free_port
from tests.support.services import REDIS_BASE

os.environ.setdefault("TAMIN_TEST", "1")



def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_BASE, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_available() -> bool:
    if not _redis_up():
        pytest.fail("Redis is not running at 127.0.0.1:6379 (scripts/services.sh starts it)")
    return True


@pytest.fixture
def redis_url(redis_available) -> str:
    """A Redis database of the engine tests' own, emptied before and after."""
    import redis

    url = f"{REDIS_BASE}/3"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def simulator_url() -> str:
    """The back-end simulator over real HTTP, for the whole session."""
    from integrations.tamin.simulator import create_app

    port = free_port()
    app = create_app(public_base=f"http://127.0.0.1:{port}")
    with ServerThread(app, port) as server:
        yield server.url


@pytest.fixture(scope="session")
def bot_url(simulator_url) -> str:
    """The whole bot over real HTTP (memory store, dev outbox) talking to the simulator over HTTP."""
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, public_base_url=f"http://127.0.0.1:{port}",
                        kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None, redis_url=None,
                        modules="", otp_max_sends=100)  # the suite verifies the same personas many times
    with ServerThread(create_app(settings), port) as server:
        yield server.url


@pytest.fixture
def chat(bot_url):
    """A new person in the web chat."""
    from tests.support.chat import Chat

    c = Chat(bot_url)
    yield c
    c.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium for a test module (Playwright; never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def log_lines():
    """Every log line the server writes while the test runs, formatted as production formats it."""
    import io
    import logging

    from bot.logs import JsonFormatter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(old)
