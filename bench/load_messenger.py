"""Messenger load: simulated Telegram users holding the three-turn pension conversation through the webhook.

It starts the back-end simulator, the bot's webhook server (``tamin-bot serve``, INGRESS_WORKERS=0, so it
only validates and queues) and 1 or 2 ``tamin-bot worker`` processes (the durable ingress, sessions and
limits in the real Redis), and serves a stand-in Bot API (aiohttp, in this process) that answers
sendMessage/answerCallbackQuery like the real one and notes when each chat's replies arrive. U simulated
people then each hold the conversation (/start → «وضعیت مستمری» → national code) again and again, each
time in a new chat, posting every update to ``/webhooks/telegram/<secret>`` with the secret header and
waiting for the bot's reply to reach the Bot API before the next turn. Everything is on loopback.

    .venv/bin/python bench/load_messenger.py --worker-procs 1 --users 32 --seconds 15
    .venv/bin/python bench/load_messenger.py --worker-procs 2 --users 32 --seconds 15
    .venv/bin/python bench/load_messenger.py --worker-procs 2 --users 32 --global-rate 30   # Telegram's 30/s

A turn's latency runs from the webhook POST to the arrival at the Bot API of the last message of that
turn's reply; "accept" is the webhook's own answer time (validate + durable queue in Redis). The per-chat
limit (1/s, burst 3) holds as configured; the per-bot limit (30/s on Telegram) is lifted by default so the
pipeline's capacity is measured, ``--global-rate 30`` puts it back.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import sys
import time
from collections import defaultdict

import aiohttp
import redis
from aiohttp import web

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import cpu_seconds, free_port, start, wait_up  # noqa: E402

TOKEN, SECRET = "123456:load-test-token", "load-Secret_42"
NATIONAL_CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]
SCRIPT = ["/start", "وضعیت مستمری"]  # then the national code


class BotApi:
    """The stand-in Bot API: every send is timestamped per chat and wakes whoever waits for that chat."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.waiters: dict[int, tuple[int, asyncio.Future]] = {}
        self.ids = itertools.count(1000)
        self.sends = self.callbacks = self.parse_modes = 0
        self.watch: dict[int, list[str]] = {}  # chats whose reply texts are kept (the calibration)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if request.content_type == "application/json":
            p = await request.json()
        else:
            p = dict(await request.post())
        if method == "answercallbackquery":
            self.callbacks += 1
            return web.json_response({"ok": True, "result": True})
        if method not in ("sendmessage", "senddocument"):
            return web.json_response({"ok": True, "result": True})
        now = time.perf_counter()
        chat = int(p["chat_id"])
        self.sends += 1
        if "parse_mode" in p:
            self.parse_modes += 1
        if chat in self.watch:
            self.watch[chat].append(str(p.get("text", ""))[:60])
        got = self.arrivals[chat]
        got.append(now)
        waiter = self.waiters.get(chat)
        if waiter is not None and len(got) >= waiter[0] and not waiter[1].done():
            waiter[1].set_result(None)
        return web.json_response({"ok": True, "result": {
            "message_id": next(self.ids), "date": int(time.time()), "text": p.get("text", ""),
            "chat": {"id": chat, "type": "private"}, "from": {"id": 4242, "is_bot": True, "first_name": "Tamin"}}})

    async def wait(self, chat: int, n: int, timeout: float) -> float | None:
        """The arrival time of the chat's ``n``-th message (None after ``timeout``)."""
        got = self.arrivals[chat]
        if len(got) < n:
            fut = asyncio.get_running_loop().create_future()
            self.waiters[chat] = (n, fut)
            try:
                await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                return None
            finally:
                self.waiters.pop(chat, None)
        return got[n - 1]

    async def serve(self, port: int) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner


