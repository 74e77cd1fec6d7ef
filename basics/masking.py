"""Personal data hidden: national codes, mobiles, IBANs, session ids and API keys never reach a log."""

from __future__ import annotations

import logging
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


class SecretFilter(logging.Filter):
    """Hides registered secrets (bot tokens, API keys) in log lines, e.g. httpx's request URLs."""

    secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            if any(s in text for s in self.secrets):
                for s in self.secrets:
                    text = text.replace(s, "***")
                record.msg, record.args = text, None
        return True


_FILTER = SecretFilter()


def hide_secret(secret: str, loggers: tuple[str, ...] = ("httpx", "httpcore")) -> None:
    """Never let ``secret`` reach a line of ``loggers`` (the HTTP clients log request URLs at INFO)."""
    if secret:
        SecretFilter.secrets.add(secret)
    for name in loggers:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
