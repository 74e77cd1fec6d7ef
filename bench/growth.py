"""Growth (issue 19.4): how the web chat's cost grows with people, processes, conversations and turns.

Every simulated person is a new web session: a keep-alive connection of its own and the cookie the
server set on its first answer, sent back on its own later turns (never shared with anyone else). Every
answer is compared with the one the bot gave a probe person at start for the same national code and turn,
so a conversation split over two sessions (or any other wrong answer) is counted in ``wrong``.

One run prints one JSON line per measurement:
  * "scale": turns/s, p50/p99 and the bot's CPU per turn of the three-turn pension conversation
    (greet → «وضعیت مستمری» → national code) at each --users count with each --procs count of
    ``tamin-bot serve --workers N``, one Redis, the default modules (console on);
  * "memory": Redis ``INFO used_memory`` and ``MEMORY USAGE`` per key kind (count, bytes each, type, TTL
    range) after each --conversations total (cumulative: 10,000 then 100,000), with ``--redis`` a
    fresh server's db, and the PostgreSQL/SQLite rows per table the conversations left (``--database``);
  * "turns": Redis bytes of one conversation (every key it made) after 3, 10, 30 and 100 turns;
  * "idle": Redis commands and CPU a second of the idle server (before each "scale" set);
  * ``--only clone``: grows a db the "memory" measure filled (kept with ``--keep``, or left by an
    interrupted run) to each --conversations total by copying its conversations' keys, for counts the
    machine cannot drive in the time (the step to 100,000 in docs/BENCHMARKS.md).

    nice -n 5 env PYTHONPATH=$PWD .venv/bin/python bench/growth.py --redis redis://127.0.0.1:6425/6 \\
        --base-port 8450 --only scale --seconds 8
    nice -n 5 env PYTHONPATH=$PWD .venv/bin/python bench/growth.py --redis redis://127.0.0.1:6425/6 \\
        --base-port 8450 --only memory --conversations 10000 100000 \\
        --database postgresql://postgres@127.0.0.1:5432/test_growth
    nice -n 5 env PYTHONPATH=$PWD .venv/bin/python bench/growth.py --redis redis://127.0.0.1:6425/6 \\
        --base-port 8450 --only turns --procs 1
    nice -n 5 env PYTHONPATH=$PWD .venv/bin/python bench/growth.py --redis redis://127.0.0.1:6425/6 \\
        --only clone --conversations 10000 100000 --empty-memory BYTES --keep
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vs_rasa import Conn, cpu_seconds, rss_bytes, wait_up  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NATIONAL_CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]
OPENING = ["سلام", "وضعیت مستمری"]  # then the national code
AGAIN = ["منو", "وضعیت مستمری"]  # turns past the third: back to the menu, ask again, the code again


def script(code: str, turns: int) -> list[str]:
    """What a person says in a conversation of ``turns`` turns."""
    out = [*OPENING, code]
    while len(out) < turns:
        out += [*AGAIN, code]
    return out[:turns]


# ---------------------------------------------------------------- one person, one web session

def answer_text(data: bytes) -> str:
    """The answer's messages' texts, joined (what the person reads)."""
    try:
        return "\n".join(m.get("text", "") for m in json.loads(data).get("messages", []))
    except (ValueError, AttributeError):
        return ""


@dataclass
class Tally:
    """What a run measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wrong: int = 0
    conversations: int = 0
    sample_wrong: list[str] = field(default_factory=list)


async def converse(conn: Conn, user: str, lines: list[str], tally: Tally | None,
                   expected: list[str] | None) -> list[str]:
    """One conversation as a new person: no cookie on the first turn, then the one the server set."""
    cookie, answers = "", []
    for i, text in enumerate(lines):
        body = json.dumps({"user": user, "text": text}, ensure_ascii=False).encode()
        t0 = time.perf_counter()
        try:
            status, headers, data = await conn.post("/api/chat", body, cookie)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            conn.close()
            if tally is not None:
                tally.errors += 1
            return answers
        if tally is not None:
            tally.latencies.append(time.perf_counter() - t0)
        if status != 200:
            if tally is not None:
                tally.errors += 1
            return answers
        if "set-cookie" in headers:
            if cookie and tally is not None:
                tally.wrong += 1  # a second session for the same person: the cookie was not kept
            cookie = headers["set-cookie"].split(";", 1)[0]
        answers.append(answer_text(data))
        if expected is not None and tally is not None and answers[-1] != expected[i]:
            tally.wrong += 1
            if len(tally.sample_wrong) < 3:
                tally.sample_wrong.append(f"turn {i + 1} {text!r}: {answers[-1][:80]!r}")
    return answers


