"""Fault suite of the durable parts (issue 16): each case prints messages sent, lost, duplicated, and
the longest wait of a person the fault did not touch.

    .venv/bin/python bench/faults.py --redis redis://127.0.0.1:6404/11            # every case
    .venv/bin/python bench/faults.py --redis redis://127.0.0.1:6404/11 --cases kill,chatty --outage 60

Real Redis (the database given is FLUSHED), real HTTP to a fake Bot API (tests/fakes/botapi.py), the
real ingress, limiter and Telegram door; workers are separate processes (``--worker``), killed with
SIGKILL in the ``kill`` case. The engine is an echo (``re <text>``), so every reply names its update.
The ``cluster`` case starts a Redis Cluster (3 masters + 3 replicas) on free loopback ports, or on
``TAMIN_TEST_CLUSTER_PORTS`` (e.g. ``7411-7416``; the cluster bus on port + 10000).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.botapi import FakeBotAPI  # noqa: E402

TOKEN = "777:faults"
PREFIX = "bf:ing"


class BenchBotAPI(FakeBotAPI):
    """The test fake plus an outage switch (502, as a proxy before an unreachable Bot API answers)."""

    def __init__(self) -> None:
        self.down = False
        super().__init__()

    def handle(self, path: str, p: dict[str, Any]) -> tuple[int, Any]:
        if self.down and path.lower().endswith("/sendmessage"):
            self.record(token="", method="sendMessage", params=p, status=502)
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return super().handle(path, p)

    def replies(self) -> dict[str, list[float]]:
        """Successful sends by text ("re m<uid>") -> their times."""
        out: dict[str, list[float]] = {}
        with self.lock:
            for c in self.calls:
                if c["method"].lower() == "sendmessage" and c["status"] == 200:
                    out.setdefault(str(c["params"].get("text")), []).append(c["t"])
        return out


class Echo:
    """The engine of the bench: one reply naming the update."""

    async def handle(self, inbound: Any) -> list[Any]:
        from bot.engine.messages import Outbound

        return [Outbound(f"re {inbound.text}")]


def make_runtime(redis_url: str, api: str, lease: float, cluster: bool = False) -> Any:
    """The channels runtime with the Telegram door on the fake Bot API and the echo engine."""
    from bot.channels.config import ChannelSettings
    from bot.channels.messenger import MessengerDoor
    from bot.channels.runtime import Runtime
    from bot.engine.messages import Channel

    cfg = ChannelSettings(ingress_lease_seconds=lease, ingress_prefix=PREFIX)
    rt = Runtime(SimpleNamespace(redis_url=redis_url, redis_cluster=cluster), Echo(), cfg)
    rt.add(MessengerDoor(Channel.TELEGRAM, TOKEN, api, rt.engine, rt.limiter, cfg))
    return rt


async def _worker(args: argparse.Namespace) -> None:
    rt = make_runtime(args.redis, args.api, args.lease, args.cluster)
    rt.start(args.tasks)
    print("ready", flush=True)
    await asyncio.Event().wait()


class Bench:
    """The shared pieces of one case: the fake, the producer, worker processes, the tally."""

    def __init__(self, redis_url: str, lease: float, cluster: bool = False) -> None:
        self.redis_url, self.lease, self.cluster = redis_url, lease, cluster
        self.api = BenchBotAPI()
        self.posted: dict[int, tuple[int, float]] = {}  # uid -> (chat, time)
        self.uid = int(time.time() * 1000) % 10**9
        self.procs: list[subprocess.Popen] = []
        self._ingress = None

    async def ingress(self) -> Any:
        if self._ingress is None:
            from bot.channels.ingress import RedisIngress, redis_client

            self._ingress = RedisIngress(redis_client(self.redis_url, self.cluster), prefix=PREFIX)
        return self._ingress

    async def post(self, chat: int) -> None:
        """Accept one update of ``chat`` (as the webhook does), retrying like Telegram until accepted."""
        from bot.channels.ingress import Item

        self.uid += 1
        uid = self.uid
        upd = {"update_id": uid, "message": {"message_id": uid, "date": int(time.time()),
                                             "chat": {"id": chat, "type": "private", "first_name": "x"},
                                             "from": {"id": chat, "is_bot": False, "first_name": "x"},
                                             "text": f"m{uid}"}}
        self.posted[uid] = (chat, time.time())
        ing = await self.ingress()
        for _ in range(100):
            try:
                await ing.accept(Item(f"telegram:{uid}", f"telegram:{chat}", "telegram", upd))
                return
            except Exception:
                await asyncio.sleep(0.1)
        raise RuntimeError("never accepted")

    def worker(self, tasks: int = 4) -> subprocess.Popen:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--redis", self.redis_url, "--api",
               self.api.url, "--tasks", str(tasks), "--lease", str(self.lease)] + (["--cluster"] if self.cluster
                                                                                 else [])
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout.readline().strip() == "ready"
        self.procs.append(proc)
        return proc

    def first_reply(self, uids) -> dict[int, float]:
        got = self.api.replies()
        return {u: min(got[f"re m{u}"]) for u in uids if f"re m{u}" in got}

    async def wait_all(self, uids, limit: float) -> float:
        t0 = time.time()
        while time.time() - t0 < limit and len(self.first_reply(uids)) < len(uids):
            await asyncio.sleep(0.2)
        return time.time() - t0

    def tally(self, uids=None) -> dict[str, int]:
        got = self.api.replies()
        uids = list(self.posted) if uids is None else uids
        counts = [len(got.get(f"re m{u}", [])) for u in uids]
        return {"sent": len(uids), "lost": sum(1 for n in counts if n == 0),
                "duplicated": sum(max(n - 1, 0) for n in counts)}

    def in_order(self) -> bool:
        """Every chat's replies arrived in the order of its updates."""
        got = self.api.replies()
        by_chat: dict[int, list[tuple[float, int]]] = {}
        for uid, (chat, _) in self.posted.items():
            if f"re m{uid}" in got:
                by_chat.setdefault(chat, []).append((min(got[f"re m{uid}"]), uid))
        return all([u for _, u in sorted(v)] == sorted(u for _, u in v) for v in by_chat.values())

    def waits(self, uids) -> list[float]:
        first = self.first_reply(uids)
        return [first[u] - self.posted[u][1] for u in uids if u in first]

    async def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(5)
        if self._ingress is not None:
            await self._ingress.aclose()
        self.api.release()
        self.api.stop()


