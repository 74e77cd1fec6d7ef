"""Notices on the embedded default (issue 19.5): the real bot process with nothing configured — memory
sessions, the simulator in-process, the dev SMS outbox — takes a signed event and the notice arrives in
the web chat (with a button that opens the service) and in the dev outbox, through the same planner,
ledger and dispatch worker as the Redis pipeline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.notify.intake import sign
from tests.notify.events import CONTRACTOR_MOBILE, CONTRACTOR_NC, EMPLOYER_MOBILE
from tests.support.chat import Chat, plain
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded(tmp_path):
    """``tamin-bot serve`` with no configuration at all, in a folder of its own (its ``var/``)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_", "NOTIFY_", "CONSOLE_"))
           and k not in ("REDIS_URL", "DATABASE_URL", "TAMIN_BACKEND_URL", "EVENTS_HMAC_SECRET", "MODULES",
                         "TAMIN_DEV")}
    # SMS notices wait out the quiet hours (22:00-07:00 Tehran) while web notices go at once: the run acts as
    # daytime, so what it sees does not depend on the hour it runs at
    env.update(PYTHONPATH=str(ROOT), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", NOTIFY_QUIET_START="00:00",
               NOTIFY_QUIET_END="00:00")
    log = (tmp_path / "bot.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
            assert proc.poll() is None, (tmp_path / "bot.log").read_text()[-2000:]
        yield base, tmp_path
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def post_event(base: str, secret: str, event: dict) -> httpx.Response:
    """A signed ``POST /events``, as the back-end (and ``drive.py``) sends it."""
    body = json.dumps(event, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    return httpx.post(f"{base}/events", content=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Tamin-Timestamp": ts, "X-Tamin-Signature": sign(secret, ts, body)})


def prove(chat: Chat, nc: str, mobile: str) -> None:
    """The person proves who they are in the web chat (national code, mobile, the code from the outbox)."""
    chat.say("مفاصاحساب ماده ۳۸")
    for _ in range(6):
        text = plain("\n".join(m["text"] for m in chat.last))
        if re.search(r"کد\s*ملی", text):
            chat.say(nc)
        elif re.search(r"همراه|موبایل", text):
            chat.say(mobile)
        elif re.search(r"کد\s*(تأیید|تایید)", text):
            chat.say(chat.otp(mobile))
            return
        else:
            break
    raise AssertionError(f"no proof asked for: {chat.transcript}")


def wait_for(get, seconds: float = 30.0):
    """``get()`` until it answers something, or fail."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = get()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError("nothing arrived")


def test_signed_events_reach_the_web_chat_and_the_sms_outbox_on_the_embedded_default(embedded):
    base, folder = embedded
    secret = (folder / "var" / "events-secret").read_text().strip()  # made at start, for the newcomer to sign with
    assert len(secret) >= 32

    chat = Chat(base)
    prove(chat, CONTRACTOR_NC, CONTRACTOR_MOBILE)
    chat.say("منو")

    r = post_event(base, secret, {"id": "emb-38-1", "type": "article38_certificate_issued", "payload": {
        "contract": "1404-3817", "number": "38-1405-0100", "date": "1405-09-03",
        "recipients": [{"national_code": CONTRACTOR_NC, "mobile": CONTRACTOR_MOBILE}]}})
    assert r.status_code == 202, r.text
    assert r.json()["notices"] == 1

    def pending() -> list[dict]:
        got = chat.http.get(f"{base}/api/chat/pending", params={"user": chat.user})
        assert got.status_code == 200
        return got.json()["messages"]

    notice = wait_for(pending)[0]
    assert "مفاصاحساب ماده ۳۸" in notice["text"] and "۳۸-۱۴۰۵-۰۱۰۰" in notice["text"]
    [button] = notice["choices"]
    assert button["title"] == "مشاهده مفاصاحساب"
    chat.last = [notice]
    answer = chat.press("مشاهده مفاصاحساب")  # the button opens the certificate service for that contract
    assert "۱۴۰۴-۳۸۱۷" in answer or "1404-3817" in plain(answer), chat.transcript
    assert "مفاصا" in answer

    # an employer nobody linked: the debt notice goes by SMS, to the dev outbox
    r = post_event(base, secret, {"id": "emb-debt-1", "type": "debt_raised", "payload": {
        "workshop": "1012345678", "id": "D9", "amount": 185432000, "period": "1405-08",
        "recipients": [{"national_code": "0158165667", "mobile": EMPLOYER_MOBILE}]}})
    assert r.status_code == 202, r.text

    def outbox() -> list[dict]:
        box = httpx.get(f"{base}/dev/outbox", timeout=10).json()["messages"]
        return [m for m in box if m["to"] == EMPLOYER_MOBILE]

    sms = wait_for(outbox)[0]["text"]
    assert "بدهی" in sms and "۱۸۵٬۴۳۲٬۰۰۰" in sms and "لغو" in sms

    # the same event again is a replay; a wrong signature is refused
    assert post_event(base, secret, {"id": "emb-debt-1", "type": "debt_raised", "payload": {}}).status_code == 409
    assert post_event(base, "not-the-key", {"id": "emb-x", "type": "debt_raised", "payload": {}}).status_code == 401
