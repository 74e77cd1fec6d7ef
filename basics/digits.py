"""Digits: Persian (۰-۹) and Arabic-Indic (٠-٩) to ASCII, and ASCII to Persian."""

from __future__ import annotations

PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(PERSIAN + ARABIC, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789" + ARABIC, PERSIAN * 2)


def to_ascii(text: str) -> str:
    """``text`` with every Persian or Arabic-Indic digit written as an ASCII one."""
    return text.translate(_TO_ASCII)


def to_persian(text: str) -> str:
    """``text`` with every ASCII or Arabic-Indic digit written as a Persian one."""
    return text.translate(_TO_PERSIAN)


def only_ascii_digits(text: str) -> str:
    """The ASCII digits of ``text`` (after Persian/Arabic digits are read as ASCII), nothing else."""
    return "".join(ch for ch in to_ascii(text) if "0" <= ch <= "9")
