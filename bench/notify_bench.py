"""Notifications benchmark: notices through the real Redis queue to the fake Bot API and fake Kavenegar.

    .venv/bin/python bench/notify_bench.py throughput --n 100000 --workers 4   # limits off
    .venv/bin/python bench/notify_bench.py throughput --n 10000 --workers 2 --code /work/wt-base  # another checkout
    .venv/bin/python bench/notify_bench.py rate --rate 30 --seconds 20          # limits on
    .venv/bin/python bench/notify_bench.py kill --n 20000 --workers 3          # kill -9 in mid-run

Workers are separate ``tamin-bot notify worker`` processes (of this checkout, or of ``--code DIR`` for a side
by side); the fakes (bench/notify_fakes.py, a raw asyncio server) run in a process of their own, and every
run checks that each notice was received exactly once. The workers' CPU is counted from when every worker
reads the queue and its first batch is done (start-up and first connections are not a notice's cost).
DATABASE_URL (default: a fresh SQLite file) and BENCH_REDIS_URL (default db 11, flushed) choose the stores;
BENCH_PROFILE=DIR runs each worker under cProfile (DIR/worker<i>.prof).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.notify.model import BackendEvent  # noqa: E402
from tests.fakes.botapi import FakeBotAPI  # noqa: E402
from tests.fakes.kavenegar import FakeKavenegar  # noqa: E402
from tests.support.servers import free_port  # noqa: E402


class Fakes:
    """The fake Bot API and Kavenegar: the fast aiohttp ones in a process of their own, or tests/fakes."""

    def __init__(self, kind: str, array: bool = True) -> None:
        self.kind = kind
        if kind == "tests":
            self.bot, self.kav = FakeBotAPI(), FakeKavenegar()
            self.bot_url, self.kav_url = self.bot.url, self.kav.url
            return
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "notify_fakes.py"), "--port", str(port),
                                      *([] if array else ["--no-sendarray"])], stdout=subprocess.PIPE, text=True)
        self.bot_url = self.kav_url = self.proc.stdout.readline().strip()
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"{self.bot_url}/_stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)

    def _stats(self) -> dict:
        import httpx

        return httpx.get(f"{self.bot_url}/_stats", timeout=60).json()

    def received(self) -> collections.Counter:
        """Every message the fakes accepted, by recipient."""
        if self.kind != "tests":
            return collections.Counter(self._stats()["received"])
        got: collections.Counter = collections.Counter()
        for c in self.bot.calls_of("sendMessage"):
            if c["status"] == 200:
                got[f"tg:{c['params']['chat_id']}"] += 1
        for c in self.kav.messages():
            got[f"sms:{c['params']['receptor']}"] += 1
        return got

    def pid(self) -> int | None:
        """The fakes' own process (its CPU is not the workers')."""
        return None if self.kind == "tests" else self.proc.pid

    def calls(self) -> dict:
        """Requests the fakes answered, by method."""
        if self.kind == "tests":
            return {}
        return self._stats()["calls"]

    def bot_times(self) -> list[float]:
        """When the Bot API accepted each message."""
        if self.kind != "tests":
            return sorted(self._stats()["bot_times"])
        return sorted(c["t"] for c in self.bot.calls_of("sendMessage") if c["status"] == 200)

    def close(self) -> None:
        if self.kind == "tests":
            self.bot.stop()
            self.kav.stop()
        else:
            self.proc.kill()
            self.proc.wait()

TOKEN = "424242:bench-token"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def events(n: int, messenger_share: float) -> tuple[list[BackendEvent], list[dict]]:
    """``n`` article 38 notices to distinct people; a share of them linked to a Telegram chat."""
    out, links = [], []
    every = max(int(round(1 / messenger_share)), 1) if messenger_share > 0 else 0
    for i in range(n):
        nc = f"{4000000000 + i}"
        if every and i % every == 0:
            links.append({"subject": f"nc:{nc}", "channel": "telegram", "user_id": str(10_000_000 + i),
                          "mobile": None, "linked_at": time.time()})
        out.append(BackendEvent(f"B-{i}", "article38_certificate_issued", {
            "contract": "1404-3817", "number": f"38-1405-{i:06d}", "date": "1405-09-03",
            "recipients": [{"national_code": nc, "mobile": f"09{100000000 + i:09d}"}]}))
    return out, links


def env(db_url: str, fakes: Fakes, **extra: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": REDIS, "DATABASE_URL": db_url, "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": fakes.bot_url, "KAVENEGAR_API_KEY": "k" * 24, "KAVENEGAR_API_BASE": fakes.kav_url,
            "KAVENEGAR_SENDER": "10004346",
            "NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00", "PYTHONPATH": str(ROOT), **extra}


async def load(db_url: str, n: int, share: float, **cfg) -> tuple[float, object]:
    """Migrate, flush Redis, link accounts and queue ``n`` notices; returns the seconds it took."""
    import redis as sync_redis
    from sqlalchemy import insert, text

    from bot.notify.config import NotifySettings
    from bot.notify.models import links
    from bot.notify.runtime import Notify
    from bot.settings import Settings
    from bot.storage import Database

    sync_redis.Redis.from_url(REDIS).flushdb()
    db = Database(db_url)
    await db.migrate()
    async with db.engine.begin() as conn:  # a fresh run on a reused database
        for table in ("notify_notices", "notify_links", "notify_events", "notify_cursors", "notify_optouts"):
            await conn.execute(text(f"DELETE FROM {table}"))
    settings = Settings(redis_url=REDIS, database_url=db_url, telegram_bot_token=TOKEN)
    notify = Notify.from_settings(settings, db, cfg=NotifySettings(**cfg))
    await notify.prepare()
    evs, rows = events(n, share)
    if rows:
        async with db.engine.begin() as conn:
            for i in range(0, len(rows), 5000):
                await conn.execute(insert(links), rows[i:i + 5000])
    t0 = time.perf_counter()
    for i in range(0, len(evs), 2000):
        await notify.intake.accept(evs[i:i + 2000], "campaign", campaign="bench")
    took = time.perf_counter() - t0
    return took, (notify, db)


async def finished(notify, total: int, timeout: float, tick=None) -> float:
    """Wait until every notice is finished in the ledger; returns when that happened."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        per = await notify.ledger.progress("bench")
        done = sum(d for d, _ in per.values())
        if tick:
            tick(done)
        if done >= total:
            return time.perf_counter()
        await asyncio.sleep(0.25)
    raise TimeoutError(f"only {done} of {total} finished")


