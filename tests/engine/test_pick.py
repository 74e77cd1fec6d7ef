"""The shared «which of your records?» step: buttons, «yes» to the only one, or typed."""

from __future__ import annotations

import pytest

from bot.engine.context import Ctx
from bot.engine.flow import Answer, Invalid, Pick
from bot.engine.messages import Channel, Inbound
from bot.engine.session import FlowState, Session


def _typed(ctx: Ctx, text: str, own: list[dict]) -> str:
    if text.isdigit():
        return text
    raise Invalid("workshop.code_missing")


def _step(records: list[dict]) -> Pick:
    return Pick("workshop", "workshop.ask", records=lambda c: records, id_key="code", prefix="ws:",
                label=lambda w: {"name": w["name"], "code": w["code"]}, typed=_typed, one="workshop.ask_one",
                many="workshop.ask_many", none="workshop.ask_code", button_one="workshop.this_one",
                button="workshop.button")


def _ctx() -> Ctx:
    return Ctx(deps=None, session=Session(flow=FlowState("x")), inbound=Inbound(Channel.WEB, "u"))


def test_one_record_is_a_yes_away() -> None:
    step, ctx = _step([{"code": "1234567890", "name": "نان"}]), _ctx()
    assert [c.id for c in step.choices(ctx)] == ["ws:1234567890"]
    assert step.parse(ctx, Answer(text="بله")) == "1234567890"
    assert step.parse(ctx, Answer(choice="ws:1234567890")) == "1234567890"
    assert "نان" in step.fields(ctx)["question"]


def test_many_records_are_buttons_and_a_typed_answer_is_read_by_the_flow() -> None:
    own = [{"code": str(10**9 + i), "name": f"کارگاه {i}"} for i in range(8)]
    step, ctx = _step(own), _ctx()
    assert len(step.choices(ctx)) == 6
    assert step.parse(ctx, Answer(text="1000000003")) == "1000000003"
    with pytest.raises(Invalid):
        step.parse(ctx, Answer(text="بله"))
