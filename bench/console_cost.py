"""What the console's transcripts cost (issue 19, item 2): two ``tamin-bot serve`` processes side by side on
one Redis server, one with the default modules (console on) and one without the console, driven in
alternating rounds by the same 16 web-chat people (the three-turn pension conversation); then Redis bytes
per conversation with the console on after 3, 10 and 30 turns (``MEMORY USAGE`` of the session and the
console keys, and ``used_memory`` over many conversations, which also counts the console's index).

    PYTHONPATH=$PWD .venv/bin/python bench/console_cost.py --redis redis://127.0.0.1:6412 --ports 8412 8413 8414

One JSON line per measurement, then a summary line with the ranges and the on/off ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import NATIONAL_CODES, cpu_seconds, drive, start, wait_up  # noqa: E402

DEFAULT = "messenger,sms,notify,console,ops"


def _bot(bin_dir: str, args: argparse.Namespace, port: int, sim: int, db: int, modules: str, tmp: str):
    env = dict(os.environ, REDIS_URL=f"{args.redis}/{db}", TAMIN_BACKEND_URL=f"http://127.0.0.1:{sim}",
               MODULES=modules, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
               DATABASE_URL=f"sqlite:///{tmp}/bot-{port}.db")
    for k in [k for k in env if k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_"))]:
        env.pop(k)
    proc = start([f"{bin_dir}/tamin-bot", "serve", "--port", str(port), "--workers", "1"], env)
    return proc, f"http://127.0.0.1:{port}"


async def conversations(base: str, n: int, turns: int, users: int) -> int:
    """Hold ``n`` conversations of ``turns`` turns, ``users`` at a time, each person with a cookie jar of their
    own (one shared jar would split a conversation over several session cookies); how many turns failed."""
    import httpx

    failed, queue = 0, iter(range(n))

    async def person() -> None:
        nonlocal failed
        for k in queue:
            script = ["سلام", "وضعیت مستمری", NATIONAL_CODES[k % 4]] + ["09120000100"] * max(0, turns - 3)
            async with httpx.AsyncClient(base_url=base, timeout=120) as http:
                for text in script:
                    r = await http.post("/api/chat", json={"user": f"p-{k}", "text": text})
                    failed += r.status_code != 200
    await asyncio.gather(*(person() for _ in range(users)))
    return failed


def _bytes(r: redis.Redis, n: int) -> dict:
    """Per conversation, of the ``n`` held since the last flush (web keys name no user: all keys count)."""
    keys = list(r.scan_iter("*", count=1000))
    session = sum(r.memory_usage(k) or 0 for k in keys if b":s:" in k)
    console = sum(r.memory_usage(k) or 0 for k in keys if any(t in k for t in (b":cv:", b":cb:", b":cm:")))
    return {"session_b": round(session / n), "console_b": round(console / n), "total_b": round((session + console) / n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379", help="a Redis server (databases 6 and 7 are used)")
    ap.add_argument("--ports", type=int, nargs=3, default=[8412, 8413, 8414], help="simulator, console on, off")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--users", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--conversations", type=int, default=1000, help="for used_memory per conversation")
    ap.add_argument("--on", default=DEFAULT)
    ap.add_argument("--only", choices=["bytes"], help="skip the turn-rate rounds")
    ap.add_argument("--off", default=",".join(m for m in DEFAULT.split(",") if m != "console"))
    args = ap.parse_args()
    bin_dir = os.path.dirname(sys.executable)
    sim_port, on_port, off_port = args.ports
    dbs = {"on": 6, "off": 7}
    for db in dbs.values():
        redis.Redis.from_url(f"{args.redis}/{db}").flushdb()
    tmp = tempfile.mkdtemp(prefix="console-cost-")
    env = dict(os.environ)
    procs = [start([f"{bin_dir}/tamin-bot", "simulator", "--port", str(sim_port)], env)]
    try:
        wait_up(f"http://127.0.0.1:{sim_port}/v1/persons/0016383230", 300)
        bots = {}
        for name, port, modules in (("on", on_port, args.on), ("off", off_port, args.off)):
            proc, base = _bot(bin_dir, args, port, sim_port, dbs[name], modules, tmp)
            procs.append(proc)
            bots[name] = (proc, base)
        for _, base in bots.values():
            wait_up(base + "/healthz", 300)
        runs: dict[str, list[dict]] = {"on": [], "off": []}
        for i in range(args.rounds if args.only != "bytes" else 0):
            for name in (("on", "off") if i % 2 == 0 else ("off", "on")):
                proc, base = bots[name]
                cpu0 = cpu_seconds(proc.pid)
                r = asyncio.run(drive(base, args.users, args.seconds, 3))
                r["bot_cpu_ms_per_turn"] = round(1000 * (cpu_seconds(proc.pid) - cpu0) / max(r["turns"], 1), 2)
                r.update(measure="rate", console=name, round=i + 1, users=args.users)
                runs[name].append(r)
                print(json.dumps(r), flush=True)
        r = redis.Redis.from_url(f"{args.redis}/{dbs['on']}")
        for turns in (3, 10, 30):
            r.flushdb()
            asyncio.run(conversations(bots["on"][1], 20, turns, 10))
            print(json.dumps({"measure": "bytes", "console": "on", "turns": turns, **_bytes(r, 20)}), flush=True)
        r.flushdb()
        base_mem = r.info("memory")["used_memory"]
        t0 = time.perf_counter()
        failed = asyncio.run(conversations(bots["on"][1], args.conversations, 3, 16))
        used = r.info("memory")["used_memory"] - base_mem
        print(json.dumps({"measure": "used_memory", "console": "on", "conversations": args.conversations,
                          "failed_turns": failed, "seconds": round(time.perf_counter() - t0, 1),
                          "bytes_per_conversation": round(used / args.conversations), "keys": r.dbsize()}), flush=True)

        def span(name: str, field: str) -> str:
            vals = sorted(x[field] for x in runs[name])
            return f"{vals[0]}–{vals[-1]}"

        if not runs["on"]:
            return
        ratios = sorted(a["turns_per_s"] / b["turns_per_s"] for a, b in zip(runs["on"], runs["off"], strict=True))
        print(json.dumps({"measure": "summary", "rounds": args.rounds,
                          "on_turns_per_s": span("on", "turns_per_s"), "off_turns_per_s": span("off", "turns_per_s"),
                          "on_p99_ms": span("on", "p99_ms"), "off_p99_ms": span("off", "p99_ms"),
                          "on_cpu_ms_per_turn": span("on", "bot_cpu_ms_per_turn"),
                          "off_cpu_ms_per_turn": span("off", "bot_cpu_ms_per_turn"),
                          "on_over_off_turn_rate": f"{ratios[0]:.2f}–{ratios[-1]:.2f}"}, ensure_ascii=False), flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except Exception:
                p.kill()
        for db in dbs.values():
            redis.Redis.from_url(f"{args.redis}/{db}").flushdb()


if __name__ == "__main__":
    main()
