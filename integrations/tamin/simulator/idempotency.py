"""Idempotent writes: the same key and request give the same result; another request with the key is a conflict."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from integrations.tamin.simulator.errors import conflict

T = TypeVar("T")


def fingerprint(method: str, path: str, actor: str | None, body: Any) -> str:
    """A stable digest of what a request asks for."""
    canonical = json.dumps([method, path, actor, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    """Results of successful writes by idempotency key."""

    def __init__(self) -> None:
        self._done: dict[str, tuple[str, Any]] = {}

    def run(self, key: str, digest: str, make: Callable[[], T]) -> T:
        """Replay the stored result of this key, or make it once (failures are not stored)."""
        stored = self._done.get(key)
        if stored is not None:
            if stored[0] != digest:
                raise conflict("idempotency_key_reused", "this idempotency key was used for another request")
            return stored[1]
        result = make()
        self._done[key] = (digest, result)
        return result

    def __len__(self) -> int:
        return len(self._done)
