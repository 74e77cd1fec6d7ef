"""خدمت ۸۵ (voluntary_insurance) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: insured now (compulsory)
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: eligible
FORMER_53 = ("0119390779", "09120000109")  # former-insured-53: eligible
FORMER_55 = ("0101661819", "09120000108")  # former-insured-55-short: 1,440 days, too short for 55
NO_CARD = ("0124768644", "09120000110")  # young-no-service-card
UNDER_30 = ("0130836389", "09120000111")  # young-under-30-days: 20 days
WAGE_MIN, WAGE_MAX = "140280000", "981960000"




def start(chat, text: str, person: tuple[str, str]) -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_contract_with_premium_before_signing(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    answer = start(chat, "بیمه اختیاری", FORMER_40)
    text = plain(answer)
    assert "شرایط" in answer and "1000 روز" in text, answer
    assert "مبنای دستمزد ماهانه" in answer and WAGE_MIN in text and WAGE_MAX in text, answer

    answer = chat.say("نمی‌دانم")
    assert "مبلغ" in answer and WAGE_MIN in plain(answer), answer
    answer = chat.say("۵۰ هزار")  # far too small: probably meant in millions
    assert "میلیون تومان" in answer and WAGE_MIN in plain(answer), answer
    answer = chat.say("۲ میلیارد ریال")
    assert "سقف" in answer and WAGE_MAX in plain(answer), answer
    answer = chat.say("چه مدارکی لازم است؟")  # a digression, then the same question again
    assert "مدرکی لازم نیست" in answer and "مبنای دستمزد ماهانه" in answer, answer

    answer = chat.say("۲۰ میلیون تومان")
    text = plain(answer)
    assert "200000000 ریال" in text and "54000000 ریال" in text and "آیا" in answer, answer
    answer = chat.press("خیر")  # change the amount
    assert "مبنای دستمزد ماهانه" in answer, answer
    answer = chat.press("حداقل مبنا")
    assert "37875600" in plain(answer), answer
    answer = chat.press("بله")
    assert "منعقد شد" in answer and "شماره قرارداد" in answer, answer
    assert any("/pay/" in link["url"] for m in chat.last for link in m.get("links", [])), chat.last

    answer = chat.say("بیمه اختیاری")  # a second contract is not made; the one made is shown again
    assert "پیش‌تر قرارداد" in answer, answer
    assert "37875600" in plain(answer) and "/pay/" in answer, answer


def test_eligible_at_53_then_cancel(chat):
    answer = start(chat, "قرارداد بیمه اختیاری", FORMER_53)
    assert "1500 روز" in plain(answer) and "مبنای دستمزد" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer


def test_refused_already_insured(chat):
    answer = start(chat, "بیمه اختیاری", WORKER)
    assert "اجباری" in answer and "هستید" in answer and "مبنای" not in answer, answer


def test_refused_over_50_short_record(chat):
    answer = start(chat, "بیمه اختیاری", FORMER_55)
    text = plain(answer)
    assert "1440 روز" in text and "1825 روز" in text and "385 روز" in text, answer


def test_refused_no_service_card(chat):
    answer = start(chat, "بیمه اختیاری", NO_CARD)
    assert "کارت پایان خدمت" in answer and "مبنای" not in answer, answer


def test_refused_under_30_days(chat):
    answer = start(chat, "بیمه اختیاری", UNDER_30)
    text = plain(answer)
    assert "20 روز" in text and "10 روز" in text and "30 روز" in text, answer
