"""Sick pay by SMS: the dates on record are confirmed by one number, asked one by one only to change them."""

from __future__ import annotations

import httpx

from tests.channels.conftest import REDIS_DB7
from tests.channels.support import SmsUser
from tests.doors.sms_conversations import forget, last_code, option

WORKER = ("0053081617", "09120000105")  # worker-insured: positive test 1405-08-10, leave 08-10..08-20


def _offer(bot: str, kavenegar) -> tuple[SmsUser, list[str]]:
    httpx.post(f"{bot}/sim/_sim/reset", timeout=10).raise_for_status()  # no claim filed by another test
    forget(REDIS_DB7, WORKER[1])
    user = SmsUser(bot, kavenegar, WORKER[1])
    user.say("غرامت بیماری")
    return user, user.say(WORKER[0])


def test_the_dates_on_record_cost_one_sms(durable_bot, kavenegar):
    user, offer = _offer(durable_bot, kavenegar)
    assert "۱۴۰۵/۰۸/۱۰" in offer[-1] and "۱۴۰۵/۰۸/۲۰" in offer[-1], offer  # the test and the leave, offered
    asked = user.say(option(offer, "تأیید"))
    assert "آزمایش" in asked[-1] and "تاریخ" not in asked[-1], asked  # on to the test's number: no date again
    user.say("98765432")
    summary = user.say("IR490170000000001234567890")
    assert "۱۴۰۵/۰۸/۱۰ تا ۱۴۰۵/۰۸/۲۰" in summary[-1], summary
    user.say(option(summary, "بله"))
    done = user.say(last_code(kavenegar, WORKER[1]))
    assert "SP-" in done[-1] and "۵۴٬۰۰۰٬۰۰۰" in done[-1], done
    user.http.close()


def test_changing_the_dates_asks_them_one_by_one(durable_bot, kavenegar):
    user, offer = _offer(durable_bot, kavenegar)
    asked = user.say(option(offer, "تغییر"))
    assert "تاریخ شروع" in asked[-1], asked
    assert "تاریخ پایان" in user.say("1405/08/11")[-1]
    assert "تاریخ انجام آزمایش" in user.say("1405/08/20")[-1]
    user.http.close()
