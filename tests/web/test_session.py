"""The web identity is a server-issued HttpOnly cookie: the JSON ``user`` alone never reaches a verified person.

Over real HTTP against the whole bot (the console installed, for agent replies), with httpx clients that keep
cookies as a browser does.
"""

from __future__ import annotations

import json
import sqlite3
import time

import httpx
import pytest

from tests.support.chat import Chat
from tests.support.servers import ServerThread, free_port

PENSION = "۱۸۵٬۴۳۲٬۰۰۰"


@pytest.fixture(scope="module")
def web_bot(simulator_url, tmp_path_factory):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    db = tmp_path_factory.mktemp("web") / "web.db"
    settings = Settings(tamin_backend_url=simulator_url, public_base_url=f"http://127.0.0.1:{port}",
                        database_url=f"sqlite+aiosqlite:///{db}", kavenegar_api_key=None, telegram_bot_token=None,
                        bale_bot_token=None, redis_url=None, modules="console", otp_max_sends=100)
    with ServerThread(create_app(settings), port) as server:
        yield server.url, str(db)



def test_the_first_answer_sets_an_httponly_samesite_cookie(web_bot):
    base, _ = web_bot
    r = httpx.post(f"{base}/api/chat", json={"user": "c1", "text": "سلام"})
    cookie = r.headers.get("set-cookie", "")
    assert r.status_code == 200 and cookie.startswith("tamin_web=web-"), cookie
    low = cookie.lower()
    assert "httponly" in low and "samesite=lax" in low and "secure" not in low and "path=/" in low
    page = httpx.get(f"{base}/")
    assert "httponly" in page.headers.get("set-cookie", "").lower()


def test_the_cookie_is_secure_behind_an_https_proxy(web_bot):
    base, _ = web_bot
    r = httpx.post(f"{base}/api/chat", json={"user": "c1", "text": "سلام"}, headers={"X-Forwarded-Proto": "https"})
    assert "secure" in r.headers.get("set-cookie", "").lower()


def test_a_client_that_keeps_cookies_stays_one_person(web_bot):
    base, _ = web_bot
    chat = Chat(base, user="web-1234567890123")
    chat.say("مستمری")
    assert PENSION in chat.verify("0016383230", "09120000101")
    assert "گواهی" in chat.say("مستمری")  # the same conversation goes on: the cookie came back
    chat.close()


def test_the_same_user_field_without_the_cookie_is_someone_else(web_bot, log_lines):
    base, _ = web_bot
    victim_id = "web-3141592653589793"
    victim = Chat(base, user=victim_id)
    victim.say("مستمری")
    assert PENSION in victim.verify("0016383230", "09120000101")
    cookie = victim.http.cookies.get("tamin_web")
    assert cookie
    for body in ({"user": victim_id, "text": "مستمری"}, {"user": victim_id, "choice": "svc:pension_status"}):
        with httpx.Client(timeout=30) as attacker:  # learned the id from a screen or a log, has no cookie
            r = attacker.post(f"{base}/api/chat", json=body)
            assert r.status_code == 200
            assert PENSION not in r.text and "کرمانی" not in r.text, r.text
    time.sleep(0.2)
    logged = log_lines.getvalue()
    assert logged  # the turns did write lines
    assert victim_id not in logged and victim_id[4:] not in logged
    assert cookie not in logged and cookie[4:] not in logged
    victim.close()


def _handoff_user(db: str, since: float) -> str:
    for _ in range(40):
        with sqlite3.connect(db) as con:
            row = con.execute("SELECT user FROM console_handoffs WHERE created_at >= ? ORDER BY id DESC LIMIT 1",
                              (since,)).fetchone()
        if row:
            return row[0]
        time.sleep(0.1)
    raise AssertionError("asking for a human made no handoff")


def test_pending_agent_replies_go_only_to_the_cookie_session(web_bot):
    base, db = web_bot
    vid = "web-2718281828459045"
    victim = httpx.Client(base_url=base, timeout=30)
    victim.get("/")
    victim.post("/api/chat", json={"user": vid, "text": "سلام"})
    t0 = time.time() - 1
    victim.post("/api/chat", json={"user": vid, "choice": "cmd:operator"})
    engine_user = _handoff_user(db, t0)
    assert vid not in engine_user  # the console never sees the bearer-like id either
    with sqlite3.connect(db) as con:  # what inbox._deliver stores for a web person when an agent answers
        con.execute("INSERT INTO console_pending (user, message, created_at) VALUES (?, ?, ?)",
                    (engine_user, json.dumps({"text": "پاسخ کارشناس ۱۲۳", "choices": []}), time.time()))
    with httpx.Client(base_url=base, timeout=30) as attacker:
        stolen = attacker.get("/api/chat/pending", params={"user": vid})
        assert stolen.status_code == 200 and "پاسخ کارشناس" not in stolen.text
    mine = victim.get("/api/chat/pending", params={"user": vid})
    assert mine.status_code == 200 and "پاسخ کارشناس" in mine.text
    again = victim.get("/api/chat/pending", params={"user": vid})
    assert "پاسخ کارشناس" not in again.text  # handed over once
    victim.close()


def test_the_page_keeps_no_identity_in_local_storage(web_bot):
    base, _ = web_bot
    html = httpx.get(f"{base}/").text
    assert "localStorage" not in html
    assert "crypto.getRandomValues" not in html
