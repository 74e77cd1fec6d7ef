"""Jalali and Gregorian dates in numeric or written form, validated with jdatetime."""

from __future__ import annotations

import datetime as dt
import re

import jdatetime

Span = tuple[int, int, str]

JALALI_MONTHS: dict[str, int] = {
    "فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "امرداد": 5, "شهریور": 6,
    "مهر": 7, "آبان": 8, "ابان": 8, "آذر": 9, "اذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12,
    "farvardin": 1, "ordibehesht": 2, "ordibehest": 2, "khordad": 3, "xordad": 3, "tir": 4,
    "mordad": 5, "amordad": 5, "shahrivar": 6, "shahrivar_": 6, "mehr": 7, "aban": 8, "aabaan": 8,
    "azar": 9, "aazar": 9, "dey": 10, "day": 10, "bahman": 11, "esfand": 12, "esfund": 12,
}
GREGORIAN_MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12, "ژانویه": 1, "فوریه": 2, "مارس": 3, "آوریل": 4, "اوریل": 4, "مه": 5, "می": 5,
    "ژوئن": 6, "ژوئیه": 7, "جولای": 7, "اوت": 8, "آگوست": 8, "اگوست": 8, "سپتامبر": 9,
    "اکتبر": 10, "نوامبر": 11, "دسامبر": 12,
}
_NUMERIC = re.compile(r"(?<![\d/\-.])(\d{1,4})\s?([/\-.])\s?(\d{1,2})\s?\2\s?(\d{1,4})(?![\d]|[/\-.]\d)")
_JM = "|".join(sorted(JALALI_MONTHS, key=len, reverse=True))
_GM = "|".join(sorted(GREGORIAN_MONTHS, key=len, reverse=True))
_WRITTEN_J = re.compile(rf"(?<!\d)(\d{{1,2}})(?:\s?(?:ام|م|om|e|ه))?\s?(?:ماه\s)?({_JM})(?:\s?(?:ماه|mah))?(?:\s?(?:سال\s)?(\d{{2,4}}))?(?![\w])")
_WRITTEN_G = re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s?({_GM})(?:,?\s?(\d{{4}}))?(?![\w])|(?<![\w])({_GM})\s(\d{{1,2}})(?:st|nd|rd|th)?,?\s(\d{{4}})(?!\d)")
_ORDINAL_UNITS = {"یکم": 1, "اول": 1, "دوم": 2, "سوم": 3, "چهارم": 4, "پنجم": 5, "ششم": 6, "هفتم": 7, "هشتم": 8,
                  "نهم": 9}
ORDINAL_DAYS: dict[str, int] = {
    **_ORDINAL_UNITS, "دهم": 10, "یازدهم": 11, "دوازدهم": 12, "سیزدهم": 13, "چهاردهم": 14, "پانزدهم": 15,
    "پونزدهم": 15, "شانزدهم": 16, "شونزدهم": 16, "هفدهم": 17, "هیفدهم": 17, "هجدهم": 18, "هیجدهم": 18,
    "نوزدهم": 19, "بیستم": 20, "سی ام": 30, "سی‌ام": 30, "سیام": 30,
    **{f"بیست و {w}": 20 + n for w, n in _ORDINAL_UNITS.items() if w != "اول"},
    **{f"سی و {w}": 30 + n for w, n in _ORDINAL_UNITS.items() if w in ("یکم",)},
}
_OD = "|".join(sorted((re.escape(k) for k in ORDINAL_DAYS), key=len, reverse=True))
_ORDINAL_J = re.compile(rf"(?<![\w])({_OD})\s(?:ماه\s)?({_JM})(?:\s?(?:ماه))?(?:\s?(?:سال\s)?(\d{{2,4}}))?(?![\w])")
_RELATIVE = {"امروز": 0, "today": 0, "emruz": 0, "emrooz": 0, "دیروز": -1, "yesterday": -1,
             "diruz": -1, "فردا": 1, "tomorrow": 1, "farda": 1}
_REL = re.compile(r"(?<![\w])(" + "|".join(_RELATIVE) + r")(?![\w])")


