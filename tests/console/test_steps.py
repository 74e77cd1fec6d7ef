"""The question a step asks, as the supervisor's drop-off chart names it."""

from __future__ import annotations

from types import SimpleNamespace

from bot.console.steps import MAX_CHARS, short_question, step_question
from bot.flows.registry import load_flows


def test_every_question_step_of_every_flow_has_a_readable_question():
    flows = load_flows()
    for name, flow in flows.items():
        for step in flow.steps:
            if type(step).__name__ in ("Ask", "Confirm"):
                q = step_question(flows, name, step.name)
                assert q != step.name and "{" not in q and len(q) <= MAX_CHARS, (name, step.name, q)


def test_shared_steps_and_unknown_ones():
    flows = {"loan": SimpleNamespace(steps=[])}  # identity run by the engine, not listed in the flow
    assert step_question(flows, "loan", "national_code") == "کد ملی ده‌رقمی خود را بفرستید."
    assert step_question(flows, "loan", "confirm").startswith("تأیید")
    assert step_question(flows, "gone", "strange_step") == "strange_step"


def test_short_question_skips_placeholders_and_examples():
    assert short_question("یک کد شش‌رقمی به شماره {mobile} پیامک شد. لطفاً کد تأیید را وارد کنید.") == \
        "کد تأیید را وارد کنید."
    assert short_question("تاریخ شروع مرخصی را بفرستید، مانند ۱۴۰۵/۰۷/۲۳.") == "تاریخ شروع مرخصی را بفرستید"
    assert short_question("مدت خدمت برای احتساب چند ماه است؟ (حداکثر {max})") == "مدت خدمت برای احتساب چند ماه است؟"
    assert short_question("{question}") is None
