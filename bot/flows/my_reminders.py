"""Reminders offered from «وضعیت من»: the dated things of a person's overview, and taking one.

Three things may be reminded of, whichever the overview shows: the half-year due date of the
fractional-month contributions, the next voluntary-insurance premium, an objection's hearing.
Taking one goes through ``ctx.deps.reminders`` (the engine's interface; the notifications serve
it), after the date is read again from the back-end: a button's values are never trusted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jdatetime

from bot.engine.context import Ctx
from bot.engine.flow import Stop
from bot.engine.fmt import code, fa, jdate
from bot.nlu.dates import to_jalali
from integrations.tamin import overview
from integrations.tamin.overview import Overview

TEHRAN = ZoneInfo("Asia/Tehran")


@dataclass(frozen=True, slots=True)
class Item:
    """A dated thing of the person's a reminder may be asked for."""

    what: str  # fractional_due | voluntary_premium | hearing
    date: str  # Jalali YYYY-MM-DD
    ref: str = ""  # the objection's number, for a hearing


def today() -> str:
    """Today's Jalali date in Tehran."""
    return to_jalali(dt.datetime.now(TEHRAN).date().isoformat())


def _month_end(year: int, month: int) -> str:
    days = jdatetime.j_days_in_month[month - 1] if month < 12 else (30 if jdatetime.date(year, 1, 1).isleap() else 29)
    return f"{year:04d}-{month:02d}-{days:02d}"


def next_premium_due(starts_on: str, now: str) -> str:
    """The next voluntary premium's deadline.

    ASSUMPTION (poster 85 and the branches' practice): each month's premium is paid by the end of
    the following month, so the next deadline is the end of this month, or of the month after the
    contract's first month while that month is not over.
    """
    sy, sm, _ = (int(x) for x in starts_on.split("-"))
    ny, nm, _ = (int(x) for x in now.split("-"))
    if (sy, sm) >= (ny, nm):
        y, m = (sy + 1, 1) if sm == 12 else (sy, sm + 1)
        return _month_end(y, m)
    return _month_end(ny, nm)


def items(o: Overview, now: str) -> list[Item]:
    """What of this overview may be reminded of, dates from today on."""
    out: list[Item] = []
    f = o.fractional
    if f.ok and f.value.due_date and ((f.value.eligible and f.value.months) or f.value.reason == "already_contracted"):
        out.append(Item("fractional_due", f.value.due_date))
    v = o.voluntary
    if v.ok and v.value.contract is not None:
        out.append(Item("voluntary_premium", next_premium_due(v.value.contract.starts_on, now)))
    for w in o.workshops.value or []:
        for obj in (w.objections.value or []) if w.objections.ok else []:
            if obj.hearing is not None and obj.state != "decided":
                out.append(Item("hearing", obj.hearing.date, obj.number))
    return [i for i in out if i.date >= now]


def available(ctx: Ctx) -> bool:
    """Whether this installation can take reminders (a notices queue is there)."""
    return bool(getattr(ctx.deps.reminders, "available", False))


def _at(ctx: Ctx, at: float) -> str:
    """When the reminder goes out, in words: «همین حالا» or «۱۴۰۵/۱۲/۲۲ ساعت ۹»."""
    local = dt.datetime.fromtimestamp(at, TEHRAN)
    if at <= dt.datetime.now(TEHRAN).timestamp() + 60:
        return ctx.text("my_status.remind.now")
    return ctx.text("my_status.remind.at", date=jdate(to_jalali(local.date().isoformat())),
                    hour=fa(f"{local.hour}:{local.minute:02d}"))


async def take(ctx: Ctx) -> None:
    """The reminder the person pressed: its date read again, then scheduled on their door."""
    from bot.flows.my_status import iso

    what, ref = str(ctx.slots.get("remind", "")), str(ctx.slots.get("ref", ""))
    if not available(ctx):
        raise Stop("my_status.remind.unavailable")
    o = await overview.gather(ctx.api, ctx.national_code)
    item = next((i for i in items(o, today()) if i.what == what and i.ref == ref), None)
    if item is None:
        raise Stop("my_status.remind.failed" if o.failures() else "my_status.remind.gone")
    taken = await ctx.deps.reminders.remind(ctx.national_code, ctx.mobile, item.what, item.date, item.ref)
    ctx.say("my_status.remind.taken" if taken.fresh else "my_status.remind.again",
            thing=ctx.text(f"my_status.remind.thing.{item.what}", ref=iso(code(item.ref))),
            date=iso(jdate(item.date)), at=iso(_at(ctx, taken.at)),
            door=ctx.text(f"my_status.remind.door.{taken.door}"))
