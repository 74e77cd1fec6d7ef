"""The verified person is the one talking: a second national code on a shared phone by SMS."""

from __future__ import annotations

from tests.channels.support import SmsUser, plain

RETIRED = ("0016383230", "09120000101")  # pensioner-retired: 185,432,000 a month
SPOUSE_NC = "0053081617"  # another person, whose phone this is not


def test_a_second_person_on_a_verified_phone_never_gets_the_owners_data(doors_bot, fake_sms):
    user = SmsUser(doors_bot, fake_sms, RETIRED[1])
    menu = user.say("منو")
    option = next(line.split()[0] for line in menu[0].splitlines() if "مستمری" in line and line[0].isdigit())
    user.say(option)
    served = plain("\n".join(user.say(RETIRED[0])))
    assert "185432000" in served, served
    user.say("۲")
    for message in (f"سلام من همسرش هستم کد ملی من {SPOUSE_NC} مستمری من چقدره", f"مستمری {SPOUSE_NC}"):
        answer = "\n".join(user.say(message))
        assert "185432000" not in plain(answer) and "مستمری بازنشستگی شما" not in answer, answer
        assert "به نام صاحب کد ملی" in answer and "۱۴۲۰" in answer and "گوشی خود" in answer, answer
    again = plain("\n".join(user.say("مستمری")))  # the owner, on their own phone, is still served
    assert "185432000" in again, again


def test_a_second_person_at_the_owners_open_question_is_told_whose_phone_this_is(doors_bot, fake_sms):
    user = SmsUser(doors_bot, fake_sms, RETIRED[1])
    served = plain("\n".join(user.say("وضعیت مستمری")))
    if "185432000" not in served:  # the phone's owner proves who they are once
        served = plain("\n".join(user.say(RETIRED[0])))
    assert "185432000" in served and "گواهی" in served, served
    answer = "\n".join(user.say(f"من زهرا احمدی هستم کد ملی من {SPOUSE_NC} مستمری من چقدر است"))
    assert "185432000" not in plain(answer) and "(بله) یا" not in answer, answer
    assert "به نام صاحب کد ملی" in answer and "۱۴۲۰" in answer, answer


def test_the_same_service_asked_again_at_its_last_question_starts_it_afresh(doors_bot, fake_sms):
    user = SmsUser(doors_bot, fake_sms, RETIRED[1])
    served = plain("\n".join(user.say("وضعیت مستمری")))
    if "185432000" not in served:
        served = plain("\n".join(user.say(RETIRED[0])))
    assert "گواهی" in served, served
    for _ in range(3):  # days later, the same phone asks again while the certificate question is open
        again = "\n".join(user.say("وضعیت مستمری"))
        assert "185432000" in plain(again) and "معتبر نبود" not in again and "(بله) یا" not in again, again
