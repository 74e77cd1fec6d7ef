"""An unfinished request is offered again only while it is recent, and never glued to an SMS result;
a workshop code in the first SMS is used, not asked for again (issue 17, items 6 and 7)."""

from __future__ import annotations

import httpx
import pytest

from bot.engine.messages import Channel
from tests.flows.harness import Person, make_engine

WORKER = ("0053081617", "09120000105")  # worker-insured: sick pay on record, no pension
NO_DEBT = ("0169896676", "09120000114")  # employer-no-debt: workshop 1023456789


@pytest.fixture
async def engines(simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    made = {window: make_engine(simulator_url, resume_window_minutes=window) for window in (30, 0)}
    yield made
    for engine in made.values():
        await engine.deps.api.aclose()


async def _sick_pay_then_pension(person: Person) -> str:
    """Start sick pay, prove who one is, leave it at its question for the pension: the pension's answer."""
    await person.say("غرامت بیماری")
    await person.say(WORKER[0])
    if person.channel is not Channel.SMS:
        await person.say(WORKER[1])
        await person.say(person.code(WORKER[1]))
    return await person.say("وضعیت مستمری")


async def test_a_recent_unfinished_request_is_offered_after_the_other_service(engines):
    person = Person(engines[30], "resume-recent")
    answer = await _sick_pay_then_pension(person)
    assert "مستمری" in answer and "ادامه می‌دهید" in answer and "resume" in person.buttons(), answer
    back = await person.press("resume")
    assert "تاریخ" in back, back  # the sick-pay question it was left at


async def test_an_old_unfinished_request_is_not_offered_again(engines):
    person = Person(engines[0], "resume-old")  # a window of 0 minutes: every suspended request is old
    answer = await _sick_pay_then_pension(person)
    assert "مستمری" in answer and "ادامه می‌دهید" not in answer and "resume" not in person.buttons(), answer
    assert "cmd:menu" in person.buttons() or any(b.startswith("svc:") for b in person.buttons()), person.buttons()


async def test_by_sms_the_result_goes_alone_and_the_request_waits_in_the_menu(engines):
    person = Person(engines[30], WORKER[1], Channel.SMS)
    answer = await _sick_pay_then_pension(person)
    assert "مستمری" in answer and "ادامه" not in answer and person.buttons() == [], (answer, person.buttons())
    await person.say("منو")
    assert person.buttons()[0] == "resume", person.buttons()


async def test_a_workshop_code_in_the_first_sms_is_not_asked_again(engines):
    person = Person(engines[30], NO_DEBT[1], Channel.SMS)
    await person.say("بدهی کارگاه ۱۰۲۳۴۵۶۷۸۹")
    answer = await person.say(NO_DEBT[0])
    assert "۱۰۲۳۴۵۶۷۸۹" in answer and "بدهی" in answer and "کد کارگاه را بفرستید" not in answer, answer
