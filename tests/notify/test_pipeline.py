"""The queue end to end on real Redis, a real database and the fake Bot API / Kavenegar over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from bot.engine.messages import Channel, Inbound
from bot.notify.hooks import NotifyHooks
from bot.notify.reports import StatusPoller
from tests.notify.conftest import TOKEN, FakeClock, drain
from tests.notify.events import (
    CONTRACTOR_MOBILE,
    CONTRACTOR_NC,
    EMPLOYER_MOBILE,
    article38,
    debt,
)

TEHRAN = ZoneInfo("Asia/Tehran")


def sms_sends(kavenegar) -> list[dict]:
    return kavenegar.messages()


def bot_sends(bot_api) -> list[dict]:
    return [c for c in bot_api.calls_of("sendMessage") if c["status"] == 200]


async def test_a_duplicate_event_gives_one_notice(make_notify, kavenegar):
    notify = make_notify()
    await notify.prepare()
    first = await notify.intake.accept([article38()], "webhook")
    again, seen = await notify.intake.accept_new([article38()], "webhook")
    polled = await notify.intake.accept([article38()], "poll")  # the poller reads it too
    assert (first.notices, again.notices, seen, polled.notices) == (1, 0, ["E38-1"], 0)
    await drain(notify)
    assert len(sms_sends(kavenegar)) == 1
    assert [r["state"] for r in await notify.ledger.notices()] == ["sent"]


async def test_a_linked_messenger_account_gets_the_notice_with_its_button(make_notify, bot_api, kavenegar):
    notify = make_notify()
    await notify.prepare()
    hooks = NotifyHooks(notify.ledger)
    await hooks.identified(Inbound(Channel.TELEGRAM, "777001"), CONTRACTOR_NC, CONTRACTOR_MOBILE)
    await notify.intake.accept([article38()], "webhook")
    await drain(notify)
    [call] = bot_sends(bot_api)
    assert call["token"] == TOKEN and str(call["params"]["chat_id"]) == "777001"
    markup = call["params"]["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert markup["inline_keyboard"][0][0]["callback_data"] == "svc:article38|contract=1404-3817"
    assert sms_sends(kavenegar) == []


async def test_an_opted_out_person_gets_none(make_notify, bot_api, kavenegar):
    notify = make_notify()
    await notify.prepare()
    hooks = NotifyHooks(notify.ledger)
    assert await hooks.opt_out(Inbound(Channel.SMS, EMPLOYER_MOBILE, text="لغو")) == "notify.optout.done"
    await notify.ledger.opt_out(f"nc:{CONTRACTOR_NC}", "settings")
    await notify.intake.accept([debt(), article38()], "webhook")
    await drain(notify)
    assert sms_sends(kavenegar) == [] and bot_sends(bot_api) == []
    assert sorted(r["state"] for r in await notify.ledger.notices()) == ["opted_out", "opted_out"]


async def test_an_sms_in_quiet_hours_waits_until_seven_messenger_does_not(make_notify, bot_api, kavenegar):
    night = dt.datetime(2026, 11, 25, 23, 30, tzinfo=TEHRAN).timestamp()
    clock = FakeClock(night)
    notify = make_notify(clock=clock, quiet_start="22:00", quiet_end="07:00")
    await notify.prepare()
    await NotifyHooks(notify.ledger).identified(Inbound(Channel.TELEGRAM, "777002"), CONTRACTOR_NC, "")
    await notify.intake.accept([article38(), debt()], "webhook")
    await drain(notify)
    assert len(bot_sends(bot_api)) == 1 and sms_sends(kavenegar) == []
    [waiting] = await notify.ledger.notices(channel="sms")
    assert waiting["state"] == "queued"
    assert dt.datetime.fromtimestamp(waiting["due_at"], TEHRAN) == dt.datetime(2026, 11, 26, 7, 0, tzinfo=TEHRAN)

    clock.now = dt.datetime(2026, 11, 26, 6, 59, tzinfo=TEHRAN).timestamp()
    await drain(notify)
    assert sms_sends(kavenegar) == []
    clock.now = dt.datetime(2026, 11, 26, 7, 0, 1, tzinfo=TEHRAN).timestamp()
    await drain(notify)
    assert [c["params"]["receptor"] for c in sms_sends(kavenegar)] == [EMPLOYER_MOBILE]


async def test_a_dead_consumers_notices_are_claimed_and_sent_once(make_notify, kavenegar):
    notify = make_notify(claim_idle_seconds=0.3, lease_seconds=0.5)
    await notify.prepare()
    await notify.intake.accept([debt(f"K{i}", mobile=f"0912100{i:04d}") for i in range(6)], "webhook")
    dead = notify.queue("dead-worker")
    taken = await dead.read(10, 10)  # read, then "crash": never handled, never acknowledged
    assert len(taken) == 6
    await notify.ledger.take([taken[0].notice.id], 0.5, notify.clock())  # it even held one lease
    await asyncio.sleep(0.6)
    await drain(notify, consumer="survivor")
    assert sorted(c["params"]["receptor"] for c in sms_sends(kavenegar)) == [f"0912100{i:04d}" for i in range(6)]
    assert {r["state"] for r in await notify.ledger.notices()} == {"sent"}


async def test_an_sms_sent_just_before_a_crash_is_not_sent_again(make_notify, kavenegar):
    notify = make_notify(claim_idle_seconds=0.3, lease_seconds=0.5)
    await notify.prepare()
    await notify.intake.accept([debt("C1")], "webhook")
    dead = notify.queue("dead-worker")
    [entry] = await dead.read(1, 10)
    n = entry.notice
    assert await notify.ledger.take([n.id], 0.5, notify.clock()) == {n.id}
    from bot.notify.render import render

    await notify.senders["sms"].send(n, render(n, offer=False))  # sent, then killed before the ledger knew
    await asyncio.sleep(0.6)
    await drain(notify, consumer="survivor")
    assert len(sms_sends(kavenegar)) == 1
    [row] = await notify.ledger.notices()
    assert row["state"] == "sent" and row["provider_id"] == str(kavenegar.by_localid[str(n.id)])


async def test_urgent_notices_go_before_bulk_ones(make_notify, kavenegar):
    notify = make_notify(batch=1)
    await notify.prepare()
    await notify.intake.accept([article38("B1"), article38("B2", mobile="09121110002")], "campaign")
    await notify.intake.accept([debt("U1", deadline="1405-09-30")], "webhook")
    await drain(notify)
    assert sms_sends(kavenegar)[0]["params"]["receptor"] == EMPLOYER_MOBILE


async def test_failures_are_retried_with_backoff_then_dead_lettered(make_notify, kavenegar, bot_api):
    notify = make_notify(max_attempts=2, backoff_seconds=0.05)
    await notify.prepare()
    kavenegar.fail("sms/sendarray", 409, 409, 409, 409)  # busy: each attempt tries twice
    await notify.intake.accept([debt("R1")], "webhook")
    for _ in range(10):
        await drain(notify)
        await asyncio.sleep(0.1)
    [row] = await notify.ledger.notices()
    assert row["state"] == "failed" and row["attempts"] == 2
    assert await notify.redis.llen(notify.queue().dead_key) == 1

    bot_api.throttle(1, retry_after=0)  # one 429, then the retry goes through
    await NotifyHooks(notify.ledger).identified(Inbound(Channel.TELEGRAM, "777003"), CONTRACTOR_NC, "")
    await notify.intake.accept([article38("R2")], "webhook")
    for _ in range(10):
        await drain(notify)
        await asyncio.sleep(0.1)
    sent = await notify.ledger.notices(event_id="R2")
    assert sent[0]["state"] == "sent" and sent[0]["attempts"] == 2


async def test_an_unreachable_messenger_account_falls_back_to_sms(make_notify, bot_api, kavenegar):
    notify = make_notify()
    await notify.prepare()
    await NotifyHooks(notify.ledger).identified(Inbound(Channel.TELEGRAM, "bad-chat"), CONTRACTOR_NC, "")
    orig = bot_api.handle
    bot_api.handle = lambda path, p: (403, {"ok": False, "error_code": 403,
                                           "description": "Forbidden: bot was blocked by the user"})
    try:
        await notify.intake.accept([article38()], "webhook")
        await drain(notify)
        await drain(notify)
    finally:
        bot_api.handle = orig
    states = {r["channel"]: r["state"] for r in await notify.ledger.notices()}
    assert states == {"telegram": "failed", "sms": "sent"}
    assert [c["params"]["receptor"] for c in sms_sends(kavenegar)] == [CONTRACTOR_MOBILE]


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_the_ledger_matches_what_the_servers_received(make_notify, bot_api, kavenegar):
    notify = make_notify()
    await notify.prepare()
    hooks = NotifyHooks(notify.ledger)
    events = []
    for i in range(30):
        nc = f"{1000000000 + i}"
        if i % 3 == 0:
            await hooks.identified(Inbound(Channel.TELEGRAM, f"9{i:05d}"), nc, "")
        events.append(debt(f"M{i}", nc=nc, mobile=f"0913000{i:04d}", deadline="1405-10-01" if i % 5 == 0 else None))
    bot_api.throttle(2, retry_after=0)
    kavenegar.fail("sms/sendarray", 409, 409)
    await notify.intake.accept(events, "webhook")
    for _ in range(10):
        await drain(notify)
        if {r["state"] for r in await notify.ledger.notices()} == {"sent"}:
            break
        await asyncio.sleep(0.1)
    rows = await notify.ledger.notices()
    assert len(rows) == 30 and {r["state"] for r in rows} == {"sent"}
    sms_rows = {str(r["id"]): r["provider_id"] for r in rows if r["channel"] == "sms"}
    assert sms_rows == {k: str(v) for k, v in kavenegar.by_localid.items()}
    assert sorted(c["params"]["receptor"] for c in sms_sends(kavenegar)) == sorted(
        r["address"] for r in rows if r["channel"] == "sms")
    assert sorted(str(c["params"]["chat_id"]) for c in bot_sends(bot_api)) == sorted(
        r["address"] for r in rows if r["channel"] == "telegram")

    assert await StatusPoller(notify.ledger, notify.senders["sms"].client).poll_once() == 20
    states = {r["channel"]: r["state"] for r in await notify.ledger.notices()}
    assert states == {"sms": "delivered", "telegram": "sent"}