def flush(url: str) -> None:
    import redis

    r = redis.Redis.from_url(url)
    r.flushdb()
    r.close()


async def case_kill(url: str, lease: float, probe_after: float = 1.0, **_: Any) -> dict[str, Any]:
    """Worker 1 holds 4 people (their sends hang), 1,200 updates of 400 people wait, worker 1 is kill -9ed;
    5 new people write ``probe_after`` seconds later."""
    b = Bench(url, lease)
    try:
        w1, w2 = b.worker(), b.worker()
        w2.send_signal(signal.SIGSTOP)
        b.api.hold()
        victims = [5_000 + i for i in range(4)]
        for v in victims:
            await b.post(v)
        t0 = time.time()
        while len(b.api.held) < 4 and time.time() - t0 < 20:
            await asyncio.sleep(0.05)
        backlog = [6_000 + i for i in range(400)]
        for _ in range(3):
            for c in backlog:
                await b.post(c)
        w1.send_signal(signal.SIGKILL)
        w1.wait(5)
        t_kill = time.time()
        b.api.release()
        w2.send_signal(signal.SIGCONT)
        await asyncio.sleep(probe_after)
        probes = [9_000 + i for i in range(5)]
        for p in probes:
            await b.post(p)
        await b.wait_all(list(b.posted), 180)
        victim_uids = [u for u, (c, _) in b.posted.items() if c in victims]
        served = b.first_reply(victim_uids)
        probe_uids = [u for u, (c, _) in b.posted.items() if c in probes]
        return {"case": "kill", **b.tally(), "longest_wait_unaffected_s": round(max(b.waits(probe_uids)), 1),
                "victims_served_after_kill_s": sorted(round(t - t_kill, 1) for t in served.values()),
                "lease_s": lease, "probes_after_kill_s": probe_after, "backlog_drained_after_kill_s": round(
                    max(b.first_reply(list(b.posted)).values()) - t_kill, 1), "in_order": b.in_order()}
    finally:
        await b.close()


async def case_chatty(url: str, lease: float, **_: Any) -> dict[str, Any]:
    """One worker process (4 tasks): 4 chats send 40 messages each, then 5 other people write."""
    b = Bench(url, lease)
    try:
        b.worker()
        chatty = [7_000 + i for i in range(4)]
        for _ in range(40):
            for c in chatty:
                await b.post(c)
        await asyncio.sleep(1.0)
        quiet = [7_100 + i for i in range(5)]
        for q in quiet:
            await b.post(q)
        quiet_uids = [u for u, (c, _) in b.posted.items() if c in quiet]
        await b.wait_all(list(b.posted), 120)
        return {"case": "chatty", **b.tally(), "longest_wait_unaffected_s": round(max(b.waits(quiet_uids)), 2),
                "chatty_drained_s": round(max(b.first_reply(list(b.posted)).values()) - min(
                    t for _, t in b.posted.values()), 1), "in_order": b.in_order()}
    finally:
        await b.close()


