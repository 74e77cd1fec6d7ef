"""Optional external Rasa backend with fallback to the embedded NLU; validating extractors run after both."""

from __future__ import annotations

import logging
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


class RasaBackend:
    """Parse with a Rasa server at `url` (POST /model/parse); on any failure use the embedded NLU."""

    def __init__(self, url: str | None, timeout: float = 2.0, fallback: NLU | Callable[[], NLU] = default_nlu,
                 client: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/") if url else None
        self.timeout = timeout
        self._fallback = fallback
        self._client = client

    def embedded(self) -> NLU:
        """The fallback NLU."""
        return self._fallback if isinstance(self._fallback, NLU) else self._fallback()

    @property
    def threshold(self) -> float:
        """The embedded model's out-of-scope threshold."""
        return self.embedded().threshold

    async def aparse(self, text: str) -> dict[str, Any]:
        """Rasa-shaped parse of one message (async)."""
        if self.url:
            try:
                client = self._client or httpx.AsyncClient(timeout=self.timeout)
                try:
                    resp = await client.post(f"{self.url}/model/parse", json={"text": text}, timeout=self.timeout)
                finally:
                    if self._client is None:
                        await client.aclose()
                resp.raise_for_status()
                data = resp.json()
                if _valid_shape(data):
                    return postprocess(text, data)
                log.warning("rasa: unexpected response shape; using embedded NLU")
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("rasa: %s; using embedded NLU", type(exc).__name__)
        return self.embedded().parse(text)

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa-shaped parse of one message (blocking)."""
        if self.url:
            try:
                resp = httpx.post(f"{self.url}/model/parse", json={"text": text}, timeout=self.timeout)
                resp.raise_for_status()
                data = resp.json()
                if _valid_shape(data):
                    return postprocess(text, data)
                log.warning("rasa: unexpected response shape; using embedded NLU")
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("rasa: %s; using embedded NLU", type(exc).__name__)
        return self.embedded().parse(text)
