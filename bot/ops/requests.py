"""A request id for every HTTP request, carried into every log line written while serving it."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from fastapi import FastAPI, Request

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SAFE = re.compile(r"^[\w.-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on each log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def install_request_ids(app: FastAPI) -> None:
    """Take ``X-Request-ID`` when it is sane, else make one; echo it in the response."""
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        for handler in root.handlers:
            handler.addFilter(RequestIdFilter())

    @app.middleware("http")
    async def with_request_id(request: Request, call_next):
        given = request.headers.get("x-request-id", "")
        rid = given if _SAFE.match(given) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        try:
            response = await call_next(request)
        finally:
            request_id.reset(token)
        response.headers["X-Request-ID"] = rid
        return response
