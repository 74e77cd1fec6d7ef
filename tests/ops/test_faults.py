"""Faults a user must survive: Redis stopping mid-conversation, a back-end that times out or fails."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time

import httpx
import pytest
import redis

from tests.support.chat import Chat, plain
from tests.support.servers import ServerThread, free_port

RETIRED_NC, RETIRED_MOBILE = "0016383230", "09120000101"


class PrivateRedis:
    """A Redis server of this test's own, with an append-only file so a restart keeps the data."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="tamin-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                                      "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_redis(redis_available):
    r = PrivateRedis()
    r.start()
    yield r
    r.cleanup()


def _bot(simulator_url: str, redis_url: str | None = None):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, redis_url=redis_url, public_base_url=f"http://127.0.0.1:{port}",
                        modules="", tamin_backend_timeout=1.0)
    return ServerThread(create_app(settings), port)


def test_redis_stopping_mid_conversation_gets_a_clear_answer_and_the_talk_resumes(simulator_url, private_redis):
    with _bot(simulator_url, private_redis.url) as bot:
        chat = Chat(bot.url)
        chat.say("مستمری")
        assert "شماره همراه" in chat.say(RETIRED_NC)
        private_redis.stop()
        down = chat.say(RETIRED_MOBILE)
        assert "در دسترس نیست" in down and "محفوظ" in down
        private_redis.start()
        # the conversation goes on from the step it had reached: the mobile is asked again, nothing else
        again = chat.say(RETIRED_MOBILE)
        assert "کد تأیید" in again, again
        assert "185432000" in plain(chat.say(chat.otp(RETIRED_MOBILE)))


def _fault(simulator_url: str, **spec) -> None:
    httpx.post(f"{simulator_url}/_sim/faults", json=spec).raise_for_status()


def test_a_backend_that_times_out_gets_a_persian_message_and_nothing_is_lost(simulator_url):
    with _bot(simulator_url) as bot:
        chat = Chat(bot.url)
        chat.say("مستمری")
        chat.say(RETIRED_NC)
        chat.say(RETIRED_MOBILE)
        code = chat.otp(RETIRED_MOBILE)
        _fault(simulator_url, mode="timeout", path_prefix="/v1/persons/0016383230/pension")
        try:
            started = time.monotonic()
            failed = chat.say(code)
            assert time.monotonic() - started < 15
            assert "محفوظ" in failed and "تلاش دوباره" in chat.choices()
        finally:
            _fault(simulator_url, mode="ok")
        answer = chat.press("تلاش دوباره")
        assert "185432000" in plain(answer)


def test_a_failing_backend_gets_a_persian_message_then_service_resumes(simulator_url):
    with _bot(simulator_url) as bot:
        chat = Chat(bot.url)
        chat.say("مستمری")
        _fault(simulator_url, mode="fail", path_prefix="/v1/identity")
        try:
            chat.say(RETIRED_NC)
            failed = chat.say(RETIRED_MOBILE)
            assert "ریال" not in failed and ("دوباره" in failed or "در دسترس" in failed)
        finally:
            _fault(simulator_url, mode="ok")
        resumed = chat.press("تلاش دوباره")
        assert "کد تأیید" in resumed
