"""On SMS the sender's number is the mobile: no one-time code, but the national code is still checked."""

from __future__ import annotations

import pytest

from bot.app import build_engine
from bot.engine.messages import Channel, Inbound
from bot.settings import Settings


@pytest.fixture
async def engine(simulator_url):
    engine = build_engine(Settings(tamin_backend_url=simulator_url, modules=""))
    yield engine
    await engine.deps.api.aclose()


async def _say(engine, mobile: str, text: str) -> str:
    out = await engine.handle(Inbound(Channel.SMS, mobile, text=text))
    return "\n".join(m.text for m in out)


async def test_sms_pension_needs_only_the_national_code(engine):
    assert "کد ملی" in await _say(engine, "09120000101", "مستمری")
    answer = await _say(engine, "09120000101", "0016383230")
    assert "۱۸۵٬۴۳۲٬۰۰۰" in answer
    assert not engine.deps.sms.for_mobile("09120000101"), "no one-time code by SMS"


async def test_sms_from_another_persons_phone_shows_nothing(engine):
    await _say(engine, "09120000105", "مستمری")
    answer = await _say(engine, "09120000105", "0016383230")
    assert "۱۸۵" not in answer and "به نام دارنده" in answer


async def test_sms_keywords_work_mid_flow(engine):
    await _say(engine, "09120000102", "mostamari")
    assert "لغو شد" in await _say(engine, "09120000102", "لغو")