def probe(url: str, turns: int) -> dict[str, list[str]]:
    """The answers a probe person gets for each national code's conversation of ``turns`` turns."""
    async def run() -> dict[str, list[str]]:
        out = {}
        for code in NATIONAL_CODES:
            conn = Conn(url)
            out[code] = await converse(conn, f"probe-{code}", script(code, turns), None, None)
            conn.close()
        return out
    got = asyncio.run(run())
    if any(len(v) != turns for v in got.values()):
        raise SystemExit(f"the probe conversation failed: {got}")
    return got


async def people(url: str, users: int, talks: Callable[[], Iterator[int]], turns: int, tag: str,
                 expected: dict[str, list[str]], tally: Tally) -> None:
    """``users`` at a time, each a connection of its own holding one new person's conversation after another."""
    source = talks()

    async def one(n: int) -> None:
        conn = Conn(url)
        try:
            for k in source:
                code = NATIONAL_CODES[k % len(NATIONAL_CODES)]
                tally.conversations += 1
                await converse(conn, f"{tag}-{k}", script(code, turns), tally, expected[code])
        finally:
            conn.close()
    await asyncio.gather(*(one(n) for n in range(users)))


def until(seconds: float) -> Callable[[], Iterator[int]]:
    """Conversation numbers until ``seconds`` from the first one."""
    def gen() -> Iterator[int]:
        stop, k = time.perf_counter() + seconds, 0
        while time.perf_counter() < stop:
            yield k
            k += 1
    return gen


def count(n: int, start: int = 0) -> Callable[[], Iterator[int]]:
    """Conversation numbers ``start`` … ``start + n - 1``."""
    return lambda: iter(range(start, start + n))


def summary(tally: Tally, elapsed: float) -> dict:
    """Turns/s and latency percentiles of a tally."""
    lat = sorted(tally.latencies)
    pick = (lambda q: round(1000 * lat[min(len(lat) - 1, int(len(lat) * q))], 1)) if lat else (lambda q: None)
    return {"turns": len(lat), "conversations": tally.conversations, "errors": tally.errors, "wrong": tally.wrong,
            "seconds": round(elapsed, 1), "turns_per_s": round(len(lat) / elapsed, 1) if elapsed else None,
            "p50_ms": pick(0.5), "p99_ms": pick(0.99), **({"wrong_sample": tally.sample_wrong} if tally.wrong else {})}


# ---------------------------------------------------------------- the server

class Bot:
    """``tamin-bot serve --workers N`` (the simulator in-process, the default modules) on a port of ours."""

    def __init__(self, args: argparse.Namespace, procs: int) -> None:
        port = args.base_port
        env = dict(os.environ, REDIS_URL=args.redis, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
        if args.modules is not None:
            env["MODULES"] = args.modules
        if args.database:
            env["DATABASE_URL"] = args.database
        for k in [k for k in env if k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_", "TAMIN_BACKEND_URL"))]:
            env.pop(k)
        self.log = open(f"/tmp/growth-serve-{port}.log", "wb")
        self.proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "tamin-bot"), "serve", "--port",
                                      str(port), "--workers", str(procs)], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"
        wait_up("bot", self.url, 900)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def load() -> str:
    """The 1/5/15-minute load average."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------- measures

def redis_work(r: redis.Redis) -> tuple[int, float]:
    """The Redis server's commands processed and CPU seconds (user + system) so far."""
    info = r.info()
    return info["total_commands_processed"], info["used_cpu_user"] + info["used_cpu_sys"]


def scale(args: argparse.Namespace) -> None:
    """Turns/s and p99 at each people count, for each process count; Redis commands and CPU per turn."""
    r = redis.Redis.from_url(args.redis)
    for procs in args.procs:
        r.flushdb()
        bot = Bot(args, procs)
        try:
            expected = probe(bot.url, 3)
            (c0, u0), t0 = redis_work(r), time.perf_counter()
            time.sleep(5)
            (c1, u1), idle_s = redis_work(r), time.perf_counter() - t0
            print(json.dumps({"measure": "idle", "serve_procs": procs, "seconds": round(idle_s, 1),
                              "redis_cmds_per_s": round((c1 - c0) / idle_s), "redis_cpu_ms_per_s":
                              round(1000 * (u1 - u0) / idle_s, 1), "load": load()}), flush=True)
            for users in args.users:
                asyncio.run(people(bot.url, users, until(args.warmup), 3, f"w{procs}-{users}", expected, Tally()))
                tally, cpu0, load0, t0 = Tally(), cpu_seconds(bot.proc.pid), load(), time.perf_counter()
                rc0, ru0 = redis_work(r)
                asyncio.run(people(bot.url, users, until(args.seconds), 3, f"m{procs}-{users}", expected, tally))
                elapsed, cpu = time.perf_counter() - t0, cpu_seconds(bot.proc.pid) - cpu0
                rc1, ru1 = redis_work(r)
                row = summary(tally, elapsed)
                turns_n = max(row["turns"], 1)
                print(json.dumps({"measure": "scale", "serve_procs": procs, "users": users, **row,
                                  # background polls included (they slow down when the process is busy)
                                  "redis_cmds_per_turn_all": round((rc1 - rc0) / turns_n, 1),
                                  "redis_cpu_ms_per_turn_all": round(1000 * (ru1 - ru0) / turns_n, 3),
                                  "bot_cpu_ms_per_turn": round(1000 * cpu / turns_n, 2),
                                  "bot_rss_mb": round(rss_bytes(bot.proc.pid) / 2**20), "load": f"{load0} → {load()}",
                                  "cores": os.cpu_count()}, ensure_ascii=False), flush=True)
        finally:
            bot.close()


