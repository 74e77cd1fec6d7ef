"""Guessing is limited: wrong codes, repeated code requests and mobile mismatches, per person and per code."""

from __future__ import annotations

import json
import logging

import pytest

from basics.digits import to_ascii
from bot.app import build_engine
from bot.engine.messages import Channel, Inbound
from bot.logs import JsonFormatter
from bot.settings import Settings


@pytest.fixture
async def engine(simulator_url):
    engine = build_engine(Settings(tamin_backend_url=simulator_url, modules="", identity_max_mismatches=3, identity_max_mismatches_per_code=3,
                                   otp_max_sends=2))
    yield engine
    await engine.deps.api.aclose()


async def say(engine, user: str, text: str, channel: Channel = Channel.WEB) -> str:
    out = await engine.handle(Inbound(channel, user, text=text))
    return "\n".join(m.text for m in out)


async def test_three_wrong_codes_void_the_code(engine):
    await say(engine, "g1", "مستمری")
    await say(engine, "g1", "0016383230")
    await say(engine, "g1", "09120000101")
    assert "۲ بار" in await say(engine, "g1", "111111")
    assert "۱ بار" in await say(engine, "g1", "222222")
    locked = await say(engine, "g1", "333333")
    assert "باطل" in locked
    # the right code no longer opens anything: the conversation left the identity step
    code = engine.deps.sms.for_mobile("09120000101")[-1]["text"]
    digits = "".join(ch for ch in to_ascii(code) if ch.isdigit())
    assert "۱۸۵٬۴۳۲٬۰۰۰" not in await say(engine, "g1", digits)


async def test_mobile_mismatches_stop_the_guesser_not_the_owner(engine):
    # one person guessing mobiles is stopped after three
    await say(engine, "m0", "مستمری")
    await say(engine, "m0", "0023564806")
    for n in range(3):
        answer = await say(engine, "m0", "0912000010" + str(5 + n))
    assert "یک ساعت" in answer
    # three others try the same national code with wrong mobiles: the code is under attack now
    for n, user in enumerate(("m1", "m2", "m3")):
        await say(engine, user, "مستمری")
        await say(engine, user, "0023564806")
        await say(engine, user, "0912000010" + str(5 + n))
    # the owner, with the right mobile, still gets a code at once
    await say(engine, "owner", "مستمری")
    await say(engine, "owner", "0023564806")
    answer = await say(engine, "owner", "09120000102")
    assert "یک ساعت" not in answer and "پیامک شد" in answer


async def test_code_requests_are_limited(engine):
    await say(engine, "r1", "مستمری")
    await say(engine, "r1", "0036064548")
    await say(engine, "r1", "09120000103")  # first code
    await engine.handle(Inbound(Channel.WEB, "r1", choice="resend"))  # second
    out = await engine.handle(Inbound(Channel.WEB, "r1", choice="resend"))  # third: over the limit of 2
    assert "بیش از حد" in "\n".join(m.text for m in out)


async def test_a_whole_conversation_leaves_no_personal_data_in_the_logs(engine, caplog):
    caplog.set_level(logging.DEBUG)
    await say(engine, "log1", "مستمری")
    await say(engine, "log1", "0016383230")
    await say(engine, "log1", "09120000101")
    lines = [JsonFormatter().format(r) for r in caplog.records]
    joined = "\n".join(json.loads(line)["msg"] for line in lines)
    assert "0016383230" not in joined and "09120000101" not in joined


async def test_codes_that_were_used_do_not_count_against_the_owner(engine):
    """A person who proves who they are many times a day is never locked out by their own success."""
    for n in range(4):  # the limit of unused codes is 2 here
        user = f"ok{n}"
        await say(engine, user, "مستمری")
        await say(engine, user, "0016383230")
        await say(engine, user, "09120000101")
        text = engine.deps.sms.for_mobile("09120000101")[-1]["text"]
        code = "".join(ch for ch in to_ascii(text) if ch.isdigit())
        assert "۱۸۵٬۴۳۲٬۰۰۰" in await say(engine, user, code)
