"""خدمت ۲-۵ (insurance_record) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40
RETIRED = ("0016383230", "09120000101")  # pensioner-retired: a pension, no insurance record




def start(chat, text: str, person: tuple[str, str]) -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_insured_now_then_certificate(chat, simulator_url):
    answer = chat.say("گواهی ارتباط بیمه‌ای می‌خواهم")
    assert "کد ملی" in answer, answer
    answer = chat.say("۱۲۳۴۵")  # a bad national code is re-asked with what is wrong
    assert "ده رقم" in answer and "کد ملی" in answer, answer
    answer = chat.verify(*WORKER)
    text = plain(answer)
    assert "شرکت ساختمانی البرز" in answer and "1012345678" in text, answer
    assert "1400/01/15" in text and "2400 روز" in text and "اجباری" in answer, answer
    assert "آیا گواهی" in answer, answer

    answer = chat.say("چه مدارکی لازم است؟")  # a digression, then the same question again
    assert "مدرکی لازم نیست" in answer and "آیا گواهی" in answer, answer
    answer = chat.say("فردا")  # neither yes nor no
    assert "بله" in answer and "آیا گواهی" in answer, answer

    answer = chat.press("بله")
    assert "کد رهگیری" in answer, answer
    last = chat.last[-1]
    assert last["document"]["url"].endswith(".pdf"), last
    verify = next(link["url"] for link in last["links"] if "/verify/" in link["url"])
    assert httpx.get(verify, timeout=10).status_code == 200


def test_not_insured_shows_last_date(chat):
    answer = start(chat, "استعلام سابقه بیمه", FORMER_40)
    text = plain(answer)
    assert "نیستید" in answer and "1403/12/29" in text and "1000 روز" in text, answer
    answer = chat.press("خیر")
    assert "هر زمان" in answer, answer


def test_no_insurance_record(chat):
    answer = start(chat, "گواهی ارتباط بیمه‌ای", RETIRED)
    assert "ثبت نشده" in answer and "آیا" not in answer, answer


def test_cancel_mid_flow(chat):
    answer = chat.say("گواهی ارتباط بیمه‌ای")
    assert "کد ملی" in answer, answer
    answer = chat.say(WORKER[0])
    assert "همراه" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer
    answer = chat.say("گواهی ارتباط بیمه‌ای")  # starts afresh
    assert "کد ملی" in answer, answer