FAMILY = [(re.compile(r"web-[A-Za-z0-9_-]{43}"), "{web-session}"), (re.compile(r"w[0-9a-f]{32}"), "{conversation}"),
          (re.compile(r"[0-9a-f]{16,}"), "{hex}"), (re.compile(r"\d{5,}"), "{n}"),
          (re.compile(r"\{q[\d.]+\}"), "{q*}"), (re.compile(r"console-idle-\d+"), "console-idle-*")]


def family(key: bytes) -> str:
    """A key with its person-specific parts replaced by a placeholder: its kind."""
    k = key.decode(errors="replace")
    for pattern, name in FAMILY:
        k = pattern.sub(name, k)
    return k


def key_kinds(r: redis.Redis, sample: int = 3000) -> dict[str, dict]:
    """Per key kind: how many, ``MEMORY USAGE`` each (mean of up to ``sample``), type and TTL range (s)."""
    kinds: dict[str, list[bytes]] = {}
    for k in r.scan_iter(count=5000):
        kinds.setdefault(family(k), []).append(k)
    out = {}
    for name, keys in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        some = keys[:sample]
        pipe = r.pipeline(transaction=False)
        for k in some:
            pipe.memory_usage(k, samples=0)
            pipe.ttl(k)
        got = pipe.execute()
        sizes, ttls = got[0::2], got[1::2]
        mean = sum(s or 0 for s in sizes) / len(some)
        out[name] = {"keys": len(keys), "type": r.type(some[0]).decode(), "bytes_each": round(mean),
                     "bytes_total": round(mean * len(keys)),
                     "ttl_s": f"{min(ttls)}–{max(ttls)}" if min(ttls) != max(ttls) else str(ttls[0])}
    return out


