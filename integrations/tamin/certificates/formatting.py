"""How a certificate writes its values: Persian digits, ٬ separators, Jalali dates, verification codes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime

from basics.digits import to_ascii, to_persian


class CertificateError(ValueError):
    """The certificate cannot be made from the given kind and data."""


def fa_digits(value: object) -> str:
    """Return ``value`` as text with every digit written in Persian."""
    return to_persian(str(value))


def fa_number(value: object) -> str:
    """Format a whole number with Persian digits and the Persian thousands separator ٬."""
    if isinstance(value, bool):
        raise CertificateError(f"not a number: {value!r}")
    if isinstance(value, str):
        cleaned = to_ascii(value).replace(",", "").replace("٬", "").strip()
        try:
            value = int(cleaned)
        except ValueError:
            raise CertificateError(f"not a number: {value!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise CertificateError(f"not a whole number: {value!r}")
    return fa_digits(f"{value:,}").replace(",", "٬")


def fa_date(value: object) -> str:
    """Turn a Jalali ``YYYY-MM-DD`` string into ``۱۴۰۵/۰۸/۲۵``."""
    text = to_ascii(str(value).strip()).replace("/", "-")
    try:
        year, month, day = (int(p) for p in text.split("-"))
        jdatetime.date(year, month, day)  # validates the Jalali calendar
    except (TypeError, ValueError):
        raise CertificateError(f"not a Jalali YYYY-MM-DD date: {value!r}") from None
    return fa_digits(f"{year:04d}/{month:02d}/{day:02d}")


def today_jalali() -> str:
    """Today in Tehran as a Jalali ``YYYY-MM-DD``."""
    try:
        now = datetime.now(ZoneInfo("Asia/Tehran"))
    except ZoneInfoNotFoundError:  # no time-zone database on this machine
        now = datetime.now()
    return jdatetime.date.fromgregorian(date=now.date()).strftime("%Y-%m-%d")


def display_code(code: str) -> str:
    """The verification code as printed: a numeric code in Persian digits, any other code as issued."""
    return fa_digits(code) if code.replace("-", "").replace(" ", "").isdigit() else code


def truthy(value: object) -> bool:
    """A yes/no fact given as a bool or as text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on", "بله"}
    return bool(value)


def present(data: Mapping[str, Any], key: str) -> bool:
    """Whether ``data[key]`` holds a value worth printing."""
    value = data.get(key)
    return value is not None and not (isinstance(value, str) and not value.strip())
