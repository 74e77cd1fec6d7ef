"""The turn is an ordered list of named handlers with middleware around it; commands are a table."""

from __future__ import annotations

import pytest

from bot.engine import dialogue
from bot.engine.dialogue import COMMANDS, HANDLERS, Engine, _service_choice
from bot.flows.registry import load_flows
from tests.flows.harness import Person, make_engine


def test_the_handlers_and_their_order() -> None:
    assert [h.__name__ for h in HANDLERS] == [
        "stale_button", "edited", "media", "typed_choice", "deep_link", "command", "handoff", "carry_over", "service_button",
        "resume_button", "in_flow",
        "understand"]
    assert set(COMMANDS) == {"cancel", "menu", "start", "help", "operator", "notify_off", "goodbye"}


@pytest.fixture
async def engine(simulator_url):
    engine = make_engine(simulator_url)
    yield engine
    await engine.deps.api.aclose()


async def test_a_middleware_sees_every_turn(engine):
    seen = []

    async def record(inbound, call):
        ctx = await call(inbound)
        seen.append((inbound.text, len(ctx.out)))
        return ctx

    engine = Engine(engine.deps, engine.flows, middleware=[*dialogue.DEFAULT_MIDDLEWARE, record])
    person = Person(engine, "u-mw")
    await person.say("سلام")
    await person.say("منو")
    assert [text for text, _ in seen] == ["سلام", "منو"] and all(n for _, n in seen)


async def test_a_command_works_inside_a_flow(engine):
    person = Person(engine, "u-cmd")
    await person.press("svc:pension_status")
    assert "لغو" in await person.say("لغو")


def test_a_service_button_fills_only_the_slots_its_flow_declares() -> None:
    flows = load_flows()
    assert _service_choice("svc:article38|contract=1404-3817", flows) == ("article38", {"contract": "1404-3817"})
    assert _service_choice("svc:pension_status|workshop=1234567890", flows) == ("pension_status", {})
    assert _service_choice("svc:objection|workshop=12;rm", flows) == ("objection", {})