def database_rows(url: str | None) -> dict[str, int]:
    """Rows per table of the bot's database (``DATABASE_URL``), zero-row tables left out."""
    if not url:
        return {}
    from sqlalchemy import inspect, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage import database_url

    async def run() -> dict[str, int]:
        eng = create_async_engine(database_url(url))
        try:
            async with eng.connect() as c:
                tables = await c.run_sync(lambda sync: inspect(sync).get_table_names())
                return {t: (await c.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar() for t in tables}
        finally:
            await eng.dispose()
    return {t: n for t, n in asyncio.run(run()).items() if n}


def memory(args: argparse.Namespace) -> None:
    """Redis memory and key kinds after each conversation total; then one conversation's bytes by turns."""
    r = redis.Redis.from_url(args.redis)
    r.flushdb()
    bot = Bot(args, args.procs[-1])
    try:
        expected = probe(bot.url, 3)
        base_mem, done, t0 = r.info("memory")["used_memory"], 0, time.perf_counter()
        for total in sorted(args.conversations):
            tally, t1, cpu0 = Tally(), time.perf_counter(), cpu_seconds(bot.proc.pid)
            asyncio.run(people(bot.url, args.mem_users, count(total - done, done), 3, "mem", expected, tally))
            cpu, done = cpu_seconds(bot.proc.pid) - cpu0, total
            info = r.info("memory")
            used = info["used_memory"] - base_mem
            print(json.dumps({"measure": "memory", "conversations": total, **summary(tally, time.perf_counter() - t1),
                              "bot_cpu_ms_per_turn": round(1000 * cpu / max(1, len(tally.latencies)), 2),
                              "used_memory_bytes": info["used_memory"], "used_memory_over_empty": used,
                              "used_memory_dataset": info.get("used_memory_dataset"),
                              "bytes_per_conversation": round(used / total), "keys": r.dbsize(),
                              "kinds": key_kinds(r), "db_rows": database_rows(args.database),
                              "elapsed_s": round(time.perf_counter() - t0), "load": load()}, ensure_ascii=False),
                  flush=True)
    finally:
        bot.close()


def turns(args: argparse.Namespace) -> None:
    """One conversation's Redis bytes (every key it made) after 3, 10, 30 and 100 turns."""
    r = redis.Redis.from_url(args.redis)
    r.flushdb()
    bot = Bot(args, args.procs[-1])
    try:
        for n_turns in args.turns:
            r.flushdb()
            expected_t = probe(bot.url, n_turns)
            r.flushdb()
            tally = Tally()
            asyncio.run(people(bot.url, 10, count(20), n_turns, f"t{n_turns}", expected_t, tally))
            kinds = key_kinds(r)
            total_bytes = sum(v["bytes_total"] for v in kinds.values())
            print(json.dumps({"measure": "turns", "turns": n_turns, "conversations": 20, "errors": tally.errors,
                              "wrong": tally.wrong, "redis_bytes_per_conversation": round(total_bytes / 20),
                              "kinds": {k: v["bytes_each"] * v["keys"] // 20 for k, v in kinds.items()},
                              "load": load()}, ensure_ascii=False), flush=True)
    finally:
        bot.close()


CONVERSATION_KINDS = (b"tamin:s:{web:w", b"tamin:cv:{web:w")


def clone(args: argparse.Namespace) -> None:
    """Grow a db that real conversations filled to each ``--conversations`` total by copying their keys.

    Each copy is one conversation's keys (its session and its console transcript, ``DUMP``/``RESTORE`` with
    their remaining TTL) under a new conversation key, and its member in the console's index of services:
    the real server's values and kinds at a count the machine could not drive in the time.
    """
    r = redis.Redis.from_url(args.redis)
    sessions = [k for k in r.scan_iter(match="tamin:s:{web:w*", count=5000)]
    real = len(sessions)
    shards = {}
    for shard in r.scan_iter(match="tamin:console:idle:*", count=100):
        for member, score in r.zrange(shard, 0, -1, withscores=True):
            shards[member] = (shard, score)
    for total in sorted(args.conversations):
        have = len([1 for _ in r.scan_iter(match="tamin:s:{web:w*", count=5000)])
        made, i = 0, 0
        while have + made < total:
            pipe = r.pipeline(transaction=False)
            batch = []
            for _ in range(min(500, total - have - made)):
                src = sessions[i % real]
                i += 1
                conv = src[len(b"tamin:s:{web:"):-1]
                new = b"w" + os.urandom(16).hex().encode()
                for prefix in CONVERSATION_KINDS:
                    key = prefix[:-1] + conv + b"}"
                    pipe.dump(key)
                    pipe.pttl(key)
                batch.append((conv, new))
            got = pipe.execute()
            pipe = r.pipeline(transaction=False)
            for j, (conv, new) in enumerate(batch):
                for m, prefix in enumerate(CONVERSATION_KINDS):
                    value, ttl = got[4 * j + 2 * m], got[4 * j + 2 * m + 1]
                    if value is not None:
                        pipe.restore(prefix[:-1] + new + b"}", max(ttl, 0), value)
                if b"web:" + conv in shards:  # the index's members are the engine's keys
                    shard, score = shards[b"web:" + conv]
                    pipe.zadd(shard, {b"web:" + new: score})
            pipe.execute()
            made += len(batch)
        info = r.info("memory")
        used = info["used_memory"] - args.empty_memory
        print(json.dumps({"measure": "memory", "conversations": total, "real_conversations": real,
                          "copied_conversations": total - real, "used_memory_bytes": info["used_memory"],
                          "used_memory_over_empty": used, "used_memory_dataset": info.get("used_memory_dataset"),
                          "bytes_per_conversation": round(used / total), "keys": r.dbsize(), "kinds": key_kinds(r),
                          "load": load()}, ensure_ascii=False), flush=True)


def main() -> None:
    """Parse the options and run the measures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/6", help="a db of its own (flushed)")
    ap.add_argument("--base-port", type=int, default=8450, help="the bot's port")
    ap.add_argument("--modules", default=None, help="MODULES for the bot (default: unset, the default modules)")
    ap.add_argument("--database", default=None, help="DATABASE_URL for the bot (default: its SQLite file)")
    ap.add_argument("--users", type=int, nargs="+", default=[16, 64, 256])
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--conversations", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--mem-users", type=int, default=64, help="people at a time during the memory measure")
    ap.add_argument("--turns", type=int, nargs="+", default=[3, 10, 30, 100])
    ap.add_argument("--only", choices=["scale", "memory", "turns", "clone"], default=None)
    ap.add_argument("--empty-memory", type=int, default=0, help="clone: used_memory of the db's server when empty")
    ap.add_argument("--keep", action="store_true", help="leave the db as it is at the end (for --only clone)")
    args = ap.parse_args()
    if args.only in (None, "scale"):
        scale(args)
    if args.only in (None, "memory"):
        memory(args)
    if args.only in (None, "turns"):
        turns(args)
    if args.only == "clone":
        clone(args)
    if not args.keep:
        redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