def _jalali_year(y: int) -> int:
    """Expand a 2-digit Jalali year (03 → 1403, 98 → 1398)."""
    if y >= 100:
        return y
    this = jdatetime.date.today().year % 100
    return 1400 + y if y <= this + 1 else 1300 + y


def jalali_iso(y: int, m: int, d: int) -> str | None:
    """Validated Jalali YYYY-MM-DD, or None when impossible."""
    try:
        return jdatetime.date(y, m, d).strftime("%Y-%m-%d")
    except (ValueError, OverflowError):
        return None


def gregorian_iso(y: int, m: int, d: int) -> str | None:
    """Validated Gregorian YYYY-MM-DD, or None when impossible."""
    try:
        return dt.date(y, m, d).isoformat()
    except (ValueError, OverflowError):
        return None


def _numeric(a: int, b: int, c: int, sa: str, sc: str) -> tuple[str, int, int, int] | None:
    """Decide calendar and field order of a numeric date a/b/c."""
    if len(sa) == 4 or (len(sa) == 2 and len(sc) <= 2):
        y, m, d = a, b, c
    elif len(sc) == 4:
        y, m, d = c, b, a
    else:
        return None
    if 1900 <= y <= 2200:
        return "gregorian", y, m, d
    if y < 100:
        y = _jalali_year(y)
    if 1200 <= y <= 1600:
        return "jalali", y, m, d
    return None


def find_dates(norm: str) -> list[tuple[int, int, str, str]]:
    """Dates in normalized text as (start, end, calendar, iso)."""
    out: list[tuple[int, int, str, str]] = []
    for m in _NUMERIC.finditer(norm):
        r = _numeric(int(m.group(1)), int(m.group(3)), int(m.group(4)), m.group(1), m.group(4))
        if r:
            cal, y, mo, d = r
            iso = jalali_iso(y, mo, d) if cal == "jalali" else gregorian_iso(y, mo, d)
            if iso:
                out.append((m.start(), m.end(), cal, iso))
    for m in _WRITTEN_J.finditer(norm):
        y = _jalali_year(int(m.group(3))) if m.group(3) else jdatetime.date.today().year
        iso = jalali_iso(y, JALALI_MONTHS[m.group(2)], int(m.group(1)))
        if iso:
            out.append((m.start(), m.end(), "jalali", iso))
    for m in _ORDINAL_J.finditer(norm):  # «بیستم آبان ۱۴۰۵»
        y = _jalali_year(int(m.group(3))) if m.group(3) else jdatetime.date.today().year
        iso = jalali_iso(y, JALALI_MONTHS[m.group(2)], ORDINAL_DAYS[m.group(1)])
        if iso:
            out.append((m.start(), m.end(), "jalali", iso))
    for m in _WRITTEN_G.finditer(norm):
        if m.group(1):
            d, mon, y = int(m.group(1)), m.group(2), m.group(3)
        else:
            mon, d, y = m.group(4), int(m.group(5)), m.group(6)
        if not y:
            continue
        iso = gregorian_iso(int(y), GREGORIAN_MONTHS[mon], d)
        if iso:
            out.append((m.start(), m.end(), "gregorian", iso))
    for m in _REL.finditer(norm):
        day = jdatetime.date.today() + jdatetime.timedelta(days=_RELATIVE[m.group(1)])
        out.append((m.start(), m.end(), "jalali", day.strftime("%Y-%m-%d")))
    out.sort()
    kept: list[tuple[int, int, str, str]] = []
    for item in out:
        if not kept or item[0] >= kept[-1][1]:
            kept.append(item)
    return kept


def to_gregorian(jalali: str) -> str:
    """Jalali YYYY-MM-DD → Gregorian YYYY-MM-DD."""
    y, m, d = (int(x) for x in jalali.split("-"))
    return jdatetime.date(y, m, d).togregorian().isoformat()


def to_jalali(gregorian: str) -> str:
    """Gregorian YYYY-MM-DD → Jalali YYYY-MM-DD."""
    return jdatetime.date.fromgregorian(date=dt.date.fromisoformat(gregorian)).strftime("%Y-%m-%d")
