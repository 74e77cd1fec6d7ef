"""Unit tests of the pieces: breaker, rules, texts, embedded mode, error mapping."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import jdatetime
import pytest
import yaml
from tamin_helpers import NC, sheba

from integrations.tamin import errors
from integrations.tamin.breaker import CircuitBreaker, CircuitOpen
from integrations.tamin.client import TaminClient
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator import create_app, rules

ROOT = Path(__file__).resolve().parents[2]
TEXTS = yaml.safe_load((ROOT / "data" / "texts" / "backend.fa.yml").read_text(encoding="utf-8"))


class Clock:
    """A hand-moved clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_states() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=clock)
    for _ in range(2):
        b.before_call()
        b.record_failure()
    assert b.state == "closed"
    b.before_call()
    b.record_failure()
    assert b.state == "open"
    with pytest.raises(CircuitOpen):
        b.before_call()
    clock.now = 10
    assert b.state == "half_open"
    assert b.before_call() is True
    with pytest.raises(CircuitOpen):  # one trial at a time
        b.before_call()
    b.record_success()
    assert b.state == "closed"


def test_national_code_and_sheba_rules() -> None:
    assert all(rules.national_code_valid(c) for c in NC.values())
    assert not rules.national_code_valid("0016383231")
    assert not rules.national_code_valid("1111111111")
    assert rules.sheba_valid(sheba()) and rules.sheba_valid(sheba()[2:])  # without IR
    assert rules.sheba_valid(" ".join(re.findall(".{1,4}", sheba().lower())))
    assert not rules.sheba_valid("IR000170000000123456789012")
    assert not rules.sheba_valid("DE89370400440532013000")


def test_calendar_rules() -> None:
    assert cal.fmt(cal.half_year_end(jdatetime.date(1405, 9, 4))) == "1405-12-29"
    assert cal.fmt(cal.half_year_end(jdatetime.date(1405, 2, 4))) == "1405-06-31"
    assert cal.fmt(cal.half_year_end(jdatetime.date(1403, 9, 4))) == "1403-12-30"  # leap year
    assert cal.age(cal.parse("1350-03-10"), cal.parse("1405-09-04")) == 55
    assert cal.age(cal.parse("1350-09-05"), cal.parse("1405-09-04")) == 54
    hearing = rules.hearing_date(cal.parse("1405-09-06"))  # +14 = 1405-09-20, a Friday
    assert hearing.weekday() not in (5, 6) and cal.fmt(hearing) == "1405-09-21"  # Saturday


def test_dependent_rules() -> None:
    assert rules.dependent_decision("child", "child", "male", 19, student=True).ok
    assert rules.dependent_decision("child", "child", "male", 19).reason == "child_over_age"
    assert rules.dependent_decision("child", "child", "male", 30, disabled=True).ok
    assert rules.dependent_decision("child", "child", "female", 25).ok
    assert rules.dependent_decision("child", "child", "female", 25, married=True).reason == \
        "daughter_married_or_employed"
    assert rules.dependent_decision("spouse", "spouse", "female", 30).ok
    assert rules.dependent_decision("spouse", "spouse", "male", 50).reason == "husband_not_eligible"
    assert rules.dependent_decision("mother", "mother", "female", 56).ok
    assert rules.dependent_decision("father", "father", "male", 58).reason == "parent_under_age"


def test_voluntary_and_sick_rules() -> None:
    assert rules.voluntary_required_days(55) == 1825 and rules.voluntary_required_days(40) == 30
    assert rules.MIN_MONTHLY_WAGE >= 100_000_000 and rules.MAX_MONTHLY_WAGE == 7 * rules.MIN_MONTHLY_WAGE
    amounts = rules.sick_pay_amounts(11, 9_000_000, with_dependents=False)
    assert amounts["daily_amount"] == 6_000_000 and amounts["paid_days"] == 8


REASONS_IN_CODE = set()
for path in (ROOT / "integrations" / "tamin").rglob("*.py"):
    source = path.read_text(encoding="utf-8")
    REASONS_IN_CODE |= set(re.findall(r'(?:refuse|not_found|not_eligible|invalid|forbidden|conflict)\("([a-z0-9_]+)"',
                                      source))
    REASONS_IN_CODE |= set(re.findall(r'reason="([a-z0-9_]+)"', source))


@pytest.mark.parametrize("reason", sorted(REASONS_IN_CODE - set(errors.KIND_STATUS)))
def test_every_reason_has_a_persian_sentence(reason: str) -> None:
    assert f"backend.reason.{reason}" in TEXTS


def test_every_kind_has_a_sentence_and_keys_use_the_stem() -> None:
    assert all(key.startswith("backend.") for key in TEXTS)
    for kind in errors.KIND_STATUS:
        assert f"backend.error.{kind}" in TEXTS
        unknown = errors.error_for(kind, "nothing_known")
        assert unknown.kind_key == f"backend.error.{kind}" and unknown.message_key == "backend.reason.nothing_known"


def test_integrations_read_no_bot_texts() -> None:
    """The back-end returns data and codes; the bot's catalog (data/texts) is the bot's to read."""
    for path in (ROOT / "integrations").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert '"texts"' not in source and "texts/" not in source and "import bot" not in source, path


def test_placeholders_are_filled_from_details() -> None:
    e = errors.NotEligible(reason="over_age_short_record", details={
        "age": 55, "required_days": 1825, "contribution_days": 1440, "missing_days": 385})
    text = TEXTS[e.message_key].format(**e.details)
    assert "385" in text and "1825" in text
    e = errors.InvalidInput(reason="wage_out_of_range", details={"min": 1, "max": 2})
    assert TEXTS[e.message_key].format(**e.details)


def test_error_classes() -> None:
    e = errors.error_for("not_found", "no_pension", {"x": 1}, "dev")
    assert isinstance(e, errors.NotFound) and isinstance(e, errors.TaminError)
    assert (e.kind, e.reason, e.details) == ("not_found", "no_pension", {"x": 1})
    assert errors.Down().reason == "down" and isinstance(errors.error_for("???", "x"), errors.Down)


async def test_embedded_mode_over_asgi_transport() -> None:
    app = create_app(now="1405-09-04")
    tamin = TaminClient("http://sim", transport=httpx.ASGITransport(app=app))
    try:
        assert (await tamin.pension(NC["pensioner-retired"])).monthly_amount == 185_432_000
        with pytest.raises(errors.NotFound):
            await tamin.person(NC["unknown-person"])
    finally:
        await tamin.aclose()


async def test_untyped_errors_are_mapped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if "X" in request.url.path else 418, text="oops")

    tamin = TaminClient("http://x", transport=httpx.MockTransport(handler), retries=0)
    try:
        with pytest.raises(errors.Down) as down:
            await tamin.payment("PAY-X")
        assert down.value.reason == "server_error"
        with pytest.raises(errors.InvalidInput):
            await tamin.payment("PAY-1")
    finally:
        await tamin.aclose()
