"""Growth: how the web chat's cost grows with people, processes, conversations and turns.

One run prints one JSON line per measurement:
  * "scale": turns/s and p50/p99 of the three-turn pension conversation at each --users count
    (16, 64, 256) with each --procs count of ``tamin-bot serve --workers N`` (1, 2, 4), same Redis;
  * "memory": Redis ``used_memory`` after --conversations real conversations (default 10,000) and the
    bytes each costs; the same per-conversation figure times 100,000 is printed as a projection
    only when --project is given (the sessions are plain strings: memory is linear in their count);
  * "turns": Redis bytes of one session after 3, 12 and 30 turns (flat = the session does not grow).

    PYTHONPATH=$PWD .venv/bin/python bench/growth.py --redis redis://127.0.0.1:6404/6 --seconds 8
    PYTHONPATH=$PWD .venv/bin/python bench/growth.py --only memory --conversations 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import httpx
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import NATIONAL_CODES, cpu_seconds, drive, free_port, start, wait_up  # noqa: E402


class Bot:
    """The simulator and ``serve --workers N`` as child processes on free ports."""

    def __init__(self, args: argparse.Namespace, procs: int) -> None:
        bin_dir = os.path.dirname(sys.executable)
        sim, port = free_port(), free_port()
        env = dict(os.environ, REDIS_URL=args.redis, TAMIN_BACKEND_URL=f"http://127.0.0.1:{sim}",
                   MODULES=args.modules, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
        for k in [k for k in env if k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_"))]:
            env.pop(k)
        self.procs = [start([f"{bin_dir}/tamin-bot", "simulator", "--port", str(sim)], env)]
        wait_up(f"http://127.0.0.1:{sim}/v1/persons/0016383230", 300)
        self.procs.append(start([f"{bin_dir}/tamin-bot", "serve", "--port", str(port), "--workers", str(procs)], env))
        self.base = f"http://127.0.0.1:{port}"
        wait_up(self.base + "/healthz", 300)

    def close(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except Exception:
                p.kill()


def scale(args: argparse.Namespace) -> None:
    for procs in args.procs:
        redis.Redis.from_url(args.redis).flushdb()
        bot = Bot(args, procs)
        try:
            for users in args.users:
                cpu0 = cpu_seconds(bot.procs[1].pid)
                r = asyncio.run(drive(bot.base, users, args.seconds, 3))
                cpu = cpu_seconds(bot.procs[1].pid) - cpu0
                print(json.dumps({"measure": "scale", "serve_procs": procs, "users": users, **r,
                                  "bot_cpu_ms_per_turn": round(1000 * cpu / max(r["turns"], 1), 2),
                                  "modules": args.modules, "cores": os.cpu_count()}), flush=True)
        finally:
            bot.close()


async def conversations(base: str, n: int, turns: int, users: int, prefix: str) -> int:
    """Hold ``n`` conversations of ``turns`` turns, ``users`` at a time; how many turns failed."""
    failed, queue = 0, iter(range(n))
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        async def person() -> None:
            nonlocal failed
            for k in queue:
                script = ["سلام", "وضعیت مستمری", NATIONAL_CODES[k % 4]]
                script += ["09120000100"] * max(0, turns - 3)
                for text in script:
                    r = await http.post(f"{base}/api/chat", json={"user": f"{prefix}-{k}", "text": text})
                    failed += r.status_code != 200
        await asyncio.gather(*(person() for _ in range(users)))
    return failed


def memory(args: argparse.Namespace) -> None:
    r = redis.Redis.from_url(args.redis)
    r.flushdb()
    bot = Bot(args, args.procs[-1])
    try:
        base_mem = r.info("memory")["used_memory"]
        t0 = time.perf_counter()
        failed = asyncio.run(conversations(bot.base, args.conversations, 3, 32, "mem"))
        used = r.info("memory")["used_memory"] - base_mem
        out = {"measure": "memory", "conversations": args.conversations, "failed_turns": failed,
               "seconds": round(time.perf_counter() - t0, 1), "keys": r.dbsize(), "used_memory_bytes": used,
               "bytes_per_conversation": round(used / args.conversations), "modules": args.modules}
        if args.project:
            out["projected_used_memory_bytes_at_100000"] = round(used / args.conversations * 100_000)
        print(json.dumps(out), flush=True)
        for turns in (3, 12, 30):
            asyncio.run(conversations(bot.base, 20, turns, 20, f"t{turns}"))
            keys = [k for k in r.scan_iter(f"*t{turns}-*", count=1000)]
            by_key = {k.decode(): r.memory_usage(k) or 0 for k in keys}
            print(json.dumps({"measure": "turns", "turns": turns, "keys_per_conversation": len(keys) / 20,
                              "redis_bytes_per_conversation": round(sum(by_key.values()) / 20),
                              "modules": args.modules}), flush=True)
    finally:
        bot.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    ap.add_argument("--modules", default="console", help="optional parts installed (the console records transcripts)")
    ap.add_argument("--users", type=int, nargs="+", default=[16, 64, 256])
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--conversations", type=int, default=10_000)
    ap.add_argument("--project", action="store_true", help="also print the linear projection to 100,000")
    ap.add_argument("--only", choices=["scale", "memory"], default=None)
    args = ap.parse_args()
    if args.only in (None, "scale"):
        scale(args)
    if args.only in (None, "memory"):
        memory(args)
    redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
