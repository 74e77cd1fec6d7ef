"""Questions about the step one is on, and «چرا؟» after a refusal: the web chat over real HTTP."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: positive test 1405-08-10, leave 08-10..08-20
SHORT = ("0089820673", "09120000106")  # worker-short-record: 500 days on record


def _to_sheba(chat, simulator_url: str) -> str:
    httpx.post(simulator_url + "/_sim/reset")  # a claim filed by another test would refuse this one
    chat.say("منو")
    chat.press("غرامت دستمزد")
    chat.verify(*WORKER)
    answer = chat.press("تأیید")  # the dates on record
    assert "شماره آزمایش" in answer, answer
    answer = chat.say("98765432")
    assert "شبا" in answer, answer
    return answer


def test_what_is_a_sheba_is_answered_then_asked_again(chat, simulator_url):
    _to_sheba(chat, simulator_url)
    for question in ("شبا چیه؟", "شبا یعنی چه؟", "شماره شبا رو از کجا پیدا کنم؟"):
        answer = chat.say(question)
        assert "در پاسخ شما نبود" not in answer, answer
        assert "۲۴ رقم" in answer and "برنامه" in answer and "بانک" in answer, answer
        assert answer.rstrip().endswith(("(IR و ۲۴ رقم).", "(IR و ۲۴ رقم)")), answer  # the question again, last


def test_when_will_the_code_come_is_answered_on_the_code_step(chat):
    chat.say("منو")
    chat.press("مستمری")
    chat.say(WORKER[0])
    answer = chat.say(WORKER[1])
    assert "کد تأیید" in answer, answer
    answer = chat.say("کد کی میاد؟")
    assert "فقط ارقام" not in answer and "ثبت‌نام" not in answer, answer
    assert "ثانیه" in answer and "ارسال دوباره کد" in answer, answer
    assert "ارسال دوباره کد" in chat.choices()
    answer = chat.say(chat.otp(WORKER[1]))  # the code still works: the question cost nothing
    assert "مستمری" in answer and "کد تأیید" not in answer, answer


def test_the_national_code_step_says_where_to_find_it(chat):
    chat.say("منو")
    chat.press("مستمری")
    answer = chat.say("کد ملی کجا نوشته شده؟")
    assert "کارت ملی" in answer and "کد ملی ده‌رقمی" in answer, answer


def test_why_after_a_refusal_explains_with_the_persons_figures(chat):
    chat.say("منو")
    chat.press("سربازی")
    answer = chat.verify(*SHORT)
    assert "۷۲۰" in answer and "۵۰۰" in answer, answer
    for why in ("چرا؟", "یعنی چی؟", "چرا نمیشه"):
        answer = plain(chat.say(why))
        assert "720" in answer and "500" in answer and "220" in answer, answer  # needed, had, missing
        assert "منظورتان" not in answer and "متوجه نشدم" not in answer, answer
    answer = chat.say("ولی من سه سال سابقه دارم")
    assert "شعبه" in answer and "فیش حقوقی" in answer and "۱۴۲۰" in answer, answer
    assert "منظورتان" not in answer, answer


def test_why_with_no_refusal_asks_which_service(chat):
    answer = chat.say("چرا؟")
    assert "کدام خدمت" in answer and "منظورتان «" not in answer, answer


def test_thanks_and_a_greeting_at_a_question_are_answered_and_the_question_stands(chat):
    chat.say("وضعیت مستمری")
    answer = chat.say("سلام خسته نباشید")
    assert "سلام" in answer and "کد ملی" in answer and "ده رقم باشد" not in answer, answer
    answer = chat.verify("0016383230", "09120000101")
    assert "گواهی" in answer, answer
    answer = chat.say("خیلی ممنون")
    assert "خواهش می‌کنم" in answer and "گواهی" in answer and "گزینه‌ها را انتخاب" not in answer, answer
    assert "بله" in " ".join(chat.choices()), chat.choices()


def test_goodbye_in_the_middle_of_a_service_keeps_it_to_resume(chat):
    chat.say("سابقه بیمه")
    answer = chat.say("خداحافظ")
    assert "سپاسگزاریم" in answer and "کد ملی" not in answer, answer
    answer = chat.say("سلام")
    assert any("ادامه" in c for c in chat.choices()), (answer, chat.choices())
