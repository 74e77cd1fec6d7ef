"""The services knowledge base: every poster and every flow covered, and a search that forgives noise."""

from __future__ import annotations

import pytest

from bot.console.guide import Guide
from bot.flows.registry import load_flows

POSTERS = {"۱-۵", "۲-۵", "۱۰۵", "۱۲", "۱۱۵", "۱۳", "۹۵", "۸۵", "۶", "۷", "۴"}


@pytest.fixture(scope="module")
def guide() -> Guide:
    return Guide.load()


def test_every_poster_and_flow_has_an_entry(guide):
    assert POSTERS <= {s.poster for s in guide.services}
    assert set(load_flows()) <= set(guide.by_id)
    for s in guide.services:
        assert s.title and s.audience and s.eligibility and s.documents and s.steps and s.bot, s.id
    assert all("eservices.tamin.ir" in " ".join(s.steps) for s in guide.services)


@pytest.mark.parametrize(("query", "expected"), [
    ("بیمه اختیاری", "voluntary_insurance"),
    ("بيمه اختياري", "voluntary_insurance"),  # Arabic yeh
    ("بیمع اختیاری", "voluntary_insurance"),  # a typo
    ("ekhtiari", "voluntary_insurance"),  # Finglish
    ("مستمري بازنشستگي", "pension_status"),
    ("مفاصا حساب", "article38"),
    ("سربازى", "military_service"),
    ("غرامت دستمزد کرونا", "sick_pay"),
    ("ثبت فرزند تحت تکفل", "dependents"),
    ("روزهای کسری ماه", "fractional_month"),
    ("اعتراض به بدهی", "objection"),
    ("گردش حساب بدهی کارگاه", "employer_debt"),
    ("ابلاغ الکترونیک", "e_notice"),
    ("گواهی سابقه بیمه", "insurance_record"),
    ("فراموشی رمز عبور", "eservices_registration"),
])
def test_search_tolerates_spelling_noise(guide, query, expected):
    hits = guide.search(query)
    assert hits and hits[0].service.id == expected, [(h.service.id, round(h.score, 2)) for h in hits]


def test_nonsense_finds_little(guide):
    assert guide.search("") == []
    assert len(guide.search("qqqq zzzz")) <= 2