async def case_outage(url: str, lease: float, outage: float = 60.0, **_: Any) -> dict[str, Any]:
    """The Bot API answers 502 for ``outage`` seconds while 30 people write 3 messages each."""
    b = Bench(url, lease)
    try:
        b.worker()
        b.api.down = True
        t_down = time.time()
        people = [8_000 + i for i in range(30)]
        for _ in range(3):
            for c in people:
                await b.post(c)
            await asyncio.sleep(1.0)
        await asyncio.sleep(max(0.0, t_down + outage - time.time()))
        b.api.down = False
        t_up = time.time()
        probe = 8_500
        await b.post(probe)  # someone who writes just after the recovery
        await b.wait_all(list(b.posted), 120)
        first = b.first_reply(list(b.posted))
        probe_uid = max(u for u, (c, _) in b.posted.items() if c == probe)
        return {"case": f"outage{int(outage)}s", **b.tally(),
                "longest_wait_unaffected_s": round(max(b.waits([probe_uid])), 1),
                "all_delivered_after_recovery_s": round(max(first.values()) - t_up, 1), "in_order": b.in_order(),
                "failed_tries": sum(1 for c in b.api.calls if c.get("status") == 502)}
    finally:
        await b.close()


async def case_rasa(url: str, lease: float, **_: Any) -> dict[str, Any]:
    """A Rasa server that accepts and never answers: 20 parses."""
    from bot.nlu.rasa import RasaBackend
    from tests.durable.test_hung_rasa import HungServer

    hung = HungServer()
    try:
        rasa = RasaBackend(hung.url, timeout=2.0)
        times, unparsed = [], 0
        for _ in range(20):
            t0 = time.perf_counter()
            try:
                got = await rasa.aparse("سلام، سابقه بیمه‌ام را می‌خواهم")
                unparsed += not (got.get("intent") or {}).get("name")
            except Exception:
                unparsed += 1
            times.append(time.perf_counter() - t0)
        return {"case": "hung_rasa", "sent": 20, "lost": unparsed, "duplicated": 0,
                "longest_wait_unaffected_s": round(max(times[1:]), 3), "first_parse_s": round(times[0], 2),
                "rasa_connections": len(hung.accepted)}
    finally:
        hung.close()


async def case_nogroup(url: str, lease: float, **_: Any) -> dict[str, Any]:
    """The notices' Redis is FLUSHed while a consumer reads: notices added after the flush all arrive."""
    import logging

    from bot.notify.model import Notice
    from bot.notify.queue import NoticeQueue
    from bot.notify.runtime import make_redis

    errors: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage())

    logging.getLogger("tamin.notify").addHandler(Catch())
    client = make_redis(url)
    q = NoticeQueue(client, prefix="bf:notify", consumer="c1")
    await q.ensure_group()
    seen: set[str] = set()
    stop = asyncio.Event()

    async def consume() -> None:
        while not stop.is_set():
            try:
                entries = await q.read(20, 100)
                seen.update(e.notice.event_id for e in entries if e.notice)
                await q.ack(entries)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(1.0)

    task = asyncio.create_task(consume())
    for i in range(20):
        await q.put([Notice(f"B-{i}", "3100000000", "sms", "09150000000", "debt_raised", id=i + 1)])
    await asyncio.sleep(0.5)
    await client.flushdb()
    t_flush = time.time()
    for i in range(20, 40):
        await q.put([Notice(f"B-{i}", "3100000000", "sms", "09150000000", "debt_raised", id=i + 1)])
    while len(seen) < 40 and time.time() - t_flush < 20:
        await asyncio.sleep(0.05)
    stop.set()
    await task
    await client.aclose()
    after = {f"B-{i}" for i in range(20, 40)}
    return {"case": "notify_flushdb", "sent": 20, "lost": len(after - seen), "duplicated": 0,
            "longest_wait_unaffected_s": round(time.time() - t_flush, 2), "errors_after_flush": len(errors)}


