"""People name services by the posters' numbers: «خدمت شماره ۱۲», «۱۰۵», «۱-۵» open the right service."""

from __future__ import annotations

import pytest

from bot.nlu import default_nlu
from bot.nlu.posters import PosterIndex

NAMED = [
    ("خدمت شماره ۱۲", "sick_pay"), ("خدمت ۸۵", "voluntary_insurance"), ("۱۰۵", "employer_debt"),
    ("۱-۵", "pension_status"), ("5-1", "pension_status"), ("خدمت ۲-۵", "insurance_record"),
    ("khedmat 13", "military_service"), ("سرویس شماره ۱۱۵", "objection"), ("۹۵", "e_notice"),
    ("میخوام خدمت شماره ۶ رو انجام بدم", "dependents"), ("خدمت ۷", "fractional_month"), ("خدمت ۴", "article38"),
]


@pytest.mark.parametrize(("text", "intent"), NAMED)
def test_poster_numbers_name_their_service(text, intent):
    assert default_nlu().parse(text)["intent"] == {"name": intent, "confidence": 1.0}


def test_numbers_inside_other_sentences_are_not_services():
    posters = PosterIndex({"۱۲": "sick_pay"})
    assert posters.service("مبلغ 12 میلیون") is None
    assert posters.service("12", bare=False) is None
    assert posters.service("خدمت 99") is None


def test_poster_number_in_the_web_chat(chat):
    answer = chat.say("خدمت شماره ۱۰۵")
    assert "بدهی" in answer and "کد ملی" in answer, answer
