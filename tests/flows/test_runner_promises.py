"""Promises of the flow runner that nothing else guards: giving up, retried writes, Goto loops."""

from __future__ import annotations

import pytest

from bot.engine.context import Ctx
from bot.engine.flow import Do, Flow, Goto
from bot.flows.registry import load_flows
from integrations.tamin.errors import Busy
from tests.flows.harness import Person, make_engine

PENSIONER, PENSIONER_MOBILE = "0016383230", "09120000101"


class FlakyCertificates:
    """The real client, except that the first certificate request fails as «busy»; keys are recorded."""

    def __init__(self, api) -> None:
        self.api, self.keys = api, []

    def __getattr__(self, name):
        return getattr(self.api, name)

    async def pension_certificate(self, national_code: str, idempotency_key: str):
        self.keys.append(idempotency_key)
        if len(self.keys) == 1:
            raise Busy(reason="overloaded")
        return await self.api.pension_certificate(national_code, idempotency_key=idempotency_key)


@pytest.fixture
async def engine(simulator_url):
    engine = make_engine(simulator_url)
    yield engine
    await engine.deps.api.aclose()


async def _verified(person: Person) -> str:
    await person.press("svc:pension_status")
    await person.say(PENSIONER)
    await person.say(PENSIONER_MOBILE)
    return await person.say(person.code(PENSIONER_MOBILE))


async def test_repeated_invalid_answers_give_up_kindly_and_can_resume(engine):
    person = Person(engine, "u-give-up")
    await person.press("svc:pension_status")
    for _ in range(3):
        answer = await person.say("نمی‌دانم")
        assert "پاسخ‌ها چند بار" not in answer
    answer = await person.say("نمی‌دانم")  # the fourth wrong answer (retries=4)
    assert "پاسخ‌ها چند بار معتبر نبود" in answer, answer
    assert {"resume", "cmd:operator", "cmd:menu"} <= set(person.buttons())
    assert "کد ملی" in await person.press("resume")


async def test_a_retried_write_reuses_its_idempotency_key(engine):
    flaky = engine.deps.api = FlakyCertificates(engine.deps.api)
    person = Person(engine, "u-retry")
    await _verified(person)
    answer = await person.press("yes")
    assert "retry" in person.buttons(), answer
    answer = await person.press("retry")
    assert len(flaky.keys) == 2 and flaky.keys[0] == flaky.keys[1], flaky.keys
    assert "گواهی" in answer
    # a new run of the flow is a new request with a new key
    await person.press("svc:pension_status")
    await person.press("yes")
    assert len(flaky.keys) == 3 and flaky.keys[2] != flaky.keys[0]


async def _round_and_round(ctx: Ctx) -> None:
    raise Goto("spin")


async def test_a_goto_loop_is_stopped_with_a_clear_answer_and_the_menu(simulator_url):
    loop = Flow("pension_status", "menu.pension_status", identity=None, steps=[Do("spin", _round_and_round)])
    engine = make_engine(simulator_url, {**load_flows(), "pension_status": loop})
    person = Person(engine, "u-loop")
    answer = await person.press("svc:pension_status")
    await engine.deps.api.aclose()
    assert "درخواست متوقف شد" in answer, answer
    assert "svc:sick_pay" in person.buttons()
    session = await engine.deps.store.load("web:u-loop")
    assert session.flow is None
