"""Reminders a person asked for: a dated thing of theirs, a notice a set time before it, through the pipeline.

A reminder is one notice of kind ``reminder_due``, planned like any event's (the person's linked
messenger, else SMS to their mobile), recorded in the ledger, and put aside on the queue's delayed
set until it is due; the dispatch worker then applies opt-outs and quiet hours as for every notice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.catalog import t
from bot.engine.dialogue import service_choice_id
from bot.engine.fmt import code, jdate
from bot.engine.reminders import Taken
from bot.notify import render
from bot.notify.model import MESSENGERS, BackendEvent

KIND = "reminder_due"
TEHRAN = ZoneInfo("Asia/Tehran")
# what may be reminded of: days before the date, the service its button opens
WHAT: dict[str, tuple[int, str]] = {
    "fractional_due": (7, "fractional_month"),  # the half-year due date of fractional-month contributions
    "voluntary_premium": (5, "voluntary_insurance"),  # a voluntary-insurance premium
    "hearing": (1, "objection"),  # a hearing of an objection
}
REMIND_AT_HOUR = 9  # in Tehran, on the day it is due


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A reminder taken: its ledger rows and when it goes out."""

    notices: int
    due: float
    door: str = ""  # the channel it goes through (telegram, bale, sms); empty when nobody can be reached


def due_time(what: str, jalali_date: str) -> float:
    """When a reminder of ``what`` for a Jalali ``YYYY-MM-DD`` goes out: its lead days before, at 09:00 Tehran."""
    from bot.nlu.dates import to_gregorian

    lead, _ = WHAT[what]
    day = dt.date.fromisoformat(to_gregorian(jalali_date)) - dt.timedelta(days=lead)
    return dt.datetime(day.year, day.month, day.day, REMIND_AT_HOUR, tzinfo=TEHRAN).timestamp()


def event_of(national_code: str, mobile: str, what: str, jalali_date: str, ref: str = "") -> BackendEvent:
    """The reminder as an event: one per person, thing and date (asking twice makes one reminder)."""
    if what not in WHAT:
        raise ValueError(f"no reminder of {what!r}")
    digest = hashlib.sha256(f"{national_code}|{what}|{jalali_date}|{ref}".encode()).hexdigest()[:16]
    return BackendEvent(f"reminder-{digest}", KIND, {"national_code": national_code, "mobile": mobile,
                                                     "what": what, "date": jalali_date, "ref": ref})


async def schedule(notify: Any, national_code: str, mobile: str, what: str, jalali_date: str, ref: str = "",
                   now: float | None = None) -> Scheduled:
    """Take a reminder: ledger rows now, on the queue when due (at once when that time has passed)."""
    from bot.notify.plan import plan

    now = notify.clock() if now is None else now
    event = event_of(national_code, mobile, what, jalali_date, ref)
    due = max(due_time(what, jalali_date), now)
    doors = getattr(notify, "reachable", None) or MESSENGERS  # the web chat too in the embedded default
    planned = await plan(notify.ledger, [event], reachable=doors)
    fresh = await notify.ledger.add(planned, now)
    if fresh:
        queue = notify.queue("reminders")
        if due <= now:
            await queue.put(fresh)
        else:
            await queue.delay(fresh, due)
            await notify.ledger.deferred([n.id for n in fresh], due, now)
        await notify.ledger.enqueued([n.id for n in fresh], now)
    return Scheduled(len(fresh), due, planned[0].channel if planned else "")


class NotifyReminders:
    """The engine's ``Reminders`` served by this process's notifications (``bot.engine.reminders``)."""

    available = True

    def __init__(self, notify: Any) -> None:
        self.notify = notify

    async def remind(self, national_code: str, mobile: str, what: str, date: str, ref: str = "") -> Taken:
        """Schedule it through the notices pipeline; when and where it goes out."""
        s = await schedule(self.notify, national_code, mobile, what, date, ref)
        return Taken(s.due, s.door or "sms", s.notices > 0)


def _reminder(f: dict[str, Any], v: str | None) -> tuple[str, list[tuple[str, str]]]:
    what = str(f.get("what", ""))
    text = t(f"reminders.{what}", v, date=jdate(str(f.get("date", ""))), ref=code(str(f.get("ref", ""))))
    flow = WHAT.get(what, (0, "my_status"))[1]
    return text, [(service_choice_id(flow), f"reminders.button.{what}")]


render.KINDS.setdefault(KIND, _reminder)  # a reminder renders like any other notice kind
