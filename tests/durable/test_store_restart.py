"""Sessions in Redis: the first message after a Redis restart (no persistence) is answered, not refused."""

from __future__ import annotations

import shutil

import pytest

from tests.durable.redis_proc import RedisProcess
from tests.support.chat import Chat
from tests.support.servers import ServerThread, free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server")


@pytest.fixture
def bot_on_own_redis(simulator_url):
    from bot.app import create_app
    from bot.settings import Settings

    server = RedisProcess().start()
    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, redis_url=server.url, public_base_url=f"http://127.0.0.1:{port}",
                        kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None, modules="")
    try:
        with ServerThread(create_app(settings), port) as app:
            yield app.url, server
    finally:
        server.stop()


def test_the_first_message_after_a_redis_restart_is_answered(bot_on_own_redis):
    base, server = bot_on_own_redis
    chat = Chat(base)
    assert "خوش آمدید" in chat.say("سلام")
    server.restart()  # every pooled connection of the bot is now dead
    again = Chat(base)
    answer = again.say("سلام")
    assert "خوش آمدید" in answer, answer  # not «سامانه در دسترس نیست»
    assert "خوش آمدید" in chat.say("سلام")
