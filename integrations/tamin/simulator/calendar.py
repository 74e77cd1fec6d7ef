"""Jalali date helpers of the simulator: parse, format, ages, half-years, working days."""

from __future__ import annotations

import jdatetime

Date = jdatetime.date


def parse(text: str) -> Date:
    """A Jalali YYYY-MM-DD string as a date (ValueError when it is not a real date)."""
    year, month, day = (int(p) for p in text.split("-"))
    return jdatetime.date(year, month, day)


def fmt(day: Date) -> str:
    """A date as Jalali YYYY-MM-DD."""
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def age(birth: Date, today: Date) -> int:
    """Full years between a birth date and today."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def add_months(day: Date, months: int) -> Date:
    """The same day some months later or earlier (clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return jdatetime.date(year, month, min(day.day, month_length(year, month)))


def month_length(year: int, month: int) -> int:
    """Days in a Jalali month."""
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def half_year_end(today: Date) -> Date:
    """The last day of the half-year today falls in (1 Farvardin–31 Shahrivar, 1 Mehr–end of Esfand)."""
    if today.month <= 6:
        return jdatetime.date(today.year, 6, 31)
    return jdatetime.date(today.year, 12, month_length(today.year, 12))


def first_of_next_month(today: Date) -> Date:
    """The first day of the month after today's."""
    return add_months(jdatetime.date(today.year, today.month, 1), 1)


def next_working_day(day: Date) -> Date:
    """The day itself or the next one that is not a Thursday or Friday (government offices)."""
    while day.weekday() in (5, 6):  # jdatetime: Saturday=0 ... Thursday=5, Friday=6
        day += jdatetime.timedelta(days=1)
    return day


def days_between(start: Date, end: Date) -> int:
    """Days from start to end, both included."""
    return (end.togregorian() - start.togregorian()).days + 1
