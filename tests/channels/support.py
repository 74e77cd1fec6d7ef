"""Helpers for the channel tests: the bot app on loopback pointed at the fakes, and people on each door."""

from __future__ import annotations

import itertools
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.fakes.botapi import FakeBotAPI
from tests.fakes.kavenegar import FakeKavenegar
from tests.support.chat import plain  # noqa: F401 - one plain() for every test folder
from tests.support.servers import ServerThread, free_port

SECRET = "s3cret-Path_123"
TG_TOKEN, BALE_TOKEN = "111:tg-test", "222:bale-test"
def bot_env(bot_api: FakeBotAPI, sms: FakeKavenegar, redis_url: str | None, **extra: str) -> dict[str, str]:
    """Environment settings that point the bot at the fakes."""
    env = {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE": bot_api.url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "BALE_BOT_TOKEN": BALE_TOKEN, "BALE_API_BASE": bot_api.url, "BALE_WEBHOOK_SECRET": SECRET,
        "KAVENEGAR_API_BASE": sms.url, "KAVENEGAR_API_KEY": "test-key-0123456789abcdef0123",
        "KAVENEGAR_SENDER": "10001420", "KAVENEGAR_OTP_TEMPLATE": "tamin-otp", "KAVENEGAR_WEBHOOK_SECRET": SECRET,
        "INGRESS_BACKOFF_SECONDS": "0.1", "INGRESS_LEASE_SECONDS": "3",
        "TAMIN_DEV": "1",  # the in-process simulator (and, without an SMS key, the dev outbox) beside the fakes
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def _nlu_override() -> dict[str, Any]:
    """The real NLU when it is built; a stub that understands nothing until then."""
    try:
        from bot.nlu import default_nlu  # noqa: F401

        return {}
    except ImportError:
        from bot.engine.understand import Parse, Understander

        class _Stub:
            async def parse(self, text: str) -> Parse:
                return Parse("out_of_scope", 0.0)

        return {"nlu": Understander(_Stub(), 0.45)}


@contextmanager
def bot_server(env: dict[str, str], with_app: bool = False) -> Iterator[Any]:
    """The whole bot app under uvicorn on a free port, with ``env`` as its settings (url, or (url, app))."""
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = Settings(public_base_url=f"http://127.0.0.1:{port}")
        app = create_app(settings, **_nlu_override())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    async def keep_loop(app: Any) -> None:
        import asyncio

        app.state.loop = asyncio.get_running_loop()

    app.state.on_start.append(keep_loop)
    with ServerThread(app, port) as server:
        yield (server.url, app) if with_app else server.url


def wait_new(get: Callable[[], list], seen: int, quiet: float = 0.3, limit: float = 10.0) -> list:
    """New items after ``seen``, once none arrived for ``quiet`` seconds (or ``limit``)."""
    t0, last_n, last_t = time.time(), len(get()), time.time()
    while time.time() - t0 < limit:
        n = len(get())
        if n != last_n:
            last_n, last_t = n, time.time()
        elif n > seen and time.time() - last_t >= quiet:
            break
        time.sleep(0.03)
    return get()[seen:]


class MessengerUser:
    """A person on Telegram or Bale, talking to the bot's webhook as the Bot API server would."""

    ids = itertools.count(int(time.time()) % 10**6 * 100)

    def __init__(self, base: str, api: FakeBotAPI, kind: str, name: str) -> None:
        self.base, self.api, self.kind = base, api, kind
        self.uid = 500000000 + zlib.crc32(f"{name}{time.time_ns()}".encode()) % 10**8
        self.token = TG_TOKEN if kind == "telegram" else BALE_TOKEN
        self.http = httpx.Client(timeout=10)
        self.seen = 0

    def headers(self) -> dict[str, str]:
        return {"X-Telegram-Bot-Api-Secret-Token": SECRET} if self.kind == "telegram" else {}

    def post(self, update: dict[str, Any], secret: str = SECRET, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST one update to the webhook."""
        update.setdefault("update_id", next(self.ids))
        return self.http.post(f"{self.base}/webhooks/{self.kind}/{secret}", json=update,
                              headers=self.headers() if headers is None else headers)

    def sent(self) -> list[dict[str, Any]]:
        return self.api.sent_to(self.uid, self.token)

    def turn(self, update: dict[str, Any], limit: float = 10.0) -> list[dict[str, Any]]:
        """Post an update, return the bot's new messages."""
        r = self.post(update)
        assert r.status_code == 200, r.text
        out = wait_new(self.sent, self.seen, limit=limit)
        self.seen += len(out)
        return [message(c) for c in out]

    def _user(self) -> dict[str, Any]:
        return {"id": self.uid, "is_bot": False, "first_name": "آزمون"}

    def _msg(self, **fields: Any) -> dict[str, Any]:
        return {"message_id": next(self.ids), "date": int(time.time()), "from": self._user(),
                "chat": {"id": self.uid, "type": "private", "first_name": "آزمون"}, **fields}

    def text_update(self, text: str) -> dict[str, Any]:
        return {"message": self._msg(text=text)}

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.turn(self.text_update(text))

    def press(self, data: str) -> list[dict[str, Any]]:
        cq = {"id": str(time.time_ns()), "from": self._user(), "data": data,
              "message": {"message_id": 1, "date": int(time.time()), "text": "…",
                          "chat": {"id": self.uid, "type": "private"}}}
        if self.kind == "telegram":  # Bale's CallbackQuery has no chat_instance
            cq["chat_instance"] = "ci"
        return self.turn({"callback_query": cq})

    def share_contact(self, mobile: str) -> list[dict[str, Any]]:
        contact = {"phone_number": "+98" + mobile[1:], "first_name": "آزمون", "user_id": self.uid}
        return self.turn({"message": self._msg(contact=contact)})


def message(call: dict[str, Any]) -> dict[str, Any]:
    """A recorded send as {text, choices: [(data, title)], contact, document}."""
    import json

    p = call["params"]
    rm = p.get("reply_markup")
    rm = json.loads(rm) if isinstance(rm, str) and rm else (rm or {})
    choices = [(b.get("callback_data"), b.get("text", "")) for row in rm.get("inline_keyboard", []) for b in row]
    contact = any(isinstance(b, dict) and b.get("request_contact") for row in rm.get("keyboard", []) for b in row)
    return {"text": p.get("text") or p.get("caption") or "", "choices": choices, "contact": contact,
            "document": call["method"].lower() == "senddocument", "markup": rm, "params": p}


class SmsUser:
    """A person texting the bot's Kavenegar number."""

    ids = itertools.count(int(time.time()) % 10**6 * 100)

    def __init__(self, base: str, sms: FakeKavenegar, mobile: str) -> None:
        self.base, self.sms, self.mobile = base, sms, mobile
        self.http = httpx.Client(timeout=10)
        self.seen = len(self.sms.texts_to(mobile))

    def post(self, text: str, messageid: str | None = None, secret: str = SECRET) -> httpx.Response:
        body = {"from": "+98" + self.mobile[1:], "to": "10001420", "message": text,
                "messageid": messageid or str(next(self.ids))}
        return self.http.post(f"{self.base}/webhooks/kavenegar/{secret}", data=body)

    def say(self, text: str) -> list[str]:
        """Text the bot; return the SMS it answered."""
        r = self.post(text)
        assert r.status_code == 200, r.text
        out = wait_new(lambda: self.sms.texts_to(self.mobile), self.seen)
        self.seen += len(out)
        return out
