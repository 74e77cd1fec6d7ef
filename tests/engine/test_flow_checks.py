"""Flows are checked when the registry loads: a wrong step name is an error at start, not in front of a person."""

from __future__ import annotations

import pytest

from bot.engine.checks import FlowError, check
from bot.engine.context import Ctx
from bot.engine.flow import Ask, Confirm, Do, Flow, Goto, Review
from bot.flows.registry import guide_ids, load_flows, nlu_intents


async def _jump_nowhere(ctx: Ctx) -> None:
    raise Goto("no_such_step", "pension.none")


async def _say_missing(ctx: Ctx) -> None:
    ctx.say("pension.no_such_text")


def test_the_real_registry_holds_together() -> None:
    from bot.flows.registry import SERVICE_MODULES

    flows = load_flows()
    assert "pension_status" in flows and "my_status" in flows and len(flows) == len(SERVICE_MODULES)


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


GOOD_FLOW = "from bot.flows.pension import FLOW  # a flow that passes\n"
BROKEN_FLOW = ("import dataclasses\n\nfrom bot.flows.pension import FLOW as _F\n\n"
               "FLOW = dataclasses.replace(_F, title='menu.no_such_title')  # its menu title is not in the catalog\n")


@pytest.fixture
def flow_module(tmp_path, monkeypatch):
    """A flow module of the test's own (``ckflows.flowmod``) and a private, empty disk cache."""
    import importlib
    import sys

    monkeypatch.setenv("TAMIN_NLU_CACHE_DIR", str(tmp_path / "cache"))
    package = tmp_path / "src" / "ckflows"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))

    def write(source: str) -> str:
        (package / "flowmod.py").write_text(source)
        sys.modules.pop("ckflows.flowmod", None)
        importlib.invalidate_caches()
        return "ckflows.flowmod"

    yield write
    sys.modules.pop("ckflows.flowmod", None)
    sys.modules.pop("ckflows", None)


def _counting_checks(monkeypatch) -> list[str]:
    from bot.engine import checks

    seen: list[str] = []
    real = checks._flow_problems

    def counting(flow, intents, guide):
        seen.append(flow.name)
        return real(flow, intents, guide)

    monkeypatch.setattr(checks, "_flow_problems", counting)
    return seen


def test_flows_that_passed_are_not_checked_again_at_the_next_start(flow_module, monkeypatch) -> None:
    module = flow_module(GOOD_FLOW)
    seen = _counting_checks(monkeypatch)
    assert list(load_flows([module])) == ["pension_status"]
    assert seen == ["pension_status"]
    load_flows([module])  # the same sources: the pass is remembered on disk
    assert seen == ["pension_status"]


def test_a_changed_flow_is_checked_again_and_refused(flow_module, monkeypatch) -> None:
    load_flows([flow_module(GOOD_FLOW)])
    seen = _counting_checks(monkeypatch)
    with pytest.raises(FlowError, match="menu.no_such_title"):
        load_flows([flow_module(BROKEN_FLOW)])
    with pytest.raises(FlowError, match="menu.no_such_title"):  # a failure is never remembered
        load_flows([flow_module(BROKEN_FLOW)])
    assert seen == ["pension_status", "pension_status"]


def test_a_changed_catalog_or_data_file_checks_again(flow_module, monkeypatch, tmp_path) -> None:
    from bot.flows import registry

    extra = tmp_path / "texts.fa.yml"
    extra.write_text("a: 1\n")
    monkeypatch.setattr(registry, "checked_files", lambda: [extra])
    module = flow_module(GOOD_FLOW)
    load_flows([module])
    seen = _counting_checks(monkeypatch)
    load_flows([module])
    assert seen == []
    extra.write_text("a: 2\n")
    load_flows([module])
    assert seen == ["pension_status"]
