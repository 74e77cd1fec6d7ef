"""Guards of the simulator's oracles: `/_sim/*` for loopback (or a token), identity checks rate-limited."""

from __future__ import annotations

import os
import secrets
import time
from collections import deque
from ipaddress import ip_address

from starlette.requests import Request

from integrations.tamin.simulator.errors import SimError

TOKEN_HEADER = "X-Sim-Token"
DEFAULT_CHECKS_PER_MINUTE = 120  # generous: the tests verify the same personas many times


def is_loopback(host: str | None) -> bool:
    """Whether a client address (as uvicorn reports it, after a trusted X-Forwarded-For) is this machine."""
    if not host:
        return False
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def local_path(request: Request) -> str:
    """The path inside this app, also when it is mounted (at the bot's /sim, the scope keeps the full path)."""
    path, root = request.scope.get("path", ""), request.scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def control_allowed(request: Request, token: str | None = None) -> bool:
    """`/_sim/*` answers loopback clients, and anyone who sends TAMIN_SIM_TOKEN."""
    expected = token if token is not None else os.environ.get("TAMIN_SIM_TOKEN", "")
    sent = request.headers.get(TOKEN_HEADER, "")
    if expected and sent and secrets.compare_digest(sent.encode(), expected.encode()):
        return True
    return is_loopback(request.client.host if request.client else None)


class RateLimited(SimError):
    """Too many checks for one national code: 429 with Retry-After."""

    @property
    def status(self) -> int:
        """HTTP 429."""
        return 429


class PerKeyLimit:
    """A sliding one-minute window of checks per key (a national code)."""

    def __init__(self, per_minute: int | None = None, window: float = 60.0) -> None:
        configured = os.environ.get("TAMIN_SIM_CHECKS_PER_MINUTE", "")
        self.per_minute = per_minute if per_minute is not None else (
            int(configured) if configured.isdigit() else DEFAULT_CHECKS_PER_MINUTE)
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> None:
        """Count one check for ``key`` (RateLimited when over the limit; 0 means no limit)."""
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.per_minute:
            retry = max(1, int(hits[0] + self.window - now) + 1)
            raise RateLimited("busy", "rate_limited", "too many checks for this national code",
                              retry_after=retry)
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle keys so the table cannot grow without bound
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}

    def reset(self) -> None:
        """Forget every count."""
        self._hits.clear()
