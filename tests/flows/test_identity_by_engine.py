"""Identity is the engine's job: a flow declares it, and one that does not cannot show personal data."""

from __future__ import annotations

import pytest

from bot.engine.context import Ctx, Unverified
from bot.engine.flow import Do, Flow
from bot.engine.fmt import rial
from tests.flows.harness import Person, make_engine

PENSIONER, PENSIONER_MOBILE = "0016383230", "09120000101"


async def _show_pension(ctx: Ctx) -> None:
    p = await ctx.api.pension(ctx.national_code)
    ctx.say("pension.active", name="", kind="", number="", amount=rial(p.monthly_amount), payments="",
            last_date="", since="", reason="")


def _flows(identity: str | None = "person") -> dict[str, Flow]:
    return {"peek": Flow("peek", "menu.pension_status", identity=identity, steps=[Do("show", _show_pension)])}


@pytest.fixture
async def engine_for(simulator_url):
    made = []

    def build(identity: str | None):
        made.append(make_engine(simulator_url, _flows(identity)))
        return made[-1]

    yield build
    for engine in made:
        await engine.deps.api.aclose()


async def test_a_flow_without_identity_cannot_show_personal_data(engine_for):
    person = Person(engine_for(None), "u-no-identity")
    await person.say("سلام")
    answer = await person.press("svc:peek")
    answer += await person.say(f"مستمری {PENSIONER}")
    assert "۱۸۵" not in answer
    assert "هویت شما تأیید شود" in answer


async def test_a_flow_that_declares_nothing_gets_the_proof_first(engine_for):
    person = Person(engine_for("person"), "u-default")
    assert "کد ملی" in await person.press("svc:peek")
    assert "شماره همراه" in await person.say(PENSIONER)
    assert "کد" in await person.say(PENSIONER_MOBILE)
    answer = await person.say(person.code(PENSIONER_MOBILE))
    assert "۱۸۵٬۴۳۲٬۰۰۰" in answer


def test_reading_the_national_code_unproven_raises() -> None:
    from bot.engine.messages import Channel, Inbound
    from bot.engine.session import FlowState, Session

    session = Session(flow=FlowState("peek", slots={"national_code": PENSIONER, "workshop": "1234567890"}))
    ctx = Ctx(deps=None, session=session, inbound=Inbound(Channel.WEB, "u"))
    for name in ("national_code", "mobile", "workshop"):
        with pytest.raises(Unverified):
            getattr(ctx, name)


def test_every_service_flow_declares_a_proof() -> None:
    from bot.flows.registry import load_flows

    for flow in load_flows().values():
        assert flow.identity in ("person", "workshop"), flow.name
