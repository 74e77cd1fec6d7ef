"""Reminders a person asked for (issue 20.3) through the notices pipeline: real Redis, a real ledger, fake gateways.

Uses the notify tests' fixtures (tests/status/conftest.py): Redis db 9, a migrated ledger, the fakes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.engine.messages import Channel, Inbound
from bot.notify.hooks import NotifyHooks
from bot.notify.reminders import due_time, schedule
from tests.notify.conftest import FakeClock, drain

TEHRAN = ZoneInfo("Asia/Tehran")
WORKER, MOBILE = "0053081617", "09120000105"


def sms_sends(kavenegar) -> list[dict]:
    return kavenegar.messages()


def bot_sends(bot_api) -> list[dict]:
    return [c for c in bot_api.calls_of("sendMessage") if c["status"] == 200]


def test_due_a_set_time_before_the_date():
    due = dt.datetime.fromtimestamp(due_time("fractional_due", "1405-09-30"), TEHRAN)  # 1405/09/30 = 2026-12-21
    assert due == dt.datetime(2026, 12, 14, 9, 0, tzinfo=TEHRAN)
    hearing = dt.datetime.fromtimestamp(due_time("hearing", "1405-09-30"), TEHRAN)
    assert hearing == dt.datetime(2026, 12, 20, 9, 0, tzinfo=TEHRAN)


async def test_a_due_reminder_goes_to_the_linked_messenger_not_before(make_notify, bot_api, kavenegar):
    clock = FakeClock(dt.datetime(2026, 12, 1, 12, 0, tzinfo=TEHRAN).timestamp())
    notify = make_notify(clock=clock)
    await notify.prepare()
    await NotifyHooks(notify.ledger).identified(Inbound(Channel.TELEGRAM, "778001"), WORKER, MOBILE)
    taken = await schedule(notify, WORKER, MOBILE, "fractional_due", "1405-09-30")
    again = await schedule(notify, WORKER, MOBILE, "fractional_due", "1405-09-30")  # asked twice: one reminder
    assert (taken.notices, again.notices) == (1, 0)
    await drain(notify)
    assert bot_sends(bot_api) == [] and sms_sends(kavenegar) == [], "not before it is due"
    [row] = await notify.ledger.notices()
    assert row["state"] == "queued" and row["kind"] == "reminder_due"

    clock.now = dt.datetime(2026, 12, 14, 9, 0, 1, tzinfo=TEHRAN).timestamp()
    await drain(notify)
    [call] = bot_sends(bot_api)
    assert str(call["params"]["chat_id"]) == "778001" and "۱۴۰۵/۰۹/۳۰" in call["params"]["text"], call
    assert "ماه‌های کسری" in call["params"]["text"] and sms_sends(kavenegar) == []
    assert [r["state"] for r in await notify.ledger.notices()] == ["sent"]


async def test_a_reminder_by_sms_keeps_quiet_hours_and_opt_outs(make_notify, bot_api, kavenegar):
    clock = FakeClock(dt.datetime(2026, 12, 1, 12, 0, tzinfo=TEHRAN).timestamp())
    notify = make_notify(clock=clock, quiet_start="08:00", quiet_end="10:00")  # 09:00 falls in quiet hours
    await notify.prepare()
    await schedule(notify, WORKER, MOBILE, "voluntary_premium", "1405-09-30")
    clock.now = dt.datetime(2026, 12, 16, 9, 0, 1, tzinfo=TEHRAN).timestamp()  # due at 09:00, five days before
    await drain(notify)
    assert sms_sends(kavenegar) == [], "quiet hours"
    clock.now = dt.datetime(2026, 12, 16, 10, 0, 1, tzinfo=TEHRAN).timestamp()
    await drain(notify)
    [sms] = sms_sends(kavenegar)
    assert sms["params"]["receptor"] == MOBILE and "بیمه اختیاری" in sms["params"]["message"], sms

    await NotifyHooks(notify.ledger).opt_out(Inbound(Channel.SMS, MOBILE, text="لغو"))
    await schedule(notify, WORKER, MOBILE, "hearing", "1405-10-05", ref="OBJ-1")
    clock.now = dt.datetime(2026, 12, 25, 10, 30, tzinfo=TEHRAN).timestamp()
    await drain(notify)
    assert len(sms_sends(kavenegar)) == 1, "opted out: no more"
    assert sorted(r["state"] for r in await notify.ledger.notices()) == ["opted_out", "sent"]
