"""What the engine's new duties cost: loading and checking the flows, and one in-process turn.

    .venv/bin/python bench/engine_turns.py [--turns 300]

Prints the time of ``load_flows()`` (imports + the load-time checks) and the median and p95 of
``Engine.handle`` for a menu turn and for a question inside the sick-pay flow (in-memory store,
the simulator in-process over ASGI, the NLU already trained).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time


async def main(turns: int) -> None:
    t0 = time.perf_counter()
    from bot.flows.registry import load_flows

    flows = load_flows()
    loaded = time.perf_counter() - t0
    from bot.engine.checks import check
    from bot.flows.registry import guide_ids, nlu_intents

    t1 = time.perf_counter()
    check(flows, intents=nlu_intents(), guide=guide_ids())
    checked = time.perf_counter() - t1
    print(f"load_flows(): {loaded * 1000:.0f} ms (cold imports included); the checks alone: {checked * 1000:.1f} ms")

    from bot.app import build_engine
    from bot.engine.messages import Channel, Inbound
    from bot.settings import Settings

    engine = build_engine(Settings(modules=""))
    await engine.handle(Inbound(Channel.WEB, "warm", text="سلام"))
    for label, inbound in (("menu turn", lambda i: Inbound(Channel.WEB, f"m{i}", text="منو")),
                           ("flow question", lambda i: Inbound(Channel.WEB, f"f{i % 20}", choice="svc:sick_pay"))):
        times = []
        for i in range(turns):
            started = time.perf_counter()
            await engine.handle(inbound(i))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"{label}: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms "
              f"over {turns} turns")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    asyncio.run(main(parser.parse_args().turns))
