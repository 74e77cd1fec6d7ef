"""خدمت ۱۲ (sick_pay) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: positive test 1405-08-10, leave 08-10..08-20
SHORT = ("0089820673", "09120000106")  # worker-short-record: insured, no positive test
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: not insured now
VOLUNTARY = ("0240557875", "09120000130")  # worker-voluntary (extra fixtures): insured, not compulsory
GOOD_SHEBA = "IR490170000000001234567890"


def _sheba(bban: str) -> str:
    check = 98 - int(bban + "182700") % 97
    return f"IR{check:02d}{bban}"




def start(chat, person: tuple[str, str]) -> str:
    """Open the service from the menu and prove who one is."""
    chat.say("منو")
    answer = chat.press("غرامت دستمزد")
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_dates_on_record_are_confirmed_with_one_press(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    answer = start(chat, WORKER)
    text = plain(answer)
    assert "1405/08/10" in text and "1405/08/20" in text, answer  # the test and the leave on record, offered
    assert "تأیید" in chat.choices() and "تغییر تاریخ‌ها" in chat.choices(), chat.choices()
    answer = chat.press("تأیید")  # one press instead of three dates typed again
    assert "شماره آزمایش" in answer and "تاریخ" not in answer, answer
    chat.say("98765432")
    answer = chat.say(GOOD_SHEBA)
    text = plain(answer)
    assert "1405/08/10" in text and "1405/08/20" in text and "11 روز" in text, answer  # the summary has them
    answer = chat.press("بله")
    assert "ثبت شد" in answer and "SP-" in plain(answer) and "54000000" in plain(answer), answer


def test_a_date_typed_at_the_offer_changes_the_dates(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    start(chat, WORKER)
    assert "تأیید" in chat.choices(), chat.choices()  # the dates on record are offered first
    answer = chat.say("1405/08/12")  # not «تأیید»: the leave began later than on record
    assert "تاریخ پایان" in answer, answer  # the start is taken, the rest asked one by one
    answer = chat.say("1405/08/20")
    assert "تاریخ انجام آزمایش" in answer, answer


def test_claim_with_a_mistake_at_every_step(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    answer = start(chat, WORKER)
    assert "1405/08/10" in plain(answer) and "تاریخ شروع" not in answer, answer
    answer = chat.say("نمی‌دونم")  # neither «تأیید» nor a change: the offer again
    assert "تأیید" in answer and "1405/08/20" in plain(answer), answer
    answer = chat.press("تغییر تاریخ‌ها")  # only now one by one
    assert "تاریخ شروع" in answer, answer

    answer = chat.say("1405/13/40")  # not a real date
    assert "معتبر نیست" in answer and "تاریخ شروع" in answer, answer
    answer = chat.say("1406/01/01")  # in the future
    assert "نرسیده" in answer and "تاریخ شروع" in answer, answer
    answer = chat.say("1405/08/01")  # before the leave on record
    assert "1405/08/10" in plain(answer) and "1405/08/20" in plain(answer) and "تاریخ شروع" in answer, answer
    answer = chat.say("۱۴۰۵/۰۸/۱۰")
    assert "تاریخ پایان" in answer, answer

    answer = chat.say("1405/08/05")  # end before start
    assert "پیش از شروع" in answer and "تاریخ پایان" in answer, answer
    answer = chat.say("چرا سه روز اول پرداخت نمی‌شود؟")  # a digression, then the same question again
    assert "روز چهارم" in answer and "دوسوم" in answer and "تاریخ پایان" in answer, answer
    answer = chat.say("1405/08/25")  # past the leave on record
    assert "1405/08/20" in plain(answer) and "تاریخ پایان" in answer, answer
    answer = chat.say("20 آبان 1405")
    assert "تاریخ انجام آزمایش" in answer, answer

    answer = chat.say("1405/08/12")  # after the leave began
    assert "پس از شروع" in answer and "آزمایش" in answer, answer
    answer = chat.say("1405/08/09")  # not the test on record
    assert "1405/08/10" in plain(answer) and "تاریخ انجام آزمایش" in answer, answer
    answer = chat.say("1405/08/10")
    assert "شماره آزمایش" in answer, answer

    answer = chat.say("ندارم")
    assert "رقم" in answer and "شماره آزمایش" in answer, answer
    answer = chat.say("۱۴۰۵۸۸۱۰")
    assert "شبا" in answer, answer

    answer = chat.say("IR000000000000000000000000")  # fails mod-97
    assert "معتبر نیست" in answer and "کنترل" in answer and "شبا" in answer, answer
    answer = chat.say("IR12345678")  # too short
    assert "24" in plain(answer) and "8 رقم" in plain(answer) and "شبا" in answer, answer
    answer = chat.say("چه مدارکی لازم است؟")
    assert "مدرک کاغذی لازم نیست" in answer and "شبا" in answer, answer
    answer = chat.say(GOOD_SHEBA)
    assert "آیا" in answer and "11 روز" in plain(answer) and "IR49…7890" in plain(answer), answer
    assert GOOD_SHEBA not in plain(answer), "the summary shows the IBAN masked"

    answer = chat.press("خیر")  # correct one answer, keep the rest
    assert "کدام" in answer, answer
    answer = chat.press("شماره شبا")
    assert "شبا" in answer, answer
    other = _sheba("0120000000000012345678")
    answer = chat.say(" ".join(other[i:i + 4] for i in range(0, len(other), 4)))
    assert f"{other[:4]}…{other[-4:]}" in plain(answer) and other not in plain(answer) and "1405/08/10" in plain(answer) and "14058810" in plain(answer), answer

    answer = chat.press("بله")
    text = plain(answer)
    assert "ثبت شد" in answer and "SP-" in text, answer
    assert "11 روز" in text and "3 روز" in text and "8 روز" in text, answer
    assert "6750000 ریال" in text and "54000000 ریال" in text, answer
    assert "۵۴٬۰۰۰٬۰۰۰ ریال" in answer, answer

    chat.say("منو")  # a second claim for the same test is refused
    answer = chat.press("غرامت دستمزد")
    assert "پیش‌تر" in answer and "SP-" in plain(answer) and "54000000" in plain(answer), answer
    assert "تاریخ شروع" not in answer and "تأیید" not in chat.choices(), answer


def test_no_positive_test_is_refused(chat):
    answer = start(chat, SHORT)
    assert "آزمایش کرونا" in answer and "ثبت نشده" in answer and "تاریخ شروع" not in answer, answer


def test_not_insured_now_is_refused(chat):
    answer = start(chat, FORMER_40)
    assert "بیمه جاری" in answer and "تاریخ شروع" not in answer, answer


def test_voluntary_insured_is_refused(chat):
    answer = start(chat, VOLUNTARY)
    assert "اجباری" in answer and "اختیاری" in answer and "تاریخ شروع" not in answer, answer


def test_cancel_mid_flow(chat, simulator_url):
    answer = start(chat, WORKER)
    if "پیش‌تر" in answer:  # an earlier test filed the claim: start afresh
        httpx.post(simulator_url + "/_sim/reset", timeout=10)
        chat.say("منو")
        answer = chat.press("غرامت دستمزد")
    answer = chat.press("تغییر تاریخ‌ها")
    assert "تاریخ شروع" in answer, answer
    answer = chat.say("از 1405/08/10 تا 1405/08/20")  # both dates at once: the end is not asked again
    assert "تاریخ انجام آزمایش" in answer and "تاریخ پایان" not in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer
    answer = chat.say("1405/08/20")  # no longer inside the flow
    assert "تاریخ انجام آزمایش" not in answer, answer
