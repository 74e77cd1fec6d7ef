"""What an idle bot costs: process CPU and Redis commands per second of ``tamin-bot serve`` with nobody writing,
and how soon the first update after the quiet is answered.

For each checkout given (its folder goes on PYTHONPATH, so a base worktree and this one run side by side,
one after the other, in alternating rounds) it starts the server on a flushed Redis database, lets it
settle, then counts over ``--seconds``: the server's CPU time (``/proc``), and the Redis server's
``total_commands_processed`` and ``EVALSHA`` calls (``INFO``; nothing else may use that Redis meanwhile).

Two set-ups: ``default`` (default modules, no messenger token, no SMS webhook secret: no update can come
in) and ``messenger`` (a Telegram bot with its webhook secret, 4 in-server ingress workers, a stand-in
Bot API). With ``messenger``, after the quiet one update is posted to the webhook and the time until the
reply reaches the stand-in Bot API is the "first answer" latency.

    PYTHONPATH=$PWD .venv/bin/python bench/idle.py --redis redis://127.0.0.1:6422/14 --port 8436 \\
        --checkout /work/wt-messenger-base --checkout . --rounds 2 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import aiohttp
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import cpu_seconds, start, wait_up  # noqa: E402
from load_messenger import SECRET, TOKEN, BotApi, Driver  # noqa: E402


def _env(args: argparse.Namespace, root: str, setup: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_", "INGRESS_")) and k != "MODULES"}
    env.update(REDIS_URL=args.redis, PYTHONPATH=root, TAMIN_NLU_ENCODER=os.environ.get("TAMIN_NLU_ENCODER", "off"))
    if setup == "messenger":
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, INGRESS_WORKERS="4",
                   TELEGRAM_API_BASE=f"http://127.0.0.1:{args.port + 1}",
                   PUBLIC_BASE_URL=f"http://127.0.0.1:{args.port}")
    return env


def _stats(r: redis.Redis) -> tuple[int, int]:
    total = int(r.info("stats")["total_commands_processed"])
    evalsha = int(r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))
    return total, evalsha


async def _first_answer(args: argparse.Namespace) -> float | None:
    """Post one /start after the quiet; seconds until the reply reaches the stand-in Bot API."""
    api = BotApi()
    runner = await api.serve(args.port + 1)
    try:
        driver = Driver(f"http://127.0.0.1:{args.port}", api, [])
        async with aiohttp.ClientSession() as http:
            chat = next(driver.chats)
            t0 = await driver.post(http, chat, "/start")
            arrived = await api.wait(chat, 1, 15)
        return None if arrived is None else arrived - t0
    finally:
        await runner.cleanup()


def measure(args: argparse.Namespace, root: str, setup: str) -> dict:
    """One server of ``root`` idle for ``args.seconds``."""
    r = redis.Redis.from_url(args.redis)
    r.flushdb()
    bin_dir = os.path.dirname(sys.executable)
    proc = start([f"{bin_dir}/tamin-bot", "serve", "--port", str(args.port)], _env(args, root, setup))
    try:
        wait_up(f"http://127.0.0.1:{args.port}/healthz", 600)
        time.sleep(args.settle)
        r.config_resetstat()
        cpu0, (cmd0, ev0), t0 = cpu_seconds(proc.pid), _stats(r), time.perf_counter()
        time.sleep(args.seconds)
        cpu1, (cmd1, ev1), t1 = cpu_seconds(proc.pid), _stats(r), time.perf_counter()
        out = {"checkout": root, "setup": setup, "seconds": round(t1 - t0, 1),
               "cpu_percent_of_a_core": round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
               "redis_commands_per_s": round((cmd1 - cmd0) / (t1 - t0), 1),
               "evalsha_per_s": round((ev1 - ev0) / (t1 - t0), 1),
               "load_average": os.getloadavg()[0]}
        if setup == "messenger":
            first = asyncio.run(_first_answer(args))
            out["first_answer_ms"] = None if first is None else round(1000 * first, 1)
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except Exception:
            proc.kill()
        r.flushdb()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--port", type=int, default=8436, help="the bot; the stand-in Bot API on the next port")
    ap.add_argument("--checkout", action="append", default=[], help="a source tree to run (repeatable)")
    ap.add_argument("--setup", action="append", choices=["default", "messenger"], default=[])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--settle", type=float, default=5, help="seconds after start-up before counting")
    args = ap.parse_args()
    roots = [os.path.abspath(c) for c in args.checkout] or [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    for _ in range(args.rounds):
        for setup in args.setup or ["default", "messenger"]:
            for root in roots:
                print(json.dumps(measure(args, root, setup)), flush=True)


if __name__ == "__main__":
    main()