class Driver:
    """U people posting webhook updates; turn and accept latencies."""

    def __init__(self, base: str, api: BotApi, procs: list, expect: list[int] | None = None) -> None:
        self.url = f"{base}/webhooks/telegram/{SECRET}"
        self.api, self.expect, self.procs = api, expect, procs
        self.update_ids = itertools.count(1)
        self.chats = itertools.count(7_000_000_000)
        self.turns: list[float] = []
        self.accepts: list[float] = []
        self.errors: list[str] = []
        self.profiling = False
        self.redis_url = ""
        self.redis = [0, 0]

    def profile_toggle(self) -> None:
        """Switch the bot's profilers on or off (``--profile``: the measured run only, not the start-up)."""
        if self.profiling:
            for p in self.procs:
                os.kill(p.pid, signal.SIGUSR1)

    def update(self, chat: int, text: str) -> dict:
        user = {"id": chat, "is_bot": False, "first_name": "بار"}
        return {"update_id": next(self.update_ids), "message": {
            "message_id": next(self.update_ids), "date": int(time.time()), "from": user,
            "chat": {"id": chat, "type": "private", "first_name": "بار"}, "text": text}}

    async def post(self, http: aiohttp.ClientSession, chat: int, text: str) -> float:
        t0 = time.perf_counter()
        async with http.post(self.url, json=self.update(chat, text),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"webhook answered {r.status}")
        self.accepts.append(time.perf_counter() - t0)
        return t0

    async def calibrate(self, http: aiohttp.ClientSession) -> list[int]:
        """Messages the bot sends for each turn (counted once, with a quiet wait)."""
        chat, counts = next(self.chats), []
        self.api.watch[chat] = []
        for text in [*SCRIPT, NATIONAL_CODES[0]]:
            before = len(self.api.arrivals[chat])
            await self.post(http, chat, text)
            await self.api.wait(chat, before + 1, 15)
            while True:  # quiet for 0.5 s: the turn's answer is complete
                n = len(self.api.arrivals[chat])
                await asyncio.sleep(0.5)
                if len(self.api.arrivals[chat]) == n:
                    break
            counts.append(len(self.api.arrivals[chat]) - before)
        return counts

    async def person(self, http: aiohttp.ClientSession, n: int, stop: float, record: bool) -> None:
        while time.perf_counter() < stop:
            chat, total = next(self.chats), 0
            for i, text in enumerate([*SCRIPT, NATIONAL_CODES[n % len(NATIONAL_CODES)]]):
                total += self.expect[i]
                try:
                    t0 = await self.post(http, chat, text)
                except (aiohttp.ClientError, RuntimeError) as exc:
                    self.errors.append(repr(exc))
                    break
                arrived = await self.api.wait(chat, total, 10)
                if arrived is None:
                    self.errors.append(f"no reply to turn {i + 1} within 10 s")
                    break
                if record:
                    self.turns.append(arrived - t0)

    async def run(self, users: int, seconds: float) -> None:
        conn = aiohttp.TCPConnector(limit=users + 4, force_close=False)
        async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=30)) as http:
            self.expect = self.expect or await self.calibrate(http)
            warm = time.perf_counter() + 3
            await asyncio.gather(*(self.person(http, n, warm, False) for n in range(users)))
            self.turns.clear()
            self.accepts.clear()
            self.errors.clear()
            self.profile_toggle()
            redis0 = redis_counts(self.redis_url)
            each0, own0 = [cpu_seconds(p.pid) for p in self.procs], time.process_time()
            t0 = time.perf_counter()
            await asyncio.gather(*(self.person(http, n, t0 + seconds, True) for n in range(users)))
            self.elapsed = time.perf_counter() - t0
            self.profile_toggle()
            self.each = [round(cpu_seconds(p.pid) - c, 2) for p, c in zip(self.procs, each0, strict=True)]
            self.redis = [b - a for a, b in zip(redis0, redis_counts(self.redis_url), strict=True)]
            self.cpu = sum(self.each)
            self.own_cpu = time.process_time() - own0


def redis_counts(url: str) -> list[int]:
    """The Redis server's commands so far and its EVALSHA calls (INFO; the whole server, not the db)."""
    if not url:
        return [0, 0]
    r = redis.Redis.from_url(url)
    return [int(r.info("stats")["total_commands_processed"]),
            int(r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))]


def pct(values: list[float], q: float) -> float | None:
    v = sorted(values)
    return round(1000 * v[min(int(len(v) * q), len(v) - 1)], 1) if v else None


