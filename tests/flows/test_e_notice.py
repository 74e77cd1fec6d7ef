"""خدمت ۹۵ (e_notice) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import httpx
import pytest

from tests.support.chat import plain

EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: 1012345678 has not accepted
NO_DEBT = ("0169896676", "09120000114")  # employer-no-debt: 1023456789 accepted already
CONTRACTOR = ("0183067045", "09120000116")  # no workshop of their own




@pytest.fixture
def fresh(simulator_url):
    """Acceptance is state: start from the fixtures (1012345678 not accepted)."""
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()


def start(chat, person: tuple[str, str], text: str = "توافق‌نامه ابلاغ الکترونیک") -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_read_agree_sign_with_code(chat, fresh):
    start(chat, EMPLOYER)
    answer = chat.press("بله")
    assert "هنوز پذیرفته نشده" in answer and "بخش ۱ از" in answer and "آیا" in answer, answer
    assert "کارتابل" in answer, answer  # the agreement's own text
    answer = chat.say("فلان")
    assert "ادامه متن" in answer and "بخش ۱ از" in answer, answer
    answer = chat.press("ادامه متن")
    assert "بخش ۲ از" in answer and "موافق" in answer and "آیا" in answer, answer
    answer = chat.say("شاید")  # neither yes nor no
    assert "بله" in answer and "موافق" in answer, answer
    answer = chat.press("بله، موافقم")
    assert "کد تأیید" in answer and "۰۹۱۲***۱۱۳" in answer, answer
    code = chat.otp(EMPLOYER[1])
    answer = chat.say("***")
    assert "ارقام" in answer and "کد تأیید" in answer, answer
    wrong = "111111" if code != "111111" else "222222"
    answer = chat.say(wrong)
    assert "درست نیست" in answer and "کد تأیید" in answer, answer
    answer = chat.say(code)
    assert "پذیرفته و ثبت شد" in answer and "وضعیت فعلی: پذیرفته‌شده" in answer, answer

    answer = chat.say("ابلاغ الکترونیک")  # afterwards: accepted
    answer = chat.press("بله")
    assert "پذیرفته شده است" in answer and "اقدام دیگری لازم نیست" in answer, answer


def test_skip_to_question_and_resend_code(chat, fresh):
    start(chat, EMPLOYER)
    chat.press("بله")
    answer = chat.press("رفتن به پرسش پایانی")
    assert "آیا" in answer and "بخش" not in answer, answer
    answer = chat.say("هزینه دارد؟")  # a digression, then the same question
    assert "رایگان" in answer and "موافق" in answer, answer
    chat.say("بله")
    first = chat.otp(EMPLOYER[1])
    answer = chat.press("ارسال دوباره کد")
    assert "کد تأیید" in answer, answer
    second = chat.otp(EMPLOYER[1])
    if first != second:
        answer = chat.say(first)  # the first code is no longer the one
        assert "درست نیست" in answer, answer
    answer = chat.say(second)
    assert "پذیرفته و ثبت شد" in answer, answer


def test_decline_changes_nothing(chat, fresh):
    start(chat, EMPLOYER)
    chat.press("بله")
    chat.press("رفتن به پرسش پایانی")
    answer = chat.press("خیر")
    assert "پذیرفته نشد" in answer and "تغییری نکرد" in answer, answer
    chat.say("ابلاغ الکترونیک")
    answer = chat.press("بله")
    assert "هنوز پذیرفته نشده" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer


def test_already_accepted(chat):
    start(chat, NO_DEBT)
    answer = chat.press("بله")
    assert "پذیرفته شده است" in answer and "1023456789" in plain(answer), answer
    assert "بخش" not in answer


def test_no_right_to_the_workshop(chat):
    start(chat, CONTRACTOR)
    answer = chat.say("1012345678")
    assert "کارفرما یا نماینده مجاز" in answer and "کارتابل" not in answer, answer
