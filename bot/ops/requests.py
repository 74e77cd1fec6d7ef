"""A request id for every HTTP request, carried into every log line written while serving it."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from fastapi import FastAPI

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SAFE = re.compile(r"^[\w.-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on each log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    """Plain ASGI (no per-request task or body copying): take a sane ``X-Request-ID`` or make one."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        rid = given if _SAFE.match(given) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


def install_request_ids(app: FastAPI) -> None:
    """Every request gets an id, echoed in the response and written on each log line."""
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        for handler in root.handlers:
            handler.addFilter(RequestIdFilter())
    app.add_middleware(RequestIdMiddleware)
