"""The notices' words: Persian digits, Jalali dates, ریال with ٬, buttons that open the right flow."""

from __future__ import annotations

from bot.notify.model import Notice
from bot.notify.render import SMS_MAX, priority_of, render

FACTS38 = {"contract": "1404-3817", "number": "38-1405-0100", "date": "1405-09-03"}
DEBT = {"workshop": "1012345678", "id": "D9", "amount": 185432000, "period": "1405-08", "deadline": "1405-09-30"}


def test_article38_on_a_messenger_has_the_facts_and_a_button_to_the_flow():
    msg = render(Notice("E1", "0183067045", "telegram", "42", "article38_certificate_issued", facts=FACTS38))
    assert "۱۴۰۴-۳۸۱۷" in msg.text and "۳۸-۱۴۰۵-۰۱۰۰" in msg.text and "۱۴۰۵/۰۹/۰۳" in msg.text
    assert not any(ch.isascii() and ch.isdigit() for ch in msg.text)
    assert [c.id for c in msg.choices] == ["svc:article38|contract=1404-3817"]


def test_debt_by_sms_is_short_with_amount_deadline_and_reply_numbers():
    msg = render(Notice("E2", "0158165667", "sms", "09120000113", "debt_raised", facts=DEBT))
    assert "۱۸۵٬۴۳۲٬۰۰۰ ریال" in msg.text and "۱۴۰۵/۰۸" in msg.text and "۱۴۰۵/۰۹/۳۰" in msg.text
    assert "۱" in msg.text and "۲" in msg.text and "«لغو»" in msg.text
    assert len(msg.text) <= SMS_MAX
    assert [c.id for c in msg.choices] == ["svc:employer_debt|workshop=1012345678",
                                           "svc:objection|workshop=1012345678|debt_id=D9"]
    plain = render(Notice("E2", "0158165667", "sms", "09120000113", "debt_raised", facts=DEBT), offer=False)
    assert plain.choices == [] and "۱ و برای" not in plain.text


def test_urgent_notices_are_those_with_a_date_to_keep():
    assert priority_of("debt_raised", DEBT) == "urgent"
    assert priority_of("debt_raised", {**DEBT, "deadline": None}) == "bulk"
    assert priority_of("hearing_scheduled", {}) == "urgent"
    assert priority_of("article38_certificate_issued", FACTS38) == "bulk"
    assert priority_of("payment_received", {}) is None
