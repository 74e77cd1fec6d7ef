"""JSON logs with personal data masked: national codes, mobiles and IBANs never reach a log."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

_PATTERNS = [
    (re.compile(r"IR\d{24}", re.I), lambda m: m.group(0)[:4] + "*" * 18 + m.group(0)[-4:]),
    (re.compile(r"(?<!\d)(?:\+98|0098|0)?9\d{9}(?!\d)"), lambda m: m.group(0)[:4] + "*****" + m.group(0)[-2:]),
    (re.compile(r"(?<!\d)\d{10}(?!\d)"), lambda m: m.group(0)[:2] + "******" + m.group(0)[-2:]),
    (re.compile(r"/v1/[^/\s]{20,}/"), lambda m: "/v1/***/"),  # a Kavenegar key in a URL path
]
_FA_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def mask(text: str) -> str:
    """``text`` with every national code, mobile, IBAN and API key hidden."""
    text = text.translate(_FA_DIGITS)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object a line, masked."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "t": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask(record.getMessage()),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            out["request_id"] = rid
        if record.exc_info:
            out["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


class _DevCode(logging.Filter):
    """The dev outbox's one-time codes stay readable: it exists only without a gateway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return True


def setup_logging(level: int = logging.INFO) -> None:
    """JSON logs on stderr for the whole process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
