"""Redis bytes per conversation with the console on after 3, 10 and 30 turns: the engine and the console's
recorder in-process on real Redis (keys shaped like the web chat's, ``web:w`` + 32 hex), ``--conversations``
each (16 at a time), ``MEMORY USAGE`` of every key the run made, summed per kind of key (``s`` session, ``cv``
transcript, the console's index) and divided by the conversations. Flushes the Redis database it is given.

    TAMIN_NLU_ENCODER=off PYTHONPATH=$PWD .venv/bin/python bench/console_bytes.py redis://127.0.0.1:6412/9 \
        --conversations 10000 --turns 3 10 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import uuid
from collections import defaultdict
from types import SimpleNamespace

CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]


def kind_of(key: bytes) -> str:
    """The kind of a key: ``s``, ``cv``, ``l``, or ``index`` for the console's sorted sets."""
    rest = key.decode(errors="replace").split(":", 1)[-1]
    if rest.startswith(("ci:", "console:idle")):
        return "index"
    return rest.split(":", 1)[0]


async def main(url: str, n: int, turn_counts: list[int]) -> None:
    from bot.app import build_engine
    from bot.console.recorder import Recorder
    from bot.engine.hooks import MultiHooks
    from bot.engine.messages import Channel, Inbound
    from bot.engine.store import RedisStore
    from bot.settings import Settings
    from bot.storage import Database

    db = Database(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/b.db")
    await db.migrate()
    store = RedisStore.from_url(url, prefix="tamin:")
    multi = MultiHooks()
    engine = build_engine(Settings(tamin_backend_url=None, redis_url=None, kavenegar_api_key=None,
                                   telegram_bot_token=None, bale_bot_token=None), store=store, hooks=multi)
    multi.add(Recorder(SimpleNamespace(state=SimpleNamespace(db=db, engine=engine)), store))

    async def person(k: int, turns: int) -> None:
        user = "w" + uuid.uuid4().hex
        for text in ["سلام", "وضعیت مستمری", CODES[k % 4]] + ["09120000100"] * (turns - 3):
            await engine.handle(Inbound(Channel.WEB, user, text=text))

    for turns in turn_counts:
        await store.redis.flushdb()
        for start in range(0, n, 16):
            await asyncio.gather(*(person(k, turns) for k in range(start, min(n, start + 16))))
        total: dict[str, int] = defaultdict(int)
        keys: dict[str, int] = defaultdict(int)
        sizes: dict[str, list[int]] = defaultdict(list)
        async for key in store.redis.scan_iter(match="*", count=1000):
            size = await store.redis.memory_usage(key, samples=0) or 0
            kind = kind_of(key)
            total[kind] += size
            keys[kind] += 1
            if kind in ("s", "cv"):
                sizes[kind].append(size)
        row = {"turns": turns, "conversations": n, "keys": dict(keys),
               "bytes_per_conversation": {k: round(v / n, 1) for k, v in sorted(total.items())},
               "all_keys_per_conversation": round(sum(total.values()) / n, 1)}
        row.update({f"{k}_min_max": f"{min(v)}-{max(v)}" for k, v in sizes.items()})
        print(json.dumps(row), flush=True)
    await store.redis.flushdb()
    await store.close()
    await db.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", nargs="?", default="redis://127.0.0.1:6379/9")
    ap.add_argument("--conversations", type=int, default=20)
    ap.add_argument("--turns", type=int, nargs="+", default=[3, 10, 30])
    args = ap.parse_args()
    asyncio.run(main(args.url, args.conversations, args.turns))
