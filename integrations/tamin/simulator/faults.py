"""Fault injection: make chosen contract paths slow, failing, hanging or busy for a while."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

Mode = Literal["ok", "slow", "fail", "timeout", "busy"]
HANG_SECONDS = 120.0  # longer than any client timeout


class FaultSpec(BaseModel):
    """The body of POST /_sim/faults."""

    mode: Mode = "ok"
    delay: float = Field(default=0.0, ge=0, le=600)
    count: int | None = Field(default=None, ge=1, description="how many matching requests; None: until reset")
    path_prefix: str = "/v1/"


@dataclass
class Verdict:
    """What to do with one request: answer normally, or with an error status after waiting."""

    delay: float = 0.0
    status: int | None = None
    reason: str = ""


class Faults:
    """The current fault and the event that releases hanging requests on reset."""

    def __init__(self) -> None:
        self.spec = FaultSpec()
        self.release = asyncio.Event()

    def set(self, spec: FaultSpec) -> None:
        """Install a fault (mode ok clears it)."""
        self.release.set()
        self.release = asyncio.Event()
        self.spec = spec

    def clear(self) -> None:
        """Back to normal; wake every hanging request."""
        self.set(FaultSpec())

    def judge(self, path: str) -> Verdict:
        """Decide the fate of one request and consume one count of the fault."""
        spec = self.spec
        if spec.mode == "ok" or not path.startswith(spec.path_prefix) or path.startswith("/_sim"):
            return Verdict()
        if spec.count is not None:
            remaining = spec.count - 1
            self.spec = spec.model_copy(update={"count": remaining}) if remaining > 0 else FaultSpec()
        if spec.mode == "slow":
            return Verdict(delay=spec.delay)
        if spec.mode == "fail":
            return Verdict(delay=spec.delay, status=502, reason="upstream_failure")
        if spec.mode == "busy":
            return Verdict(delay=spec.delay, status=503, reason="busy")
        return Verdict(delay=max(spec.delay, HANG_SECONDS), status=502, reason="timeout")

    async def wait(self, seconds: float) -> None:
        """Sleep, unless a reset or a new fault releases the wait first."""
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self.release.wait(), timeout=seconds)
        except TimeoutError:
            pass
