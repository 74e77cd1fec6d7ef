"""Optional external Rasa backend with fallback to the embedded NLU; validating extractors run after both."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from .extract import VALIDATORS, find_entities, validate
from .model import NLU, default_nlu

log = logging.getLogger(__name__)


def _valid_shape(r: Any) -> bool:
    """Does a response look like Rasa's parse result?"""
    return (isinstance(r, dict) and isinstance(r.get("intent"), dict) and "name" in r["intent"]
            and isinstance(r.get("entities", []), list))


def postprocess(text: str, result: dict[str, Any]) -> dict[str, Any]:
    """Validate/normalize known entities of any parse result and add the rule-based ones it missed."""
    out = []
    for e in result.get("entities", []) or []:
        if not isinstance(e, dict):
            continue
        name = e.get("entity")
        if name in VALIDATORS:
            s, t = e.get("start"), e.get("end")
            surface = text[s:t] if isinstance(s, int) and isinstance(t, int) else str(e.get("value", ""))
            value = validate(name, surface)
            if value is None:
                continue
            e = {**e, "value": value}
        out.append(e)
    for r in find_entities(text):
        if all(r["end"] <= e.get("start", -1) or r["start"] >= e.get("end", -1) for e in out):
            out.append(r)
    result = dict(result)
    result["text"] = text
    result.setdefault("intent_ranking", [result["intent"]])
    result["entities"] = sorted(out, key=lambda e: e.get("start", 0))
    return result


class Breaker:
    """Open after ``trip`` failures in a row: calls are skipped for ``cooldown`` s, then one is tried again."""

    def __init__(self, trip: int = 1, cooldown: float = 30.0) -> None:
        self.trip, self.cooldown = max(trip, 1), cooldown
        self.failures, self.open_until = 0, 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """May a call go out now? (After the cooldown one trial goes; others still skip until it answers.)"""
        with self._lock:
            now = time.monotonic()
            if self.failures < self.trip:
                return True
            if now >= self.open_until:
                self.open_until = now + self.cooldown  # this caller is the trial
                return True
            return False

    def ok(self) -> None:
        """A call answered: close."""
        with self._lock:
            self.failures, self.open_until = 0, 0.0

    def failed(self) -> None:
        """A call failed or timed out: count it, open when it is the ``trip``-th."""
        with self._lock:
            self.failures += 1
            if self.failures >= self.trip:
                self.open_until = time.monotonic() + self.cooldown


class RasaBackend:
    """Parse with a Rasa server at `url` (POST /model/parse); on any failure use the embedded NLU.

    Every call has a deadline (``timeout``, for the whole call); a failure opens a circuit breaker,
    so a hung Rasa costs one timeout, then is skipped for ``cooldown`` seconds.
    """

    def __init__(self, url: str | None, timeout: float = 2.0, fallback: NLU | Callable[[], NLU] = default_nlu,
                 client: httpx.AsyncClient | None = None, cooldown: float = 30.0) -> None:
        self.url = url.rstrip("/") if url else None
        self.timeout = timeout
        self._fallback = fallback
        self._client = client
        self.breaker = Breaker(1, cooldown)

    def embedded(self) -> NLU:
        """The fallback NLU."""
        return self._fallback if isinstance(self._fallback, NLU) else self._fallback()

    @property
    def threshold(self) -> float:
        """The embedded model's out-of-scope threshold."""
        return self.embedded().threshold

    def _accept(self, text: str, resp: httpx.Response) -> dict[str, Any] | None:
        resp.raise_for_status()
        data = resp.json()
        if _valid_shape(data):
            self.breaker.ok()
            return postprocess(text, data)
        self.breaker.failed()
        log.warning("rasa: unexpected response shape; using embedded NLU")
        return None

    async def aparse(self, text: str) -> dict[str, Any]:
        """Rasa-shaped parse of one message (async)."""
        if self.url and self.breaker.allow():
            try:
                client = self._client or httpx.AsyncClient(timeout=self.timeout)
                try:
                    resp = await asyncio.wait_for(
                        client.post(f"{self.url}/model/parse", json={"text": text}, timeout=self.timeout),
                        self.timeout)
                finally:
                    if self._client is None:
                        await client.aclose()
                result = self._accept(text, resp)
                if result is not None:
                    return result
            except (httpx.HTTPError, ValueError, TimeoutError) as exc:
                self.breaker.failed()
                log.warning("rasa: %s; using embedded NLU (skipped for %.0f s)", type(exc).__name__,
                            self.breaker.cooldown)
        return self.embedded().parse(text)

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa-shaped parse of one message (blocking)."""
        if self.url and self.breaker.allow():
            try:
                resp = httpx.post(f"{self.url}/model/parse", json={"text": text}, timeout=self.timeout)
                result = self._accept(text, resp)
                if result is not None:
                    return result
            except (httpx.HTTPError, ValueError) as exc:
                self.breaker.failed()
                log.warning("rasa: %s; using embedded NLU (skipped for %.0f s)", type(exc).__name__,
                            self.breaker.cooldown)
        return self.embedded().parse(text)


def find_rasa(nlu: Any) -> RasaBackend | None:
    """The ``RasaBackend`` inside the engine's (possibly wrapped) understander, if any."""
    for _ in range(5):
        if isinstance(nlu, RasaBackend):
            return nlu
        nlu = getattr(nlu, "inner", None) or getattr(nlu, "nlu", None)
        if nlu is None:
            return None
    return None
