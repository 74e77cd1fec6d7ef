"""16.6: the in-process simulator (ASGI transport) honours the client's deadline and counts against the breaker."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tamin_helpers import NC

from integrations.tamin.breaker import CircuitBreaker
from integrations.tamin.client import TaminClient
from integrations.tamin.errors import Down
from integrations.tamin.simulator import create_app

HANG_GUARD = 30  # the fault hangs 120 s per attempt: the guard only tells "bounded" from "hung"


async def test_a_hanging_in_process_call_times_out_and_opens_the_breaker() -> None:
    app = create_app()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=60)
    tamin = TaminClient("http://simulator", timeout=0.3, retries=1, backoff=0.01, breaker=breaker,
                        transport=httpx.ASGITransport(app=app))
    try:
        app.state.faults.set(app.state.faults.spec.model_copy(update={"mode": "timeout"}))
        for _ in range(2):
            with pytest.raises(Down) as exc:
                async with asyncio.timeout(HANG_GUARD):
                    await tamin.pension(NC["pensioner-retired"])
            assert exc.value.reason == "timeout"
        assert breaker.state == "open"
        with pytest.raises(Down) as exc:
            await tamin.pension(NC["pensioner-retired"])
        assert exc.value.reason == "circuit_open"
    finally:
        app.state.faults.clear()
        await tamin.aclose()


async def test_the_whole_call_has_a_deadline_across_retries() -> None:
    app = create_app()
    tamin = TaminClient("http://simulator", timeout=5.0, retries=5, backoff=0.01, deadline=0.5,
                        transport=httpx.ASGITransport(app=app))
    try:
        app.state.faults.set(app.state.faults.spec.model_copy(update={"mode": "timeout"}))
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(Down):
            async with asyncio.timeout(HANG_GUARD):
                await tamin.person(NC["pensioner-retired"])
        assert loop.time() - started < HANG_GUARD
    finally:
        app.state.faults.clear()
        await tamin.aclose()


def test_a_chat_on_the_embedded_simulator_says_try_again() -> None:
    """The bot with the simulator in-process and the `timeout` fault: a Persian «try again», not a hang."""
    from bot.app import create_app as create_bot
    from bot.settings import Settings
    from tests.support.chat import Chat
    from tests.support.servers import ServerThread, free_port

    port = free_port()
    settings = Settings(tamin_backend_url=None, tamin_backend_timeout=0.5, public_base_url=f"http://127.0.0.1:{port}",
                        kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None, redis_url=None,
                        modules="", otp_max_sends=100)
    with ServerThread(create_bot(settings), port) as server:
        chat = Chat(server.url)
        try:
            httpx.post(f"{server.url}/sim/_sim/faults", json={"mode": "timeout"}, timeout=10).raise_for_status()
            answer = chat.say("وضعیت مستمری من")
            answer = chat.say("0016383230")
            if "شماره همراه" in answer:  # the identity check itself hangs: the answer must still come
                answer = chat.say("09120000101")
            assert "دوباره تلاش" in answer or "کمی بعد" in answer, answer
        finally:
            httpx.post(f"{server.url}/sim/_sim/reset", timeout=10)
            chat.close()
