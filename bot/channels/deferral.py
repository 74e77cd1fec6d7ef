"""A send that must wait is scheduled, not slept on: ``Deferred`` hands the person back to the queue."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_DEFER: ContextVar[bool] = ContextVar("tamin_defer_sends", default=False)
SLEEP_BELOW = 0.05  # waits shorter than this are slept (cheaper than a round trip through the queue)


class Deferred(Exception):  # noqa: N818 - a signal, not an error
    """This send may go in ``seconds``: the ingress parks the person and frees the worker."""

    def __init__(self, seconds: float, why: str = "rate") -> None:
        super().__init__(f"deferred {seconds:.2f}s ({why})")
        self.seconds, self.why = max(float(seconds), 0.0), why


@contextlib.contextmanager
def deferring() -> Iterator[None]:
    """Inside this block, a wait of ``SLEEP_BELOW`` or more raises ``Deferred`` instead of sleeping."""
    token = _DEFER.set(True)
    try:
        yield
    finally:
        _DEFER.reset(token)


def is_deferring() -> bool:
    """Are sends in this context deferred rather than waited for?"""
    return _DEFER.get()


async def wait_or_defer(seconds: float, why: str = "rate") -> None:
    """Sleep ``seconds``, or raise ``Deferred`` when the caller is an ingress worker and it is long."""
    if seconds >= SLEEP_BELOW and _DEFER.get():
        raise Deferred(seconds, why)
    await asyncio.sleep(max(seconds, 0.0))
