"""An overload queues people: at most ``turns_in_flight`` turns run at once, and every message is answered."""

from __future__ import annotations

import asyncio

from bot.engine import dialogue
from bot.engine.dialogue import Engine
from bot.engine.messages import Channel, Inbound
from tests.flows.harness import make_engine


def _counting(engine: Engine, limit_seen: list[int]) -> Engine:
    running = 0

    async def count(inbound, call):
        nonlocal running
        running += 1
        limit_seen.append(running)
        try:
            await asyncio.sleep(0.01)  # a turn that waits on the network, as real ones do
            return await call(inbound)
        finally:
            running -= 1

    return Engine(engine.deps, engine.flows, middleware=[count, *dialogue.DEFAULT_MIDDLEWARE])


async def test_forty_people_at_once_run_four_at_a_time_and_all_get_the_menu(simulator_url):
    base = make_engine(simulator_url, turns_in_flight=4)
    seen: list[int] = []
    engine = _counting(base, seen)
    answers = await asyncio.gather(*[engine.handle(Inbound(Channel.WEB, f"u-adm-{i}", text="منو")) for i in range(40)])
    assert max(seen) == 4, max(seen)
    assert all(len(a[-1].choices) > 5 for a in answers), answers[0]
    await base.deps.api.aclose()


async def test_a_web_request_that_waits_too_long_is_told_to_wait_a_moment(simulator_url):
    base = make_engine(simulator_url, turns_in_flight=1, turn_queue_seconds=0.05)
    engine = _counting(base, [])
    slow = asyncio.create_task(engine.handle(Inbound(Channel.WEB, "u-adm-slow", text="منو")))
    await asyncio.sleep(0)
    await engine._admitted.acquire()  # the one place is taken for longer than the queue allows
    try:
        answer = await engine.handle(Inbound(Channel.WEB, "u-adm-late", text="منو"))
    finally:
        engine._admitted.release()
    assert "صبر کنید" in answer[0].text, answer
    assert (await slow)[-1].choices
    await base.deps.api.aclose()
