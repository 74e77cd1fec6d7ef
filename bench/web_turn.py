"""CPU of one web-chat turn inside the bot's ASGI app, without the HTTP server (issue 19).

Builds the app as ``tamin-bot serve`` does (settings from the environment: default modules, ``REDIS_URL``),
runs its start-up, then holds the three-turn pension conversation (greet → «وضعیت مستمری» → national code)
through the app's ASGI interface, ``--concurrency`` people at a time, each conversation a new person with
their own session cookie. Prints the process CPU per turn; ``--profile FILE`` writes a cProfile of the
measured turns (read it with ``python -m pstats FILE``).

    REDIS_URL=redis://127.0.0.1:6421/4 PYTHONPATH=$PWD .venv/bin/python bench/web_turn.py --turns 3000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
NATIONAL_CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]
SCRIPT = ["سلام", "وضعیت مستمری"]


def cpu() -> float:
    """This process's user + system CPU seconds (every thread)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def post(app, body: bytes, cookie: bytes) -> tuple[int, bytes, bytes]:
    """One ``POST /api/chat`` through the ASGI app: status, body and the cookie it set (if any)."""
    headers = [(b"host", b"127.0.0.1:8420"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if cookie:
        headers.append((b"cookie", cookie))
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/chat", "raw_path": b"/api/chat", "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8420),
             "state": {}}
    sent = False
    out: dict = {"status": 0, "body": b"", "cookie": b""}

    async def receive() -> dict:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            for k, v in message.get("headers", ()):
                if k == b"set-cookie":
                    out["cookie"] = v.split(b";", 1)[0]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"], out["cookie"]


async def conversation(app, n: int, expected: list[str] | None) -> int:
    """The three-turn conversation as a new person; the number of wrong or failed turns."""
    cookie, bad = b"", 0
    for i, text in enumerate([*SCRIPT, NATIONAL_CODES[n % 4]]):
        body = json.dumps({"user": f"p{n}", "text": text}, ensure_ascii=False).encode()
        status, data, set_cookie = await post(app, body, cookie)
        cookie = set_cookie or cookie
        if status != 200 or (expected is not None and json.loads(data)["messages"][0]["text"] != expected[i]):
            bad += 1
            if bad == 1:
                print(json.dumps({"bad_turn": i, "status": status, "answer": data.decode()[:200]}, ensure_ascii=False),
                      file=sys.stderr)
    return bad


async def run(args: argparse.Namespace) -> dict:
    from bot.app import create_app
    from bot.settings import settings_for_serving

    app = create_app(settings_for_serving("http://127.0.0.1:8420"))
    async with app.router.lifespan_context(app):
        first: list[str] = []
        cookie = b""
        for text in [*SCRIPT, NATIONAL_CODES[0]]:  # the answers every conversation must get
            body = json.dumps({"user": "first", "text": text}, ensure_ascii=False).encode()
            _, data, set_cookie = await post(app, body, cookie)
            cookie = set_cookie or cookie
            first.append(json.loads(data)["messages"][0]["text"])
        conversations = max(1, args.turns // 3)
        counter = iter(range(conversations + args.warmup))

        async def person() -> int:
            bad = 0
            for n in counter:
                bad += await conversation(app, n, first)
            return bad

        warm = iter(range(args.warmup))
        for _ in warm:
            await conversation(app, 10_000_000, first)
        counter = iter(range(conversations))
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
        c0, t0 = cpu(), time.perf_counter()
        bad = sum(await asyncio.gather(*(person() for _ in range(args.concurrency))))
        c1, t1 = cpu(), time.perf_counter()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    turns = conversations * 3
    return {"turns": turns, "bad_turns": bad, "cpu_ms_per_turn": round(1000 * (c1 - c0) / turns, 3),
            "wall_ms_per_turn": round(1000 * (t1 - t0) / turns, 3), "concurrency": args.concurrency,
            "load_average": [round(x, 1) for x in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=30, help="conversations before measuring")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--profile", default="", help="write a cProfile of the measured turns here")
    args = ap.parse_args()
    try:  # the event loop ``tamin-bot serve`` runs on (uvicorn takes uvloop where it is installed)
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    print(json.dumps(runner(run(args))), flush=True)


if __name__ == "__main__":
    main()
