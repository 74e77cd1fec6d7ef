"""JSON logs with personal data masked: national codes, mobiles, IBANs and session ids never reach a log."""

from __future__ import annotations

import json
import logging
import sys
import time

from basics.masking import mask_text

# uvicorn's loggers: with ``log_config=None`` they propagate to the root handler below
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


def mask(text: str) -> str:
    """``text`` with every national code, mobile, IBAN, web session id and API key hidden; never a lone surrogate."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return mask_text(text)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, masked (tracebacks too, which carry no frame locals)."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the line
            message = str(record.msg)
        out = {
            "t": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask(message),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            out["request_id"] = rid
        if record.exc_info:
            out["exc"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exc"] = mask(record.exc_text)
        if record.stack_info:
            out["stack"] = mask(record.stack_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: int = logging.INFO) -> None:
    """JSON logs on stderr for the whole process, uvicorn's own loggers included."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
