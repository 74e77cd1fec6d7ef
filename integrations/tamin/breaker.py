"""A circuit breaker: closed → open after N consecutive failures → half-open after a cool-down."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitOpen(Exception):
    """Raised by ``before_call`` while the circuit is open."""


class CircuitBreaker:
    """Counts consecutive failures; while open, calls fail fast until a trial call succeeds."""

    def __init__(self, failure_threshold: int = 5, reset_timeout: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> State:
        """The current state, moving open → half_open once the cool-down has passed."""
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_timeout:
            return "half_open"
        return "open"

    def before_call(self) -> bool:
        """Let a call through (True if it is the half-open trial) or raise CircuitOpen."""
        state = self.state
        if state == "open":
            raise CircuitOpen("circuit open")
        if state == "half_open":
            if self._trial_running:
                raise CircuitOpen("circuit half-open: a trial call is running")
            self._trial_running = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def record_failure(self) -> None:
        """A call failed: open after the threshold, or re-open after a failed trial."""
        self._failures += 1
        if self._trial_running or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        self._trial_running = False

    def abandon(self) -> None:
        """A call ended without a verdict (e.g. cancelled): let another trial through."""
        self._trial_running = False

    def reset(self) -> None:
        """Forget everything (closed)."""
        self.record_success()
