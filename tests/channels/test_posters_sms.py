"""On SMS a bare poster number («۱۲») opens its service, as people read it off the poster."""

from __future__ import annotations

from tests.channels.support import SmsUser


def test_a_bare_poster_number_by_sms_opens_its_service(durable_bot, kavenegar):
    user = SmsUser(durable_bot, kavenegar, "09120000105")  # worker-insured
    answer = "\n".join(user.say("۱۲"))
    assert "غرامت" in answer and "کد ملی" in answer, answer
