"""The embedded default (no Redis, no Kavenegar key): in-process queue, SMS replies in the dev outbox."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.channels.messenger import MessengerDoor
from bot.engine.messages import Channel
from tests.channels.support import SECRET, TG_TOKEN, MessengerUser, bot_env, bot_server, wait_new


@pytest.fixture(scope="module")
def embedded_bot(bot_api, kavenegar):
    env = bot_env(bot_api, kavenegar, None, KAVENEGAR_API_KEY="")
    with bot_server(env) as url:
        yield url


def test_sms_door_answers_into_the_dev_outbox(embedded_bot):
    http = httpx.Client(timeout=10)
    outbox = lambda: [m for m in http.get(f"{embedded_bot}/dev/outbox").json()["messages"]  # noqa: E731
                      if m["to"] == "09120000101"]
    r = http.post(f"{embedded_bot}/webhooks/kavenegar/{SECRET}",
                  data={"from": "00989120000101", "to": "10001420", "message": "منو", "messageid": "e-1"})
    assert r.status_code == 200
    out = wait_new(outbox, 0)
    assert len(out) == 1 and "۱ " in out[0]["text"]


def test_telegram_works_without_redis(embedded_bot, bot_api):
    user = MessengerUser(embedded_bot, bot_api, "telegram", "embedded")
    out = user.say("/start")
    assert out and out[0]["choices"]


async def test_long_polling_feeds_the_ingress(bot_api):
    class Capture:
        def __init__(self) -> None:
            self.items: list[tuple[str, str, str]] = []

        async def accept(self, channel: str, user: str, update_id: str, payload: dict) -> bool:
            self.items.append((channel, user, update_id))
            assert payload.get("callback_query", {}).get("chat_instance", "x")
            return True

    door = MessengerDoor(Channel.BALE, TG_TOKEN, bot_api.url, engine=None, limiter=None)
    door.cfg.poll_timeout_seconds = 1
    base = 9_000_000
    bot_api.updates.clear()
    bot_api.push_update({"update_id": base, "message": {"message_id": 1, "date": int(time.time()), "text": "سلام",
                                                        "chat": {"id": 77, "type": "private"}}})
    bot_api.push_update({"update_id": base + 1, "callback_query": {  # Bale: no chat_instance
        "id": "1", "from": {"id": 77, "is_bot": False, "first_name": "x"}, "data": "svc:pension_status",
        "message": {"message_id": 2, "date": int(time.time()), "chat": {"id": 77, "type": "private"}, "text": "…"}}})
    runtime, stop = Capture(), asyncio.Event()
    task = asyncio.create_task(door.poll(runtime, stop))
    for _ in range(100):
        if len(runtime.items) >= 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await door.aclose()
    assert runtime.items[:2] == [("bale", "77", str(base)), ("bale", "77", str(base + 1))]
    assert any(c["method"] == "deleteWebhook" for c in bot_api.calls)


async def test_document_falls_back_to_its_link(bot_api):
    from bot.channels.limiter import MemoryLimiter

    door = MessengerDoor(Channel.TELEGRAM, TG_TOKEN, bot_api.url, engine=None, limiter=MemoryLimiter())
    op = {"t": "doc", "chat": 4711, "url": f"{bot_api.url}/missing.pdf", "filename": "c.pdf", "caption": "گواهی",
          "inline": None, "fallback": "گواهی\n\nدریافت فایل: http://x/c.pdf"}
    await door.deliver(op, "x:0")
    await door.aclose()
    sent = bot_api.sent_to(4711)
    assert sent[-1]["method"] == "sendMessage" and "http://x/c.pdf" in sent[-1]["params"]["text"]


async def test_polling_never_logs_the_bot_token(bot_api, caplog):
    import logging

    caplog.set_level(logging.INFO)
    bot_api.updates.clear()
    door = MessengerDoor(Channel.TELEGRAM, "333:never-log-me", bot_api.url, engine=None, limiter=None)
    door.cfg.poll_timeout_seconds = 0
    stop = asyncio.Event()
    task = asyncio.create_task(door.poll(object(), stop))
    await asyncio.sleep(0.3)
    stop.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await door.aclose()
    assert "getUpdates" in caplog.text and "never-log-me" not in caplog.text
