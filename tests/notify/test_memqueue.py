"""The embedded default's in-process queue behaves as the Redis Streams queue does for the pipeline: a
reminder waits in the delayed set until due, quiet hours hold SMS, a dead worker's entries are taken over;
the ledger is real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.channels.outbox import DevOutbox
from bot.notify import reminders
from bot.notify.config import NotifySettings
from bot.notify.ledger import Ledger
from bot.notify.runtime import Notify
from bot.notify.senders import OutboxSender
from bot.settings import Settings
from tests.notify.conftest import FakeClock, drain
from tests.notify.events import EMPLOYER_MOBILE, EMPLOYER_NC, debt

pytestmark = pytest.mark.parametrize("database", ["pg"], indirect=True)


def embedded(database, clock, **cfg) -> tuple[Notify, DevOutbox]:
    """Notices as the embedded default builds them: no Redis, SMS to the dev outbox."""
    outbox = DevOutbox()
    defaults = {"limits": False, "claim_idle_seconds": 0.3, "block_ms": 20, "quiet_start": "00:00",
                "quiet_end": "00:00"}
    notify = Notify(Settings(), None, Ledger(database.engine), {"sms": OutboxSender(outbox)},
                    cfg=NotifySettings(**{**defaults, **cfg}), clock=clock)
    return notify, outbox


async def test_a_reminder_waits_in_the_delayed_set_until_it_is_due(database):
    due = reminders.due_time("hearing", "1405-09-20")
    clock = FakeClock(due - 3600)
    notify, outbox = embedded(database, clock)
    taken = await reminders.schedule(notify, EMPLOYER_NC, EMPLOYER_MOBILE, "hearing", "1405-09-20", "OB-7")
    assert taken.notices == 1
    assert (await notify.queue().depth())["delayed"] == 1
    await drain(notify)
    assert not outbox.messages  # an hour early: nothing goes
    clock.now = due + 1
    await drain(notify)
    [sms] = list(outbox.messages)
    assert sms["to"] == EMPLOYER_MOBILE and "۱۴۰۵" in sms["text"]
    assert [r["state"] for r in await notify.ledger.notices()] == ["sent"]


async def test_quiet_hours_hold_an_sms_until_morning(database):
    night = dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=3, minutes=30))).timestamp()
    clock = FakeClock(night)
    notify, outbox = embedded(database, clock, quiet_start="22:00", quiet_end="07:00")
    await notify.intake.accept([debt("MQ-1")], "webhook")
    await drain(notify)
    assert not outbox.messages and (await notify.queue().depth())["delayed"] == 1
    clock.now = night + 8 * 3600
    await drain(notify)
    assert len(outbox.messages) == 1


async def test_entries_a_worker_read_and_never_acknowledged_are_taken_over(database):
    import asyncio

    notify, outbox = embedded(database, FakeClock(1_800_000_000.0))
    await notify.intake.accept([debt("MQ-2")], "webhook")
    dead = notify.queue("dead-worker")
    assert len(await dead.read(10, 0)) == 1  # read, then the worker "dies"
    await asyncio.sleep(0.35)
    await drain(notify)
    assert len(outbox.messages) == 1
    assert await notify.queue().depth() == {"urgent": 0, "bulk": 0, "delayed": 0, "dead": 0}
