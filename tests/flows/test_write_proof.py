"""On SMS the sender's number is not enough for a payout: the engine asks a one-time code first.

Issue 15.1 (bot side): eight SMS «from» a worker's mobile used to file a sick-pay claim to any
IBAN, and the summary echoed the IBAN in full.
"""

from __future__ import annotations

from bot.engine.flow import Do
from bot.engine.messages import Channel
from bot.flows.registry import load_flows
from tests.flows.harness import Person

WORKER, WORKER_MOBILE = "0053081617", "09120000105"
SHEBA = "IR490170000000001234567890"


async def _up_to_the_summary(person: Person) -> str:
    await person.say("غرامت بیماری")
    for text in (WORKER, "1405/08/10", "1405/08/20", "1405/08/10", "14058810"):
        await person.say(text)
    return await person.say(SHEBA)


async def _claimed(engine) -> bool:
    e = await engine.deps.api.sick_pay_eligibility(WORKER)
    return not e.eligible and e.reason == "already_claimed"


async def test_sms_claim_needs_a_code_and_wrong_codes_file_nothing(engine):
    person = Person(engine, WORKER_MOBILE, Channel.SMS)
    summary = await _up_to_the_summary(person)
    assert SHEBA not in summary and "IR۴۹…۷۸۹۰" in summary, summary
    sent = len(engine.deps.sms.for_mobile(WORKER_MOBILE))
    answer = await person.say("بله")
    assert "کد" in answer and "ثبت شد" not in answer, answer
    assert len(engine.deps.sms.for_mobile(WORKER_MOBILE)) == sent + 1, "a code went to the same number"
    for wrong in ("111111", "222222", "333333"):
        answer = await person.say(wrong)
    assert "ثبت نشد" in answer, answer
    await person.say("بله")
    assert not await _claimed(engine)


async def test_sms_claim_with_the_right_code_is_filed_and_echoes_the_iban_masked(engine):
    person = Person(engine, WORKER_MOBILE, Channel.SMS)
    await _up_to_the_summary(person)
    await person.say("بله")
    answer = await person.say(person.code(WORKER_MOBILE))
    assert "پیگیری" in answer and SHEBA not in answer, answer
    assert await _claimed(engine)


def test_payouts_and_signatures_declare_a_code() -> None:
    flows = load_flows()
    wants = {"sick_pay": "claim", "voluntary_insurance": "contract", "fractional_month": "contract",
             "objection": "file"}
    for name, step in wants.items():
        flow = flows[name]
        do = flow.plan[flow.index(step)]
        assert isinstance(do, Do) and do.proof == "code", (flow.name, step)
        assert flow.index(f"{step}:code") < flow.index(step)
