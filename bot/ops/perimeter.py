"""The HTTP perimeter: body limits before reading, security headers, operator and simulator gates.

Pure ASGI (no body copying, no per-request task). It sits outside every route, so a 50 MiB upload is
refused after at most one limit's worth of bytes, whether it came with ``Content-Length`` or chunked.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.engine.catalog import t

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

OPS_PATHS = ("/metrics", "/openapi.json", "/docs", "/redoc")
# what a citizen's browser opens under the in-process simulator: documents, payment pages, checks
SIM_PUBLIC = re.compile(r"^/sim/(?:v1/certificates/[^/]+\.pdf|pay/[^/]+|verify/[^/]+)$")
SIM_HEALTH = "/sim/healthz"
DEFAULT_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
FALLBACK_CSP = b"frame-ancestors 'none'; object-src 'none'; base-uri 'none'"


class _TooLarge(Exception):
    """The body grew past its route's limit while it was being read."""


def is_loopback(scope: Scope) -> bool:
    """The client (as uvicorn's trusted proxy headers left it) is this machine."""
    client = scope.get("client")
    host = client[0] if client else ""
    return host == "::1" or host.startswith("127.") or host == "localhost"


def header(scope: Scope, name: bytes) -> str | None:
    """One request header as text, or ``None``."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def persian_error(status: int, key: str, error: str) -> tuple[int, bytes]:
    """A JSON answer in the web chat's shape, with the Persian sentence from the catalog."""
    body = {"error": error, "messages": [{"text": t(key), "choices": []}]}
    return status, json.dumps(body, ensure_ascii=False).encode()


async def answer(send: Send, status: int, body: bytes) -> None:
    """Send a whole JSON response (the connection stays open: the server discards the rest of the body, and the
    client reads the answer instead of a reset)."""
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               *DEFAULT_HEADERS, (b"content-security-policy", FALLBACK_CSP)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Perimeter:
    """Body limits per route, default security headers, and the gates for operator and simulator paths."""

    def __init__(self, app: Callable, settings: Any) -> None:
        self.app = app
        self.settings = settings

    def limit(self, path: str) -> int:
        """The largest body ``path`` accepts."""
        if path == "/api/chat":
            return self.settings.body_limit_chat
        return self.settings.body_limit_default

    def ops_allowed(self, scope: Scope) -> bool:
        """``/metrics`` and ``/openapi.json``: the operator's bearer token, or loopback in the embedded default."""
        token = self.settings.ops_token
        if token:
            given = header(scope, b"authorization") or ""
            return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
        return self.settings.dev_parts and is_loopback(scope)

    def sim_allowed(self, path: str, scope: Scope) -> bool:
        """The simulator's documents and payment pages for anyone; its API, faults and health only from this
        machine, and only where development parts may run."""
        if SIM_PUBLIC.match(path):
            return True
        if path == SIM_HEALTH and self.settings.dev_parts:
            return True
        return self.settings.dev_parts and is_loopback(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in OPS_PATHS and not self.ops_allowed(scope):
            await answer(send, *persian_error(404, "web.not_found", "not_found"))
            return
        if path.startswith("/sim/") and not self.sim_allowed(path, scope):
            await answer(send, *persian_error(403, "web.forbidden", "forbidden"))
            return
        limit = self.limit(path)
        length = header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await answer(send, *persian_error(400, "web.bad_request", "bad_length"))
                return
            if int(length) > limit:
                await answer(send, *persian_error(413, "web.too_large", "too_large"))
                return
        await self._guarded(scope, receive, send, limit)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        state = {"read": 0, "started": False, "refused": False}

        async def counted() -> Message:
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["refused"] = True
                    if not state["started"]:
                        state["started"] = True
                        await answer(send, *persian_error(413, "web.too_large", "too_large"))
                    raise _TooLarge
            return message

        async def headed(message: Message) -> None:
            if state["refused"]:
                return  # the 413 went out already: whatever the app says next is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
                present = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in DEFAULT_HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", FALLBACK_CSP))
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        try:
            await self.app(scope, counted, headed)
        except Exception:
            if state["refused"]:
                return  # the app gave up on the body we cut off; the client has its 413
            raise


class WindowLimiter:
    """At most ``limit`` hits per key per ``window`` seconds, in memory, with a bounded number of keys."""

    def __init__(self, limit: int, window: float = 60.0, keys: int = 50_000) -> None:
        self.limit, self.window, self.keys = limit, window, keys
        self.hits: OrderedDict[str, list[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Count one hit for ``key``; whether it is within the limit."""
        now = time.monotonic()
        recent = [x for x in self.hits.pop(key, []) if now - x < self.window]
        allowed = len(recent) < self.limit
        if allowed:
            recent.append(now)
        self.hits[key] = recent
        while len(self.hits) > self.keys:
            self.hits.popitem(last=False)
        return allowed
