"""Personal data hidden: national codes, mobiles, IBANs, session ids and API keys never reach a log."""

from __future__ import annotations

import re

from basics.digits import to_ascii

_PATTERNS = [
    (re.compile(r"IR\d{24}", re.I), lambda m: m.group(0)[:4] + "*" * 18 + m.group(0)[-4:]),
    (re.compile(r"(?<!\d)\d{24}(?!\d)"), lambda m: m.group(0)[:2] + "*" * 18 + m.group(0)[-4:]),  # an IBAN without IR
    (re.compile(r"(?<!\d)(?:\+98|0098|98|0)?9\d{9}(?!\d)"), lambda m: m.group(0)[:4] + "*****" + m.group(0)[-2:]),
    (re.compile(r"(?<!\d)\d{10}(?!\d)"), lambda m: m.group(0)[:2] + "******" + m.group(0)[-2:]),
    (re.compile(r"/v1/[^/\s]{20,}/"), lambda m: "/v1/***/"),  # a Kavenegar key in a URL path
    (re.compile(r"\bweb-[A-Za-z0-9_-]{6,}"), lambda m: "web-***"),  # a web chat's conversation id
]


def mask_text(text: str) -> str:
    """``text`` with every national code, mobile, IBAN, web id and API key hidden (digits read as ASCII)."""
    text = to_ascii(text)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def mask_value(value: str | None) -> str:
    """One known identifier (national code, workshop code, mobile) with its middle hidden, ASCII digits."""
    if not value:
        return "-"
    value = to_ascii(value)
    return value[:2] + "*" * max(len(value) - 4, 1) + value[-2:] if len(value) > 4 else "***"
