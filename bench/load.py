"""Load generator: many simulated people holding real multi-turn conversations with the bot.

It starts the back-end simulator and the bot (N worker processes, sessions in real Redis) as
separate processes, then drives U concurrent users through the web chat (and, with
--door telegram, through the Telegram webhook) and reports turns per second, p50/p99 turn
latency and Redis memory per conversation. Compare with Rasa 3.6.21's REST channel (66 turns/s,
p99 485 ms, 8.3 KB per conversation growing every turn) on the same kind of machine.

    .venv/bin/python bench/load.py --workers 1 --users 16 --seconds 20
    .venv/bin/python bench/load.py --workers 2 --users 32 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NATIONAL_CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def start(cmd: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def one_user(client: httpx.AsyncClient, base: str, n: int, stop: float, latencies: list, turns_per_talk: int,
                   errors: list) -> None:
    """One person: the three-turn pension conversation (greet, ask, national code), again and again."""
    talk = 0
    while time.perf_counter() < stop:
        user = f"load-{n}-{talk}"
        script = ["سلام", "وضعیت مستمری", NATIONAL_CODES[n % len(NATIONAL_CODES)]]
        script += ["0912000010" + str(n % 10)] * max(0, turns_per_talk - 3)
        for text in script:
            t0 = time.perf_counter()
            try:
                r = await client.post(f"{base}/api/chat", json={"user": user, "text": text})
                r.raise_for_status()
            except httpx.HTTPError as exc:
                errors.append(repr(exc))
                continue
            latencies.append(time.perf_counter() - t0)
        talk += 1


async def drive(base: str, users: int, seconds: float, turns_per_talk: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        # warm up every worker process: a few seconds of the same load, not counted
        warm_stop = time.perf_counter() + 4
        await asyncio.gather(*(one_user(client, base, 10_000 + n, warm_stop, [], turns_per_talk, [])
                               for n in range(users)))
        t0 = time.perf_counter()
        stop = t0 + seconds
        await asyncio.gather(*(one_user(client, base, n, stop, latencies, turns_per_talk, errors)
                               for n in range(users)))
        elapsed = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "turns": len(lat), "errors": len(errors), "seconds": round(elapsed, 1),
        "turns_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
        "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 1) if lat else None,
        "mean_ms": round(1000 * statistics.mean(lat), 1) if lat else None,
    }


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for child in open(f"/proc/{p}/task/{p}/children").read().split():
                todo.append(int(child))
        except OSError:
            continue
    return total


def drive_wrk(base: str, users: int, seconds: float) -> dict:
    """The same conversation driven by wrk: one thread and one connection per person."""
    script = os.path.join(ROOT, "bench", "conversation.lua")
    out = subprocess.run(["wrk", "-t", str(users), "-c", str(users), "-d", f"{int(seconds)}s", "--timeout", "10s",
                          "-s", script, base], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("{"))
    r = json.loads(line)
    return {"turns": r["requests"], "errors": r["errors"], "seconds": r["seconds"],
            "turns_per_s": round(r["requests"] / r["seconds"], 1), "p50_ms": r["p50_ms"], "p90_ms": r["p90_ms"],
            "p99_ms": r["p99_ms"], "max_ms": r["max_ms"]}


def redis_per_conversation(url: str) -> dict:
    r = redis.Redis.from_url(url)
    keys = list(r.scan_iter("tamin:s:*", count=1000))
    sizes = [r.memory_usage(k) or 0 for k in keys[:2000]]
    value = [len(r.get(k) or b"") for k in keys[:2000]]
    extra = {}
    transcript = [k for k in r.scan_iter("tamin:c[bm]:*", count=1000)]
    if transcript:
        extra["console_transcript_bytes_per_conversation"] = round(
            sum(r.memory_usage(k) or 0 for k in transcript[:4000]) / max(1, len(keys)))
    return {"sessions": len(keys), "bytes_per_session_in_redis": round(statistics.mean(sizes)) if sizes else 0,
            "json_bytes_per_session": round(statistics.mean(value)) if value else 0, **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--users", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--turns", type=int, default=3, help="turns in each conversation (3 is the Rasa yardstick)")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    ap.add_argument("--modules", default="", help="optional parts installed (e.g. ops,console); default none")
    ap.add_argument("--driver", choices=["wrk", "python"], default="wrk",
                    help="wrk (Debian's, C: the load costs little CPU) or the Python client")
    args = ap.parse_args()

    redis.Redis.from_url(args.redis).flushdb()
    bin_dir = os.path.dirname(sys.executable)
    sim_port, bot_port = free_port(), free_port()
    env = dict(os.environ, REDIS_URL=args.redis, TAMIN_BACKEND_URL=f"http://127.0.0.1:{sim_port}", MODULES=args.modules,
               PUBLIC_BASE_URL=f"http://127.0.0.1:{bot_port}")
    for k in [k for k in env if k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_"))]:
        env.pop(k)
    procs = [start([f"{bin_dir}/tamin-bot", "simulator", "--port", str(sim_port)], env)]
    try:
        wait_up(f"http://127.0.0.1:{sim_port}/v1/persons/0016383230")
        procs.append(start([f"{bin_dir}/tamin-bot", "serve", "--port", str(bot_port), "--workers", str(args.workers)],
                           env))
        base = f"http://127.0.0.1:{bot_port}"
        wait_up(base + "/healthz")
        if args.driver == "wrk":
            asyncio.run(drive(base, args.users, 4, args.turns))  # warm up every process
        cpu0 = cpu_seconds(procs[1].pid)
        if args.driver == "wrk":
            result = drive_wrk(base, args.users, args.seconds)
        else:
            result = asyncio.run(drive(base, args.users, args.seconds, args.turns))
        cpu = cpu_seconds(procs[1].pid) - cpu0
        result["bot_cpu_seconds"] = round(cpu, 1)
        result["turns_per_cpu_second"] = round(result["turns"] / cpu, 1) if cpu else None
        result.update(redis_per_conversation(args.redis))
        result.update({"modules": args.modules, "driver": args.driver, "workers": args.workers, "users": args.users, "turns_per_talk": args.turns,
                       "cores": os.cpu_count()})
        print(json.dumps(result, ensure_ascii=False))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
