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
