"""Flows are checked when the registry loads: a wrong step name is an error at start, not in front of a person."""

from __future__ import annotations

import pytest

from bot.engine.checks import FlowError, check
from bot.engine.context import Ctx
from bot.engine.flow import Ask, Confirm, Do, Flow, Goto, Review
from bot.flows.registry import SERVICE_MODULES, guide_ids, load_flows, nlu_intents


async def _jump_nowhere(ctx: Ctx) -> None:
    raise Goto("no_such_step", "pension.none")


async def _say_missing(ctx: Ctx) -> None:
    ctx.say("pension.no_such_text")


def test_the_real_registry_holds_together() -> None:
    flows = load_flows()
    assert "pension_status" in flows and len(flows) == len(SERVICE_MODULES)


def test_every_problem_is_named() -> None:
    bad = Flow("pension_status", "menu.no_such_title", identity=None, faq={"faq_nope": "pension.faq_cost"}, steps=[
        Ask("same", "pension.offer_certificate"),
        Ask("same", "pension.no_such_prompt"),
        Confirm("sure", "pension.offer_certificate", redo="nowhere"),
        Do("jump", _jump_nowhere),
        Do("say", _say_missing, proof="blood"),
        Review("review", "pension.offer_certificate", items={"ghost": "pension.no_such_button"},
               ask="pension.offer_certificate", cancel="common.menu", pick_one="common.answer_yes_no"),
    ])
    lonely = Flow("loan_request", "menu.pension_status", identity="passport", steps=[])
    with pytest.raises(FlowError) as err:
        check({"pension_status": bad, "loan_request": lonely}, intents=nlu_intents(), guide=guide_ids())
    text = "\n".join(err.value.problems)
    for expected in ("'same' appears twice", "menu.no_such_title", "pension.no_such_prompt", "redo 'nowhere'",
                     "Goto('no_such_step')", "pension.no_such_text", "unknown proof 'blood'", "faq_nope",
                     "no proof called 'passport'", "'ghost' names no step", "pension.no_such_button"):
        assert expected in text, (expected, text)


def test_a_flow_needs_its_intent_and_guide_entry() -> None:
    lonely = Flow("loan_request", "menu.pension_status", steps=[])
    with pytest.raises(FlowError) as err:
        check({"loan_request": lonely}, intents=nlu_intents(), guide=guide_ids())
    text = "\n".join(err.value.problems)
    assert "NLU intent" in text and "services guide" in text


def test_yes_and_no_are_catalog_keys_not_yaml_booleans() -> None:
    from bot.engine.catalog import t

    assert t("common.yes") == "بله" and t("common.no") == "خیر"