async def servers(notify, db) -> list[int]:
    """The pids of this run's Redis server and of the PostgreSQL backends of its database (same machine)."""
    from sqlalchemy import text

    pids = []
    try:
        pids.append(int((await notify.redis.info("server"))["process_id"]))
    except Exception:
        pass
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
            pids += [int(r[0]) for r in rows]
    return pids


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {p: cpu_seconds([p]) for p in pids}


async def warmed(notify, workers: int, first: int) -> int:
    """Wait until every worker reads the queue and ``first`` notices are done (start-up and each worker's first
    batch: imports, catalog, connections); returns how many were done then. CPU is counted from there."""
    streams = list(notify.queue("bench").streams.values())
    while True:
        names = set()
        for stream in streams:
            try:
                names |= {c["name"] for c in await notify.redis.xinfo_consumers(stream, notify.cfg.group)}
            except Exception:
                pass
        done = sum(d for d, _ in (await notify.ledger.progress("bench")).values())
        if len({n for n in names if n not in (b"setup", "setup", b"intake", "intake")}) >= workers and done >= first:
            return done
        await asyncio.sleep(0.05)


def spawn(n: int, environ: dict[str, str], code: Path = ROOT) -> list[subprocess.Popen]:
    """``n`` worker processes of the checkout at ``code`` (this one, or another for a side by side)."""
    environ = {**environ, "PYTHONPATH": str(code)}
    prof = os.environ.get("BENCH_PROFILE")  # a folder: each worker runs under cProfile, written there at exit
    return [subprocess.Popen([sys.executable, *(["-m", "cProfile", "-o", f"{prof}/worker{i}.prof"] if prof else []),
                              "-m", "bot.cli", "notify", "worker"], env=environ, cwd=code,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(n)]


def cpu_seconds(procs: list) -> float:
    """User and system CPU the processes (``Popen``s or pids) have used so far (Linux ``/proc``)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for p in procs:
        try:
            fields = Path(f"/proc/{getattr(p, 'pid', p)}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def expected(n: int, share: float) -> set[str]:
    evs, links = events(n, share)
    linked = {row["subject"][3:]: row["user_id"] for row in links}
    return {f"tg:{linked[e.payload['recipients'][0]['national_code']]}"
            if e.payload["recipients"][0]["national_code"] in linked else f"sms:{e.payload['recipients'][0]['mobile']}"
            for e in evs}


def db_url_of(args: argparse.Namespace) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"


def exactly_once(got: collections.Counter, n: int, share: float) -> str:
    """What the fakes received against what was due: each person once, nobody else."""
    want = expected(n, share)
    lost = len(want - set(got))
    twice = sum(c - 1 for k, c in got.items() if c > 1)
    stray = sum(c for k, c in got.items() if k not in want)
    verdict = "every notice received exactly once" if not (lost or twice or stray) else "NOT EXACTLY ONCE"
    return f"received {sum(got.values())}, lost {lost}, twice {twice}, unexpected {stray}: {verdict}"


async def throughput(args: argparse.Namespace) -> None:
    fakes = Fakes(args.fakes, not args.no_sendarray)
    url = db_url_of(args)
    code = Path(args.code).resolve() if args.code else ROOT
    compact = code == ROOT and not args.wide_entries  # an older checkout reads only field-by-field entries
    took, (notify, db) = await load(url, args.n, args.share, limits=False, compact_entries=compact)
    print(f"queued {args.n} notices in {took:.1f}s ({args.n / took:.0f}/s) on {url.split(':')[0]}")
    t0 = time.perf_counter()
    procs = spawn(args.workers, env(url, fakes, NOTIFY_LIMITS="false", NOTIFY_CONCURRENCY=str(args.concurrency),
                                   NOTIFY_BATCH=str(args.batch), NOTIFY_COMPACT_ENTRIES=str(compact).lower()), code)
    done0 = await warmed(notify, args.workers, args.workers * args.batch * 2)
    cpu0, fake0, t1 = cpu_seconds(procs), cpu_seconds([fakes.pid()] if fakes.pid() else []), time.perf_counter()
    srv0 = cpu_by_pid(await servers(notify, db))
    try:
        end = await finished(notify, args.n, 3600)
        cpu = cpu_seconds(procs) - cpu0
        fake_cpu = cpu_seconds([fakes.pid()] if fakes.pid() else []) - fake0
        srv1 = cpu_by_pid(await servers(notify, db))
    finally:
        stop(procs)
    srv_cpu = sum(v - srv0.get(p, 0.0) for p, v in srv1.items())
    secs, counted = end - t0, args.n - done0
    got = fakes.received()
    print(f"code {code.name}: sent {args.n} notices with {args.workers} worker(s) in {secs:.1f}s: "
          f"{args.n / secs:.0f} notices/s from the workers' start (limits off); once warm "
          f"{counted} in {end - t1:.1f}s: {counted / max(end - t1, 1e-9):.0f} notices/s; workers' CPU "
          f"{cpu * 1000 / max(counted, 1):.3f} ms a notice (the fakes' {fake_cpu * 1000 / max(counted, 1):.3f}, "
          f"Redis and the database's {srv_cpu * 1000 / max(counted, 1):.3f}; all three on 2 cores: at most "
          f"{2000 / max((cpu + fake_cpu + srv_cpu) * 1000 / max(counted, 1), 1e-9):.0f} notices/s); "
          f"load average {os.getloadavg()[0]:.1f}; requests {fakes.calls()}")
    print(exactly_once(got, args.n, args.share))
    await notify.aclose()
    await db.dispose()
    fakes.close()


async def rate(args: argparse.Namespace) -> None:
    fakes = Fakes(args.fakes)
    url = db_url_of(args)
    n = int(args.rate * args.seconds)
    _, (notify, db) = await load(url, n, 1.0, limits=True)
    procs = spawn(args.workers, env(url, fakes, NOTIFY_LIMITS="true", NOTIFY_MESSENGER_RATE=str(args.rate)))
    try:
        await finished(notify, n, args.seconds * 3 + 60)
    finally:
        stop(procs)
    times = fakes.bot_times()
    overall = (len(times) - 1) / (times[-1] - times[0])
    burst = int(args.rate)
    steady = (len(times) - 1 - burst) / (times[-1] - times[burst])
    per_sec = collections.Counter(int(t - times[0]) for t in times)
    worst = max(per_sec[s] for s in range(1, int(times[-1] - times[0])))
    print(f"{len(times)} messages at a configured {args.rate}/s with {args.workers} worker(s): "
          f"{overall:.2f}/s overall (incl. the first {burst}-token burst), {steady:.2f}/s after the burst "
          f"({(steady / args.rate - 1) * 100:+.2f}%); busiest whole second after the first: {worst}")
    await notify.aclose()
    await db.dispose()
    fakes.close()


async def kill(args: argparse.Namespace) -> None:
    fakes = Fakes(args.fakes, not args.no_sendarray)
    url = db_url_of(args)
    code = Path(args.code).resolve() if args.code else ROOT
    _, (notify, db) = await load(url, args.n, args.share, limits=False)
    environ = env(url, fakes, NOTIFY_LIMITS="false", NOTIFY_LEASE_SECONDS="5", NOTIFY_CLAIM_IDLE_SECONDS="5",
                  NOTIFY_CONCURRENCY=str(args.concurrency))
    procs = spawn(args.workers, environ, code)
    killed_at = None

    def tick(done: int) -> None:
        nonlocal killed_at
        if killed_at is None and done >= args.n * args.at:
            os.kill(procs[0].pid, signal.SIGKILL)  # kill -9 of one worker in mid-run
            killed_at = done

    try:
        await finished(notify, args.n, 3600, tick)
    finally:
        stop(procs)
    got = fakes.received()
    states = collections.Counter(r["state"] for r in await notify.ledger.notices())
    print(f"code {code.name}: {args.n} notices, {args.workers} workers, worker 1 killed with SIGKILL at "
          f"{killed_at} finished: ledger {dict(states)}; requests {fakes.calls()}")
    print(exactly_once(got, args.n, args.share))
    await notify.aclose()
    await db.dispose()
    fakes.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--n", type=int, default=100_000)
    t.add_argument("--workers", type=int, default=4)
    t.add_argument("--concurrency", type=int, default=64)
    t.add_argument("--share", type=float, default=0.5, help="share of recipients with a linked messenger")
    t.add_argument("--batch", type=int, default=200)
    t.add_argument("--wide-entries", action="store_true", help="stream entries field by field (the default form)")
    r = sub.add_parser("rate")
    r.add_argument("--rate", type=float, default=30.0)
    r.add_argument("--seconds", type=float, default=20.0)
    r.add_argument("--workers", type=int, default=2)
    k = sub.add_parser("kill")
    k.add_argument("--n", type=int, default=20_000)
    k.add_argument("--workers", type=int, default=3)
    k.add_argument("--concurrency", type=int, default=64)
    k.add_argument("--share", type=float, default=0.5)
    k.add_argument("--at", type=float, default=0.3, help="kill when this share is finished")
    for p in (t, r, k):
        p.add_argument("--fakes", choices=("fast", "tests"), default="fast",
                       help="fast: bench/notify_fakes.py (raw asyncio); tests: tests/fakes (~700 requests/s)")
        p.add_argument("--no-sendarray", action="store_true",
                       help="the fake Kavenegar answers sendarray as unknown (as ../shared/acceptance/fakes.py)")
        p.add_argument("--code", help="run the workers of another checkout (e.g. a base worktree) for a side by side")
    args = parser.parse_args()
    asyncio.run({"throughput": throughput, "rate": rate, "kill": kill}[args.mode](args))


if __name__ == "__main__":
    main()
