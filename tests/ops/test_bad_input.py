"""Bad input never crashes a turn: huge messages, control characters, mixed scripts, forged buttons."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import build_engine
from bot.engine.messages import Channel, Contact, Inbound
from bot.settings import Settings

NASTY = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=200),
    st.sampled_from(["", " ", "\x00", "\u200c\u200c", "‏‎", "٠١٢٣", "IR" + "9" * 40, "/start" * 500,
                     "<script>alert(1)</script>", "{{7*7}}", "%s%s%n", "'; DROP TABLE users; --", "🙂" * 1000,
                     "a" * 100_000, "ي ك ة", "\r\n" * 50, "❶", "²", "𝟏𝟐", "١❷٣"]),
)


@pytest.fixture(scope="module")
def engine():
    return build_engine(Settings(modules=""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(text="❶", choice=None, channel=Channel.WEB)  # a Unicode digit once picked a button with int()
@given(text=NASTY, choice=st.one_of(st.none(), st.text(max_size=80)), channel=st.sampled_from(list(Channel)))
def test_any_message_gets_an_answer_and_never_an_exception(engine, text, choice, channel):
    async def turn():
        out = await engine.handle(Inbound(channel, "fuzz", text=text, choice=choice))
        assert isinstance(out, list)
        for msg in out:
            assert isinstance(msg.text, str) and msg.text
            assert len(msg.text) < 20_000
            assert all(len(c.id.encode()) <= 64 for c in msg.choices)

    asyncio.run(turn())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=st.text(max_size=40), user_id=st.one_of(st.none(), st.text(max_size=20)))
def test_forged_contacts_never_verify_anyone(engine, phone, user_id):
    async def turn():
        await engine.handle(Inbound(Channel.TELEGRAM, "fz1", text="مستمری"))
        await engine.handle(Inbound(Channel.TELEGRAM, "fz1", text="0016383230"))
        out = await engine.handle(Inbound(Channel.TELEGRAM, "fz1", contact=Contact(phone, user_id)))
        joined = "\n".join(m.text for m in out)
        assert "۱۸۵٬۴۳۲٬۰۰۰" not in joined
        await engine.handle(Inbound(Channel.TELEGRAM, "fz1", text="لغو"))

    asyncio.run(turn())


def test_a_contact_of_someone_else_is_refused(engine):
    async def run():
        await engine.handle(Inbound(Channel.TELEGRAM, "42", text="مستمری"))
        await engine.handle(Inbound(Channel.TELEGRAM, "42", text="0016383230"))
        out = await engine.handle(Inbound(Channel.TELEGRAM, "42", contact=Contact("+989120000101", "43")))
        return "\n".join(m.text for m in out)

    assert "شماره همراه خودتان" in asyncio.run(run())


def test_malformed_chat_requests_get_4xx_not_5xx(bot_url):
    cases = [b"{", b"[]", b'{"user": ""}', b'{"user": "a b"}', b'{"user": "x", "text": 5}', b"\xff\xfe",
             b'{"user": "' + b"x" * 500 + b'", "text": "hi"}']
    for body in cases:
        r = httpx.post(f"{bot_url}/api/chat", content=body, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (body, r.status_code)


def test_the_web_page_never_echoes_markup_unescaped(bot_url):
    r = httpx.post(f"{bot_url}/api/chat", json={"user": "xss", "text": "<script>alert(1)</script>"})
    assert r.status_code == 200
    page = httpx.get(f"{bot_url}/").text
    assert "<script>alert(1)</script>" not in page
    assert "textContent" in page and "innerHTML" not in page  # the page renders bot text as text only
