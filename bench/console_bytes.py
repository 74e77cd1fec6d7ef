"""Redis bytes per conversation with the console on after 3, 10 and 30 turns: the engine and the console's
recorder in-process on real Redis (keys shaped like the web chat's, ``web:w`` + 32 hex), 20 conversations
each, ``MEMORY USAGE`` of the session and console keys, and the share of the console's index of services.
Flushes the Redis database it is given.

    TAMIN_NLU_ENCODER=off PYTHONPATH=$PWD .venv/bin/python bench/console_bytes.py redis://127.0.0.1:6412/9
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from types import SimpleNamespace

CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]
N = 20


async def main(url: str) -> None:
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
    for turns in (3, 10, 30):
        await store.redis.flushdb()
        for k in range(N):
            user = "w" + uuid.uuid4().hex
            for text in ["سلام", "وضعیت مستمری", CODES[k % 4]] + ["09120000100"] * (turns - 3):
                await engine.handle(Inbound(Channel.WEB, user, text=text))
        sizes = {k: await store.redis.memory_usage(k) or 0 async for k in store.redis.scan_iter(match="*")}
        s = [v for k, v in sizes.items() if b":s:" in k]
        c = [v for k, v in sizes.items() if b":cv:" in k]
        idx = sum(v for k, v in sizes.items() if b"console:idle" in k)
        print(json.dumps({"turns": turns, "sessions": len(s), "session_b": f"{min(s)}-{max(s)}", "cv_keys": len(c),
                          "console_b": f"{min(c)}-{max(c)}" if c else "0",
                          "session_plus_console_b": round((sum(s) + sum(c)) / N),
                          "index_b_per_conversation": round(idx / N)}), flush=True)
    await store.redis.flushdb()
    await store.close()
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/9"))