async def case_lock(url: str, lease: float, **_: Any) -> dict[str, Any]:
    """10 turns of one person at once, each twice as long as the lock's lease (0.5 s); a turn refused as
    busy tries again (as the ingress does) for up to 30 s: do two ever overlap, does one never run?"""
    from bot.engine.store import RedisStore

    store = RedisStore.from_url(url, prefix="bf:lk:")
    running, overlaps, done, refused = [0], [0], [0], [0]

    async def turn() -> None:
        end = time.time() + 30
        while time.time() < end:
            try:
                async with store.lock("telegram:1", timeout=0.5):
                    running[0] += 1
                    overlaps[0] += running[0] > 1
                    await asyncio.sleep(1.0)
                    running[0] -= 1
                    done[0] += 1
                    return
            except TimeoutError:
                refused[0] += 1

    await asyncio.gather(*(turn() for _ in range(10)))
    await store.close()
    return {"case": "turn_longer_than_lock", "sent": 10, "lost": 10 - done[0], "duplicated": 0,
            "longest_wait_unaffected_s": None, "overlapping_turns": overlaps[0], "turns_run": done[0],
            "times_refused_busy": refused[0]}


async def case_cluster(url: str, lease: float, **_: Any) -> dict[str, Any]:
    """The ingress on a Redis Cluster (its shards on every master): 20 people write once a second for 10 s;
    at 5 s the busiest master fails over."""
    from tests.durable.redis_cluster import RedisClusterProcs
    from tests.durable.test_cluster import _keys_per_master

    procs = RedisClusterProcs().start()
    b = Bench(procs.url, lease, cluster=True)
    try:
        b.worker()
        people = [9_500 + i for i in range(20)]  # 20 messages a second: within the bot's 30/s
        failed_over = None
        rounds: list[int] = []  # the first update id of each second
        on_failed: list[int] = []  # people whose shard is on the master that fails over (the fault's own)
        for n in range(10):
            if n == 5:  # the master holding the most ingress keys fails over
                held = await asyncio.to_thread(_keys_per_master, procs, f"{PREFIX}:*")
                old = max(held, key=held.get)
                ing = await b.ingress()
                on_failed = [c for c in people if await asyncio.to_thread(procs.master_of, ing.shard(f"telegram:{c}"))
                             == old]
                failed_over = await asyncio.to_thread(procs.failover_master, old)
            rounds.append(b.uid + 1)
            for c in people:
                await b.post(c)
            await asyncio.sleep(1.0)  # each person writes once a second: within their own send rate
        await b.wait_all(list(b.posted), 120)
        others = [u for u, (c, _) in b.posted.items() if c not in on_failed]
        per_second = [round(max(b.waits([u for u in others if lo <= u < hi]), default=0.0), 1)
                      for lo, hi in zip(rounds, [*rounds[1:], b.uid + 1], strict=True)]
        affected = [u for u, (c, _) in b.posted.items() if c in on_failed]
        return {"case": "cluster_failover", **b.tally(), "longest_wait_unaffected_s": round(max(b.waits(others)), 1),
                "longest_wait_on_the_failed_master_s": round(max(b.waits(affected), default=0.0), 1),
                "people_on_the_failed_master": len(on_failed), "unaffected_longest_wait_per_second_s": per_second, "in_order": b.in_order(), "failover": failed_over,
            "ingress_keys_per_master": sorted((await asyncio.to_thread(_keys_per_master, procs, f"{PREFIX}:*"))
                                              .values())}
    finally:
        await b.close()
        procs.stop()


CASES = {"kill": case_kill, "chatty": case_chatty, "outage": case_outage, "rasa": case_rasa,
         "nogroup": case_nogroup, "lock": case_lock, "cluster": case_cluster}


async def main(args: argparse.Namespace) -> None:
    for name in args.cases.split(","):
        if name not in ("rasa", "cluster"):
            flush(args.redis)
        result = await CASES[name](args.redis, args.lease, outage=args.outage, probe_after=args.probe_after)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    flush(args.redis)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="a Redis database to FLUSH and use")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated, of: " + ",".join(CASES))
    ap.add_argument("--lease", type=float, default=6.0, help="ingress lease (seconds; INGRESS_LEASE_SECONDS)")
    ap.add_argument("--outage", type=float, default=60.0, help="Bot API outage (seconds)")
    ap.add_argument("--probe-after", type=float, default=1.0,
                    help="kill: seconds after the kill the 5 new people write")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--api", help=argparse.SUPPRESS)
    ap.add_argument("--tasks", type=int, default=4, help=argparse.SUPPRESS)
    ap.add_argument("--cluster", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_worker(a) if a.worker else main(a))
