"""The console under test: the whole bot over real HTTP on loopback, a fake Telegram Bot API as the
person's channel, staff accounts, and helpers to run coroutines on the server's own loop."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from basics.bidi import bare
from tests.fakes.botapi import FakeBotAPI
from tests.support.servers import ServerThread, free_port

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"
TG_TOKEN = "424242:CONSOLE-TEST"
TG_SECRET = "console-hook-secret"
SUPERVISOR = ("maryam", "supervisor-pass-1420", "مریم احمدی")
AGENT = ("ali", "agent-pass-14200", "علی رضایی")
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


class DoorSender:
    """An agent's reply through the real messenger door (render + Bot API send).

    Stands in for the ``app.state.senders[channel]`` object the channels engineer will provide.
    """

    def __init__(self, app, channel: str) -> None:
        self.app, self.channel = app, channel

    async def send(self, user: str, messages) -> None:
        from bot.channels.render_messenger import render

        door = self.app.state.channels.doors[self.channel]
        for i, op in enumerate(render(messages)):
            await door.deliver({**op, "chat": int(user)}, f"console-{user}-{time.time_ns()}-{i}")


@dataclass
class Console:
    """The running bot with its console, and ways to reach inside it."""

    url: str
    app: object
    loop: asyncio.AbstractEventLoop
    botapi: FakeBotAPI

    def run(self, coro, timeout: float = 20):
        """Run ``coro`` on the server's event loop (its database and stores live there)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def telegram(self, chat_id: int, text: str) -> None:
        """A Telegram user writes to the bot, through the real webhook."""
        self._update_id = getattr(self, "_update_id", 9000) + 1
        update = {"update_id": self._update_id, "message": {
            "message_id": self._update_id, "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "رضا"}}}
        r = httpx.post(f"{self.url}/webhooks/telegram/{TG_SECRET}", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=10)
        assert r.status_code == 200, r.text

    def wait_for(self, check, timeout: float = 10, what: str = "condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def sent_texts(self, chat_id: int) -> list[str]:
        """What the chat was sent, as the person reads it (without the bidi isolates)."""
        return [bare(c["params"].get("text", "")) for c in self.botapi.sent_to(chat_id)]

    def outbox(self, mobile: str) -> list[str]:
        box = httpx.get(f"{self.url}/dev/outbox", timeout=10).json()["messages"]
        return [m["text"] for m in box if m["to"] == mobile]

    def session_rows(self, username: str):
        async def rows():
            from sqlalchemy import select

            from bot.console.models import Staff, StaffSession

            async with self.app.state.db.session() as s:
                return list(await s.scalars(select(StaffSession).join(Staff, Staff.id == StaffSession.staff_id)
                                            .where(Staff.username == username)))
        return self.run(rows())

    def expire_sessions(self, username: str, *, idle: bool = False) -> None:
        """Age the user's sessions past their end (or past the idle limit)."""
        async def age():
            from sqlalchemy import select, update

            from bot.console.models import Staff, StaffSession

            async with self.app.state.db.session() as s:
                ids = select(Staff.id).where(Staff.username == username).scalar_subquery()
                values = {"last_seen": time.time() - 3 * 3600} if idle else {"expires_at": time.time() - 1}
                await s.execute(update(StaffSession).where(StaffSession.staff_id == ids).values(**values))
        self.run(age())


@pytest.fixture(scope="session")
def console(simulator_url, tmp_path_factory) -> Console:
    from bot.app import create_app
    from bot.console.auth import create_staff
    from bot.settings import Settings

    botapi = FakeBotAPI()
    port = free_port()
    db_file = tmp_path_factory.mktemp("console") / "console.db"
    settings = Settings(tamin_backend_url=simulator_url, public_base_url=f"http://127.0.0.1:{port}",
                        database_url=f"sqlite+aiosqlite:///{db_file}", redis_url=None, kavenegar_api_key=None,
                        telegram_bot_token=TG_TOKEN, telegram_api_base=botapi.url, telegram_webhook_secret=TG_SECRET,
                        bale_bot_token=None, tamin_dev=True)  # codes in the dev outbox beside a messenger
    app = create_app(settings)
    box: dict = {}

    async def grab_loop(app) -> None:
        box["loop"] = asyncio.get_running_loop()

    app.state.on_start.insert(0, grab_loop)
    senders = app.state.senders
    if "telegram" not in senders:  # the channels' own sender is preferred once it exists
        senders["telegram"] = DoorSender(app, "telegram")
    with ServerThread(app, port) as server:
        c = Console(server.url, app, box["loop"], botapi)
        for username, password, name in (SUPERVISOR, AGENT):
            role = "supervisor" if username == SUPERVISOR[0] else "agent"
            c.run(create_staff(app.state.db, username, password, role, name))
        yield c
    botapi.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def sign_in(url: str, username: str, password: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in to the console, and its CSRF token."""
    client = httpx.Client(base_url=url, timeout=15, follow_redirects=False)
    page = client.get("/console/login")
    token = CSRF_FIELD.search(page.text).group(1)
    r = client.post("/console/login", data={"csrf": token, "username": username, "password": password})
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers.get("location")
    page = client.get("/console/guide")
    return client, CSRF_FIELD.search(page.text).group(1)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser); per module, because the
    sync API keeps an event loop running in this thread until it stops."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()
