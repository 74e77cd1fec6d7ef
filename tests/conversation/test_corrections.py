"""Corrections after a mobile mismatch go back to the national code, without counting as failed attempts."""

from __future__ import annotations

from tests.support.chat import plain

RETIRED = ("0016383230", "09120000101")  # pensioner-retired: 185,432,000 a month
OTHER_NC = "0053081617"  # a real national code, not the retired person's


def _mismatch(chat) -> str:
    chat.say("منو")
    chat.press("مستمری")
    chat.say(OTHER_NC)  # the mistyped national code (valid, but someone else's)
    answer = chat.say(RETIRED[1])
    assert "به نام دارنده کد ملی" in answer, answer
    return answer


def _finish(chat) -> str:
    answer = chat.say(RETIRED[1])
    assert "کد تأیید" in answer, answer
    return plain(chat.say(chat.otp(RETIRED[1])))


def test_a_mismatch_offers_to_change_the_national_code(chat):
    _mismatch(chat)
    assert "تغییر کد ملی" in chat.choices(), chat.choices()
    answer = chat.press("تغییر کد ملی")
    assert "کد ملی" in answer and "همراه" not in answer.splitlines()[-1], answer
    answer = chat.say(RETIRED[0])
    assert "همراه" in answer, answer
    assert "185432000" in _finish(chat)


def test_a_new_national_code_typed_after_a_mismatch_replaces_the_old_one(chat):
    _mismatch(chat)
    answer = chat.say(f"نه، کد ملی من {RETIRED[0]} است")
    assert "جایگزین شد" in answer and "همراه" in answer, answer
    assert "185432000" in _finish(chat)


def test_saying_it_was_a_mistake_goes_back_and_costs_no_attempt(chat):
    _mismatch(chat)
    for _ in range(3):  # going back and forth never locks the owner out
        answer = chat.say("اشتباه شد")
        assert "کد ملی" in answer and "یک ساعت" not in answer, answer
        chat.say(RETIRED[0])
        answer = chat.say("کد ملی رو اشتباه زدم")
        assert "کد ملی" in answer and "یک ساعت" not in answer, answer
        chat.say(RETIRED[0])
    assert "185432000" in _finish(chat)


def _at_code(chat, mobile: str) -> str:
    chat.say("منو")
    chat.press("مستمری")
    chat.say(RETIRED[0])
    return chat.say(mobile)


def test_saying_the_mobile_was_wrong_at_the_code_question_asks_for_it_again(chat):
    answer = _at_code(chat, RETIRED[1])
    assert "کد تأیید" in answer, answer
    answer = chat.say("شماره موبایل رو اشتباه زدم")
    assert "شماره همراه" in answer and "فقط ارقام" not in answer, answer
    assert "185432000" in _finish(chat)


def test_another_mobile_typed_at_the_code_question_replaces_the_first(chat):
    answer = _at_code(chat, RETIRED[1])
    assert "کد تأیید" in answer, answer
    answer = chat.say("0912 000 0102")  # another number: checked against the national code, not read as a code
    assert "به نام دارنده کد ملی" in answer and "کد واردشده" not in answer, answer
    answer = chat.say(RETIRED[1])
    assert "کد تأیید" in answer, answer
    answer = chat.say("ببخشید کد ملی رو اشتباه زدم")
    assert "کد ملی" in answer and "فقط ارقام" not in answer, answer
    chat.say(RETIRED[0])
    assert "185432000" in _finish(chat)
