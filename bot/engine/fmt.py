"""Formatting for people: Persian digits, ریال amounts, Jalali dates, masked identifiers."""

from __future__ import annotations

import re

from basics.digits import to_persian

_JALALI = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def fa(value: object) -> str:
    """Any value with its ASCII digits turned Persian."""
    return to_persian(str(value))


def code(value: str) -> str:
    """An identifier as issued: Persian digits when it is all digits, else exactly as it is."""
    return fa(value) if value.replace("-", "").isdigit() else value


def number(value: int) -> str:
    """An integer with Persian digits and the Persian thousands separator (٬)."""
    return fa(f"{int(value):,}".replace(",", "٬"))


def rial(amount: int) -> str:
    """An amount in ریال: ۱۸۵٬۴۳۲٬۰۰۰ ریال."""
    return f"{number(amount)} ریال"


def jdate(value: str | None) -> str:
    """A Jalali ``YYYY-MM-DD`` (or ``YYYY-MM``) string as ۱۴۰۵/۰۸/۲۵."""
    if not value:
        return ""
    m = _JALALI.match(value)
    if m:
        y, mo, d = m.groups()
        return fa(f"{y}/{int(mo):02d}/{int(d):02d}")
    return fa(value.replace("-", "/"))


def mask_code(code: str | None) -> str:
    """A national code, workshop code or mobile with the middle hidden: ۰۰۱۶***۲۳۰."""
    if not code:
        return ""
    if len(code) <= 5:
        return "*" * len(code)
    return fa(code[:4] + "***" + code[-3:])


def mask_iban(iban: str | None) -> str:
    """An IBAN (Sheba) as people may see it: country and check digits, then the last four: IR۱۲…۳۴۵۶."""
    value = (iban or "").replace(" ", "").upper()
    if len(value) >= 10 and value[2:].isdigit():
        return fa(value[:4] + "…" + value[-4:])
    if "…" in value or "*" in value:  # masked already (the back-end's ``sheba_masked``)
        return fa(value)
    return "*" * len(value)


_MONEY_KEYS = ("amount", "wage", "min", "max", "premium", "total")


def humanize(fields: dict) -> dict:
    """Back-end details made fit to show: ریال amounts, Jalali dates, Persian digits."""
    out = {}
    for key, value in (fields or {}).items():
        if isinstance(value, bool):
            out[key] = value
        elif isinstance(value, int):
            out[key] = rial(value) if any(m in key for m in _MONEY_KEYS) else number(value)
        elif isinstance(value, str) and _JALALI.match(value):
            out[key] = jdate(value)
        elif isinstance(value, str):
            out[key] = code(value)
        else:
            out[key] = value
    return out
