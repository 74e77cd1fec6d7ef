"""خدمت ۱۳ (military_service) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import re

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: eligible, 21 months on record
SHORT = ("0089820673", "09120000106")  # worker-short-record: 500 days
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: not insured now
FRACTIONAL = ("0148889336", "09120000112")  # worker-fractional: no service months on record




def start(chat, text: str, person: tuple[str, str]) -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_request_payment_and_state(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    answer = start(chat, "احتساب خدمت سربازی", WORKER)
    assert "2400 روز" in plain(answer) and "21 ماه" in plain(answer), answer
    assert "چند ماه" in answer, answer
    assert any("۲۱ ماه" in title for title in chat.choices()), chat.choices()

    answer = chat.say("۳۰")  # more than the service on record
    assert "بیشتر" in answer and "چند ماه" in answer, answer
    answer = chat.say("چه مدارکی لازم است؟")  # a digression, then the same question again
    assert "مدرکی لازم نیست" in answer and "چند ماه" in answer, answer
    answer = chat.say("یک سال و شش ماه")  # typed in words: 18 months
    assert "18 ماه" in plain(answer) and "1458000000" in plain(answer) and "آیا" in answer, answer

    answer = chat.say("شاید")  # neither yes nor no
    assert "بله" in answer and "آیا" in answer, answer
    answer = chat.say("چرا باید این مبلغ را بپردازم؟")  # a question is not a «yes»
    assert "ثبت شد" not in answer and "آیا درخواست" in answer, answer
    answer = chat.press("خیر")  # back to the months, nothing lost but the months
    assert "چند ماه" in answer, answer
    answer = chat.press("۲۱ ماه")
    assert "21 ماه" in plain(answer) and "1701000000" in plain(answer), answer
    answer = chat.press("بله")
    assert "ثبت شد" in answer and "در انتظار پرداخت" in answer, answer
    pay = next(link["url"] for m in chat.last for link in m.get("links", []))
    assert "/pay/" in pay

    answer = chat.say("سربازی")  # coming back: the state, not a new request
    assert "پیش‌تر" in answer and "در انتظار پرداخت" in answer and "چند ماه" not in answer, answer
    payment_id = re.search(r"PAY-\d+", pay).group(0)
    httpx.post(f"{simulator_url}/_sim/payments/{payment_id}/pay", timeout=10).raise_for_status()
    answer = chat.say("سربازی")
    assert "پرداخت شده" in answer, answer


def test_refused_under_two_years(chat):
    answer = start(chat, "احتساب سربازی", SHORT)
    text = plain(answer)
    assert "500 روز" in text and "720 روز" in text and "220 روز" in text, answer
    assert "چند ماه" not in answer


def test_refused_not_insured_now(chat):
    answer = start(chat, "احتساب سربازی", FORMER_40)
    assert "بیمه‌پرداز نیستید" in answer and "بیمه اختیاری" in answer, answer


def test_refused_no_service_card(chat):
    answer = start(chat, "احتساب سربازی", FRACTIONAL)
    assert "کارت پایان خدمت" in answer and "چند ماه" not in answer, answer


def test_cancel_at_months(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    answer = start(chat, "احتساب خدمت سربازی", WORKER)
    assert "چند ماه" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer
