"""The one-time code SMS carries Latin digits, so a phone can offer it to the page's one-time-code field."""

from __future__ import annotations

import re

import httpx

from tests.support.chat import Chat


def test_the_code_sms_has_latin_digits(bot_url):
    chat = Chat(bot_url)
    chat.say("وضعیت مستمری")
    chat.say("0016383230")
    chat.say("09120000101")
    box = httpx.get(f"{bot_url}/dev/outbox").json()["messages"]
    text = [m["text"] for m in box if m["to"] == "09120000101"][-1]
    assert re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", text), text
    assert not re.search(r"[۰-۹]{6}", text), text
    chat.close()