async def bench(args: argparse.Namespace, base: str, api_port: int, procs: list) -> dict:
    api = BotApi()
    runner = await api.serve(api_port)
    try:
        driver = Driver(base, api, procs)
        driver.profiling = bool(args.profile)
        driver.redis_url = args.redis
        await driver.run(args.users, args.seconds)
    finally:
        await runner.cleanup()
    turns = len(driver.turns)
    return {
        "turns": turns, "errors": len(driver.errors), "seconds": round(driver.elapsed, 1),
        "turns_per_s": round(turns / driver.elapsed, 1),
        "turn_p50_ms": pct(driver.turns, 0.5), "turn_p99_ms": pct(driver.turns, 0.99),
        "accept_p50_ms": pct(driver.accepts, 0.5), "accept_p99_ms": pct(driver.accepts, 0.99),
        "messages_per_turn": driver.expect, "bot_api_sends": api.sends, "sends_with_parse_mode": api.parse_modes,
        "bot_cpu_seconds": round(driver.cpu, 1),
        "turns_per_bot_cpu_second": round(turns / driver.cpu, 1) if driver.cpu else None,
        "cpu_seconds_server_then_workers": driver.each,
        "cpu_ms_per_turn_server_then_workers": [round(1000 * c / turns, 2) if turns else None for c in driver.each],
        "redis_commands_per_turn": round(driver.redis[0] / turns, 1) if turns else None,
        "evalsha_per_turn": round(driver.redis[1] / turns, 1) if turns else None,
        "load_average": os.getloadavg(),
        "driver_and_bot_api_cpu_seconds": round(driver.own_cpu, 1),
        "calibration_replies": next(iter(api.watch.values()), []),
        "first_errors": driver.errors[:3],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker-procs", type=int, default=1, help="tamin-bot worker processes")
    ap.add_argument("--tasks", type=int, default=None, help="worker tasks per process (default: users)")
    ap.add_argument("--serve-procs", type=int, default=1, help="webhook server processes")
    ap.add_argument("--users", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--global-rate", type=float, default=100_000, help="messages/s per bot (Telegram: 30)")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    ap.add_argument("--profile", default="",
                    help="a folder: profile the bot (cProfile, the measured run only), one .prof file each")
    ap.add_argument("--base-port", type=int, default=0,
                    help="simulator, bot and Bot API on this port and the next two (default: free ports)")
    args = ap.parse_args()

    redis.Redis.from_url(args.redis).flushdb()
    bin_dir = os.path.dirname(sys.executable)
    if args.base_port:
        sim_port, bot_port, api_port = args.base_port, args.base_port + 1, args.base_port + 2
    else:
        sim_port, bot_port, api_port = free_port(), free_port(), free_port()
    env = dict(os.environ, REDIS_URL=args.redis, TAMIN_BACKEND_URL=f"http://127.0.0.1:{sim_port}",
               MODULES="messenger", PUBLIC_BASE_URL=f"http://127.0.0.1:{bot_port}",
               TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=f"http://127.0.0.1:{api_port}",
               TELEGRAM_WEBHOOK_SECRET=SECRET, INGRESS_WORKERS="0", RATE_GLOBAL_PER_SECOND=str(args.global_rate))
    for k in [k for k in env if k.startswith(("BALE_", "KAVENEGAR_"))]:
        env.pop(k)
    procs = [start([f"{bin_dir}/tamin-bot", "simulator", "--port", str(sim_port)], env)]

    def bot(name: str, *argv: str) -> list[str]:
        if not args.profile:
            return [f"{bin_dir}/tamin-bot", *argv]
        os.makedirs(args.profile, exist_ok=True)
        return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiled.py"),
                os.path.join(args.profile, f"{name}.prof"), f"{bin_dir}/tamin-bot", *argv]

    try:
        wait_up(f"http://127.0.0.1:{sim_port}/v1/persons/0016383230")
        procs.append(start(bot("serve", "serve", "--port", str(bot_port), "--workers", str(args.serve_procs)), env))
        tasks = str(args.tasks or args.users)
        for i in range(args.worker_procs):
            procs.append(start(bot(f"worker{i}", "worker", "--tasks", tasks), env))
        base = f"http://127.0.0.1:{bot_port}"
        wait_up(base + "/healthz", 600)
        result = asyncio.run(bench(args, base, api_port, procs[1:]))
        dead = redis.Redis.from_url(args.redis).llen("tamin:ing:{q}:dead")
        alive = all(p.poll() is None for p in procs)
        result.update({"dead_letters": dead, "all_processes_alive": alive, "worker_procs": args.worker_procs,
                       "tasks_per_worker": int(tasks), "serve_procs": args.serve_procs, "users": args.users,
                       "global_rate": args.global_rate, "cores": os.cpu_count()})
        print(json.dumps(result, ensure_ascii=False))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except Exception:
                p.kill()
        redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
