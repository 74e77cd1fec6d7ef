"""Asking for a reminder from «وضعیت من» (issue 20.3), end to end: the overview's button, the Persian
confirmation with the Jalali date, the notice in the ledger and on the delayed queue (real Redis), and,
the clock moved on, the notice delivered on the person's door (the fake Bot API, the fake Kavenegar).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest

from basics.bidi import FSI, PDI
from basics.digits import to_ascii
from bot.engine.messages import Channel
from bot.nlu.dates import to_jalali
from bot.notify.hooks import NotifyHooks
from bot.notify.reminders import NotifyReminders, due_time
from tests.flows.harness import Person, make_engine
from tests.notify.conftest import FakeClock, drain

TEHRAN = ZoneInfo("Asia/Tehran")
FRACTIONAL = ("0148889336", "09120000112")  # worker-fractional
EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: workshop 1012345678
REMIND_FRACTIONAL = "svc:my_status|remind=fractional_due"


def bare(text: str) -> str:
    return to_ascii(text.replace(FSI, "").replace(PDI, ""))


@pytest.fixture
async def wired(simulator_url, make_notify):
    """An engine on the simulator whose reminders and account links go to a real notices pipeline."""
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()
    clock = FakeClock(time.time())
    notify = make_notify(clock=clock)
    await notify.prepare()
    engine = make_engine(simulator_url, otp_max_sends=100)
    engine.deps.events.add(NotifyHooks(notify.ledger))
    engine.deps.reminders = NotifyReminders(notify)
    yield engine, notify, clock
    await engine.deps.api.aclose()
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()


async def _overview(engine, user: str, channel: Channel, who: tuple[str, str]) -> Person:
    p = Person(engine, user, channel)
    assert "کد ملی" in await p.say("وضعیت من")
    answer = await p.say(who[0])
    if channel is not Channel.SMS:
        answer = await p.say(who[1])
        answer = await p.say(p.code(who[1]))
    assert "خلاصه پرونده" in answer or "وضعیت" in answer, answer
    return p


def _half_year_due(simulator_url: str, nc: str) -> str:
    return httpx.get(f"{simulator_url}/v1/persons/{nc}/fractional-months", timeout=10).json()["due_date"]


async def test_asked_on_telegram_scheduled_then_delivered_there(wired, simulator_url, bot_api, kavenegar):
    engine, notify, clock = wired
    due_date = _half_year_due(simulator_url, FRACTIONAL[0])
    p = await _overview(engine, "778101", Channel.TELEGRAM, FRACTIONAL)
    assert REMIND_FRACTIONAL in p.buttons(), p.buttons()
    answer = await p.press(REMIND_FRACTIONAL)
    at = dt.datetime.fromtimestamp(due_time("fractional_due", due_date), TEHRAN)
    assert "یادآوری ثبت شد" in answer and "در تلگرام" in answer, answer
    assert due_date.replace("-", "/") in bare(answer), answer  # the date itself, Jalali
    assert to_jalali(at.date().isoformat()).replace("-", "/") in bare(answer) and "9:00" in bare(answer), answer
    assert "۱۴۰" in answer and not re.search(r"[0-9]", answer.replace(FSI, "")), answer  # Persian digits

    [row] = await notify.ledger.notices()
    assert (row["kind"], row["state"], row["channel"]) == ("reminder_due", "queued", "telegram"), row
    assert await notify.redis.zcard(notify.queue().delayed) == 1  # waiting on the delayed set
    again = await p.press(REMIND_FRACTIONAL)  # asked twice: one reminder
    assert "پیش‌تر ثبت شده" in again and len(await notify.ledger.notices()) == 1, again

    await drain(notify)
    assert not [c for c in bot_api.calls_of("sendMessage") if c["status"] == 200], "not before it is due"
    clock.now = at.timestamp() + 1
    await drain(notify)
    [call] = [c for c in bot_api.calls_of("sendMessage") if c["status"] == 200]
    assert str(call["params"]["chat_id"]) == "778101", call
    assert "ماه‌های کسری" in call["params"]["text"] and due_date.replace("-", "/") in bare(call["params"]["text"])
    assert [r["state"] for r in await notify.ledger.notices()] == ["sent"]
    assert not kavenegar.messages()


async def test_asked_by_sms_from_the_numbered_menu_delivered_by_sms(wired, simulator_url, kavenegar):
    engine, notify, clock = wired
    due_date = _half_year_due(simulator_url, FRACTIONAL[0])
    p = await _overview(engine, FRACTIONAL[1], Channel.SMS, FRACTIONAL)
    number = p.buttons().index(REMIND_FRACTIONAL) + 1  # the SMS door shows the buttons as a numbered menu
    answer = await p.say(str(number))
    assert "یادآوری ثبت شد" in answer and "پیامک" in answer, answer
    [row] = await notify.ledger.notices()
    assert (row["channel"], row["state"]) == ("sms", "queued"), row
    clock.now = due_time("fractional_due", due_date) + 1
    await drain(notify)
    [sms] = kavenegar.messages()
    assert sms["params"]["receptor"] == FRACTIONAL[1] and "کسری" in sms["params"]["message"], sms


async def test_a_hearing_reminder_for_the_employer(wired, simulator_url, bot_api):
    engine, notify, clock = wired
    r = httpx.post(f"{simulator_url}/v1/workshops/1012345678/objections", timeout=10,
                   json={"debt_id": "D3", "reason_code": "wrong_amount", "text": "جریمه نادرست است"},
                   headers={"X-Actor": EMPLOYER[0], "Idempotency-Key": uuid.uuid4().hex})
    r.raise_for_status()
    number, hearing = r.json()["number"], r.json()["hearing"]["date"]
    p = await _overview(engine, "778102", Channel.BALE, EMPLOYER)
    choice = f"svc:my_status|remind=hearing|ref={number}"
    assert choice in p.buttons(), p.buttons()
    answer = await p.press(choice)
    assert "یادآوری ثبت شد" in answer and number in bare(answer) and hearing.replace("-", "/") in bare(answer)
    assert "در بله" in answer, answer
    forged = await p.press("svc:my_status|remind=hearing|ref=OBJ-0000-999999")  # not theirs: nothing taken
    assert "یادآوری لازم نیست" in forged and len(await notify.ledger.notices()) == 1, forged


async def test_without_a_notices_queue_no_button_and_a_clear_answer(simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()
    engine = make_engine(simulator_url, otp_max_sends=100)  # the embedded default: no Redis, no queue
    try:
        p = await _overview(engine, "web-rem-1", Channel.WEB, FRACTIONAL)
        assert "svc:fractional_month" in p.buttons() and not any("remind" in b for b in p.buttons()), p.buttons()
        answer = await p.press(REMIND_FRACTIONAL)
        assert "در دسترس نیست" in answer, answer
    finally:
        await engine.deps.api.aclose()
