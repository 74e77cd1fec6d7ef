"""What the console's engine hooks cost per turn: a 3-turn conversation (greeting, a service, «لغو») run
N times in-process through ``Engine.handle`` with the console's Recorder installed, on SQLite, with the
memory store and with Redis; and a 3-turn conversation outside any service (only the per-turn hook).
Run: ``.venv/bin/python -m tests.console.bench_recording [N] [--recorder FILE]``; ``FILE`` is another
recorder.py to compare (``git show HEAD~1:bot/console/recorder.py > /tmp/recorder_before.py``)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from types import SimpleNamespace

from sqlalchemy import event

from tests.support.services import redis_db

REDIS = redis_db(11)
CONVERSATIONS = {"service": ("سلام", "مستمری", "لغو"), "no service": ("سلام", "ممنون", "خداحافظ")}


def _recorder_class(path: str | None):
    if not path:
        from bot.console.recorder import Recorder

        return Recorder
    import importlib.util

    spec = importlib.util.spec_from_file_location("recorder_compared", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Recorder


async def _run(n: int, store_kind: str, hooks: bool, turns: tuple[str, ...], recorder: str | None) -> dict:
    from bot.app import build_engine
    from bot.engine.hooks import MultiHooks
    from bot.engine.messages import Channel, Inbound
    from bot.engine.store import MemoryStore, RedisStore
    from bot.settings import Settings
    from bot.storage import Database

    tmp = tempfile.mkdtemp(prefix="console-bench-")
    db = Database(f"sqlite+aiosqlite:///{tmp}/bench.db")
    await db.migrate()
    writes = [0]

    def count(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    prefix = f"bench-{uuid.uuid4().hex[:6]}:"
    store = RedisStore.from_url(REDIS, prefix=prefix) if store_kind == "redis" else MemoryStore()
    settings = Settings(tamin_backend_url=None, redis_url=None, kavenegar_api_key=None, telegram_bot_token=None,
                        bale_bot_token=None)
    multi = MultiHooks()
    engine = build_engine(settings, store=store, hooks=multi)
    app = SimpleNamespace(state=SimpleNamespace(db=db, engine=engine))
    if hooks:
        multi.add(_recorder_class(recorder)(app, store))
    for text in turns:  # warm up the NLU and the connections
        await engine.handle(Inbound(Channel.WEB, "warm", text=text))
    writes[0] = 0
    lat: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        for text in turns:
            t0 = time.perf_counter()
            await engine.handle(Inbound(Channel.WEB, f"u{i}", text=text))
            lat.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    per_conv = 0.0
    if store_kind == "redis":
        keys = [k async for k in store.redis.scan_iter(match=f"{prefix}*", count=1000)]
        console = [k for k in keys if k.startswith(tuple(f"{prefix}{kind}:".encode() for kind in ("cv", "cb", "cm")))]
        if console:
            per_conv = sum([await store.redis.memory_usage(k) or 0 for k in console]) / n
        if keys:
            await store.redis.delete(*keys)
    await store.close()
    await db.dispose()
    lat.sort()
    return {"turns": len(lat), "per_s": len(lat) / wall, "mean_ms": 1000 * statistics.mean(lat),
            "p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[int(len(lat) * 0.99)],
            "db_writes": writes[0], "redis_bytes": per_conv}


async def main(n: int, recorder: str | None) -> None:
    print(f"{n} conversations, SQLite console database, recorder {recorder or 'bot/console/recorder.py'}")
    print("| conversation | store | console hooks | turns/s | mean ms | p50 ms | p99 ms | DB writes | Redis B/conv |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, turns in CONVERSATIONS.items():
        for store_kind in ("memory", "redis"):
            for hooks in (False, True):
                r = await _run(n, store_kind, hooks, turns, recorder)
                print(f"| {name} | {store_kind} | {'yes' if hooks else 'no'} | {r['per_s']:.0f} | {r['mean_ms']:.2f} | "
                      f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['db_writes']} | {r['redis_bytes']:.0f} |")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=2000)
    parser.add_argument("--recorder")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.recorder))
