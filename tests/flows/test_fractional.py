"""خدمت ۷ (fractional_month) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

FRACTIONAL = ("0148889336", "09120000112")  # worker-fractional: 1405-07 20 days, 1405-08 25 days
SHORT = ("0089820673", "09120000106")  # worker-short-record: nothing to complete




def start(chat, text: str, person: tuple[str, str]) -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def _due(simulator_url: str) -> str:
    months = httpx.get(f"{simulator_url}/v1/persons/{FRACTIONAL[0]}/fractional-months", timeout=10).json()
    return months["due_date"].replace("-", "/")


def test_declined_then_contract(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    answer = start(chat, "تکمیل ماه‌های کسری", FRACTIONAL)
    text = plain(answer)
    assert "آیین‌نامه" in answer and "مهر 1405" in text and "آبان 1405" in text, answer
    assert "20 روز سابقه، 10 روز کسری" in text and "25 روز سابقه، 5 روز کسری" in text, answer
    assert "15 روز" in text and _due(simulator_url) in text and "آیا" in answer and "موافق" in answer, answer

    answer = chat.say("چه مدارکی لازم است؟")  # a digression, then the same question again
    assert "مدرکی لازم نیست" in answer and "موافق" in answer, answer
    answer = chat.say("شاید")
    assert "بله" in answer and "موافق" in answer, answer
    answer = chat.say("چرا باید پرداخت کنم؟")  # a question is not an agreement
    assert "موافق" in answer and "اطلاعات هویتی" not in answer, answer
    answer = chat.press("خیر")
    assert "قراردادی بسته نشد" in answer, answer

    answer = chat.say("کسری ماه")  # again, and this time agree
    assert "موافق" in answer, answer
    answer = chat.press("بله")
    assert "مهدی اکبری" in answer and "۰۱۴۸***۳۳۶" in answer and "آیا" in answer, answer
    answer = chat.say("نمی‌دانم")
    assert "بله" in answer and "آیا" in answer, answer
    answer = chat.press("بله")
    text = plain(answer)
    assert "منعقد شد" in answer and "شماره قرارداد" in answer and _due(simulator_url) in text, answer
    assert any("/pay/" in link["url"] for m in chat.last for link in m.get("links", [])), chat.last

    answer = chat.say("کسری ماه")
    assert "پیش‌تر قرارداد" in answer, answer


def test_nothing_to_complete(chat):
    answer = start(chat, "تکمیل ماه‌های کسری", SHORT)
    assert "کسری‌ای برای تکمیل ندارید" in answer and "موافق" not in answer, answer


def test_cancel_at_summary(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    start(chat, "تکمیل ماه‌های کسری", FRACTIONAL)
    answer = chat.press("بله")
    assert "آیا" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer
