"""Two workers delivering messages of the same person through Redis never interleave their turns."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

import pytest

from bot.app import build_engine
from bot.engine.messages import Channel, Inbound
from bot.engine.store import RedisStore
from bot.settings import Settings


class RecordingStore(RedisStore):
    """A Redis store that takes its time between load and save, and records when each turn ran."""

    def __init__(self, *a, spans: list, name: str, locking: bool = True, **kw) -> None:
        super().__init__(*a, **kw)
        self.spans, self.name, self.locking = spans, name, locking
        self._open: dict[str, float] = {}

    async def load(self, key):
        session = await super().load(key)
        self._open[key] = time.monotonic()
        await asyncio.sleep(0.15)  # a slow turn: the other worker would step in now
        return session

    async def save(self, key, session):
        self.spans.append((self.name, self._open.pop(key), time.monotonic()))
        await super().save(key, session)

    def lock(self, key, timeout=30.0):
        if self.locking:
            return super().lock(key, timeout)

        @asynccontextmanager
        async def nothing():
            yield

        return nothing()


async def _two_workers(redis_url: str, simulator_url: str, locking: bool):
    from redis.asyncio import Redis

    from bot.engine.understand import Understander

    spans: list = []
    nlu = Understander.default()
    settings = Settings(tamin_backend_url=simulator_url, redis_url=redis_url)
    engines = [
        build_engine(settings, store=RecordingStore(Redis.from_url(redis_url), spans=spans, name=n, locking=locking),
                     nlu=nlu)
        for n in ("worker-a", "worker-b")
    ]
    first = Inbound(Channel.TELEGRAM, "555", text="وضعیت مستمری")
    second = Inbound(Channel.TELEGRAM, "555", text="0016383230")
    async def later():
        await asyncio.sleep(0.03)  # arrives while the first turn is still running on the other worker
        return await engines[1].handle(second)

    await asyncio.gather(engines[0].handle(first), later())
    final = await engines[0].deps.store.load(first.key)
    for e in engines:
        await e.deps.store.close()
        await e.deps.api.aclose()
    return spans, final


def _overlap(spans) -> bool:
    (_, a0, a1), (_, b0, b1) = sorted(spans, key=lambda s: s[1])
    return b0 < a1


def test_turns_of_one_person_run_one_after_the_other(redis_url, simulator_url):
    spans, final = asyncio.run(_two_workers(redis_url, simulator_url, locking=True))
    assert len(spans) == 2 and not _overlap(spans)
    # both turns counted: the flow started by the first message took the second as the national code
    assert final.flow is not None and final.flow.name == "pension_status"
    assert final.flow.slots.get("national_code") == "0016383230" and final.flow.awaiting == "mobile"


def test_without_the_lock_the_same_deliveries_would_interleave(redis_url, simulator_url):
    """The control: the test above can fail, because without the lock the turns overlap."""
    spans, _ = asyncio.run(_two_workers(redis_url, simulator_url, locking=False))
    assert _overlap(spans)


@pytest.mark.parametrize("n", [8])
def test_many_concurrent_messages_of_one_person_are_all_handled_in_turn(redis_url, simulator_url, n):
    from redis.asyncio import Redis

    async def run():
        spans: list = []
        settings = Settings(tamin_backend_url=simulator_url, redis_url=redis_url)
        from bot.engine.understand import Understander

        nlu = Understander.default()
        engines = [build_engine(settings, store=RecordingStore(Redis.from_url(redis_url), spans=spans, name=str(i)),
                                nlu=nlu) for i in range(n)]
        await asyncio.gather(*(e.handle(Inbound(Channel.WEB, "same", text="سلام")) for e in engines))
        for e in engines:
            await e.deps.store.close()
            await e.deps.api.aclose()
        return spans

    spans = sorted(asyncio.run(run()), key=lambda s: s[1])
    assert len(spans) == n
    assert all(later[1] >= earlier[2] for earlier, later in zip(spans, spans[1:], strict=False))
