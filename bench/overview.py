"""«وضعیت من» benchmark: p50/p99 of the overview turn on the embedded default, over real HTTP.

    .venv/bin/python bench/overview.py                      # normal, slow (+50 ms per call) and one call hanging
    .venv/bin/python bench/overview.py --modes normal --n 400 --users 4

Starts ``tamin-bot serve`` with nothing configured (the embedded default: the simulator in-process,
sessions in memory, the dev outbox), proves five personas' identity once in the web chat, then times
``POST /api/chat {"text": "وضعیت من"}`` — a verified person asking for the whole overview, which reads
the back-end about a dozen times in parallel. Modes: ``normal`` (the simulator as it is), ``slow``
(every back-end call 50 ms late: parallel reads cost one delay, not twelve), ``hang`` (the military
read never answers: the turn ends at the overview's deadline with that part marked). One JSON line
per mode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from basics.digits import to_ascii  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

PERSONAS = [  # worker with a claim, two employers (one with a contract), a former insured, a pensioner
    ("0053081617", "09120000105"), ("0169896676", "09120000114"), ("0158165667", "09120000113"),
    ("0093337426", "09120000107"), ("0016383230", "09120000101"),
]
HANGING = "/v1/persons/0053081617/military"


def wait_up(url: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def verify(base: str, nc: str, mobile: str) -> httpx.Client:
    """A web-chat person (cookies kept) who has proven who they are."""
    c = httpx.Client(base_url=base, timeout=60)
    user = f"bench-{uuid.uuid4().hex[:8]}"
    for text in ("وضعیت من", nc, mobile):
        c.post("/api/chat", json={"user": user, "text": text}).raise_for_status()
    box = c.get("/dev/outbox").json()["messages"]
    code = next(re.search(r"\d{4,8}", to_ascii(m["text"])).group(0) for m in reversed(box) if m["to"] == mobile)
    answer = c.post("/api/chat", json={"user": user, "text": code}).json()["messages"]
    assert "خلاصه پرونده" in answer[0]["text"], answer
    c.headers["X-Bench-User"] = user
    return c


async def timed(people: list[tuple[dict, str]], n: int, users: int) -> tuple[list[float], list[str]]:
    """``n`` overview turns by ``users`` concurrent clients, round-robin over the verified people."""
    latencies: list[float] = []
    texts: list[str] = []
    counter = iter(range(n))

    async def worker(k: int) -> None:
        cookies, user = people[k % len(people)]
        async with httpx.AsyncClient(cookies=cookies, timeout=60) as c:
            for _ in counter:
                t0 = time.perf_counter()
                r = await c.post(BASE + "/api/chat", json={"user": user, "text": "وضعیت من"})
                latencies.append(time.perf_counter() - t0)
                r.raise_for_status()
                texts.append(r.json()["messages"][0]["text"])

    await asyncio.gather(*(worker(k) for k in range(users)))
    return latencies, texts


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fault(spec: dict) -> None:
    httpx.post(BASE + "/sim/_sim/faults", json=spec, timeout=10).raise_for_status()


BASE = ""


def main() -> None:
    global BASE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300, help="overview turns per mode (hang: a fifth of it)")
    ap.add_argument("--users", type=int, default=1, help="concurrent web-chat clients")
    ap.add_argument("--modes", default="normal,slow,hang")
    ap.add_argument("--port", type=int, default=0, help="the bot's port (default: a free one)")
    args = ap.parse_args()

    port = args.port or free_port()
    BASE = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_", "TAMIN_BACKEND", "REDIS_URL", "DATABASE_URL"))}
    env.update(PUBLIC_BASE_URL=BASE, OTP_MAX_SENDS="1000")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "tamin-bot"), "serve", "--port", str(port)], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(BASE + "/healthz")
        claim = {"leave_from": "1405-08-10", "leave_to": "1405-08-20", "test_date": "1405-08-10", "test_ref": "B-1",
                 "sheba": "IR490170000000001234567890"}
        httpx.post(BASE + "/sim/v1/persons/0053081617/sick-pay/claims", json=claim, timeout=10,
                   headers={"Idempotency-Key": uuid.uuid4().hex})
        clients = [verify(BASE, nc, mobile) for nc, mobile in PERSONAS]
        people = [(dict(c.cookies), c.headers["X-Bench-User"]) for c in clients]
        asyncio.run(timed(people, 30, 1))  # warm up
        for mode in args.modes.split(","):
            n, group = args.n, people
            if mode == "slow":
                fault({"mode": "slow", "delay": 0.05, "path_prefix": "/v1/"})
            elif mode == "hang":
                fault({"mode": "timeout", "path_prefix": HANGING})
                n, group = max(10, args.n // 5), people[:1]
            try:
                t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
                lat, texts = asyncio.run(timed(group, n, args.users))
                wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
            finally:
                fault({"mode": "ok"})
            marked = sum("پاسخ سامانه سازمان به‌موقع نرسید" in t for t in texts)
            print(json.dumps({
                "mode": mode, "turns": len(lat), "users": args.users,
                "p50_ms": round(pct(lat, 0.5) * 1000, 1), "p99_ms": round(pct(lat, 0.99) * 1000, 1),
                "max_ms": round(max(lat) * 1000, 1), "mean_ms": round(statistics.mean(lat) * 1000, 1),
                "turns_per_s": round(len(lat) / wall, 1), "server_cpu_ms_per_turn": round(cpu * 1000 / len(lat), 1),
                "answers_with_a_part_marked": marked, "cores": os.cpu_count(), "load_avg": os.getloadavg()[0],
            }, ensure_ascii=False), flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
