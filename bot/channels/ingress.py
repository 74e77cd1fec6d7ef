"""Durable ingress: accepted updates wait in per-user inboxes and workers handle them in order.

A worker claims a person, works on their head item, and hands them back: to the end of ``ready``
when more items wait (people take turns), to ``later`` when a send must wait, or unscheduled.
Expired leases (a crashed worker's people) and due parked people are served before anyone else;
people writing after a backlog built up are not queued behind all of it (the Redis layout and the
order of claims are in ``bot/channels/ingress_lua.py``). Nothing is lost; at worst one message is
sent twice (when the Bot API cannot be asked).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import time
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from basics.masking import mask_value
from basics.resp import Resp, RespError
from bot.channels import ingress_lua as lua
from bot.channels.deferral import Deferred, deferring

log = logging.getLogger("tamin.ingress")


@dataclass
class Item:
    """One accepted update: ``id`` deduplicates, ``user`` orders, ``payload`` is the raw update."""

    id: str
    user: str
    channel: str
    payload: dict[str, Any]
    ops: list[dict[str, Any]] | None = None  # what to send, once the engine has answered
    sent: int = 0
    attempts: int = 0  # engine runs (prepare) started
    fails: int = 0  # sends failed in a row
    since: float = 0.0  # when the first of those failures happened (epoch seconds)
    counted: bool = False  # this engine run is already in ``attempts`` (the Redis claim counts it)

    def entry(self) -> str:
        """The inbox entry (progress is kept apart)."""
        return json.dumps({"id": self.id, "user": self.user, "channel": self.channel, "payload": self.payload},
                          ensure_ascii=False)


class Handler(Protocol):
    """Turns an item into messages (``prepare``, runs the engine) and sends them (``deliver``)."""

    async def prepare(self, item: Item) -> list[dict[str, Any]]: ...
    async def deliver(self, item: Item, index: int, op: dict[str, Any]) -> None: ...


def masked(user: str) -> str:
    """A user key for logs: ``sms:09123456789`` -> ``sms:09*******89``."""
    channel, _, uid = user.partition(":")
    return f"{channel}:{mask_value(uid)}"


class LeaseLost(RuntimeError):
    """Another worker took this person over (our lease expired): stop before sending anything more."""


@dataclass
class _Lease:
    user: str
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    lost: bool = False
    shard: str = ""  # the Redis ingress's key prefix of the person's shard
    head: Item | None = None  # the head item, when the claim read it already
    done: bool = False  # acked and handed back in one call (nothing left to release)
    index: int = -1  # the shard's number (what its wake-ups name)


class Ingress(ABC):
    """Per-user ordered queues with retries and a dead-letter list; workers call ``run``.

    A worker handles ONE item of a person per claim and hands the person back (to the end of the
    ready list) when more wait: people are served round-robin. A send that has to wait (the
    per-chat rate, a 429, a Bot API outage) parks the person until it may go, so no person holds
    a worker while waiting; their turns stay in order because only the head item is ever worked on.
    """

    durable = False

    def __init__(self, max_attempts: int = 4, backoff: float = 0.5, lease: float = 6.0,
                 send_backoff_max: float = 10.0, send_give_up: float = 900.0) -> None:
        self.max_attempts, self.backoff, self.lease = max_attempts, backoff, lease
        self.send_backoff_max, self.send_give_up = send_backoff_max, send_give_up

    @abstractmethod
    async def accept(self, item: Item) -> bool:
        """Queue ``item``; False when its id was seen before (a duplicate)."""

    @abstractmethod
    async def _claim(self, wait: float) -> _Lease | None: ...

    @abstractmethod
    async def _head(self, lease: _Lease) -> Item | None:
        """The first item of the leased user, or None (and the user is released, or the lease lost)."""

    @abstractmethod
    async def _progress(self, lease: _Lease, item: Item) -> None: ...

    @abstractmethod
    async def _ack(self, lease: _Lease, item: Item, dead: str | None = None) -> None: ...

    @abstractmethod
    async def _renew(self, lease: _Lease) -> bool: ...

    @abstractmethod
    async def _release(self, lease: _Lease) -> None:
        """Give the person back: to the end of the ready list if more items wait, else unscheduled."""

    @abstractmethod
    async def _park(self, lease: _Lease, seconds: float) -> None:
        """Give the person back to be claimed again in ``seconds`` (a send that must wait)."""

    @abstractmethod
    async def dead_letters(self) -> list[dict[str, Any]]:
        """The updates parked after failing every attempt."""

    @abstractmethod
    async def dead_count(self) -> int:
        """How many dead letters there are (a metric)."""

    @abstractmethod
    async def redrive(self, limit: int = 10_000) -> int:
        """Queue dead letters again (at the end of their person's inbox); how many were moved."""

    async def aclose(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""

    async def adopt_legacy(self) -> int:
        """Take over what an older layout of the queue still holds (nothing to do by default)."""
        return 0

    async def run(self, handler: Handler, stop: asyncio.Event) -> None:
        """One worker: claim a person, handle their first item, give them back, repeat until ``stop``."""
        try:
            await self.adopt_legacy()
        except Exception:
            log.exception("ingress: moving the old layout's updates failed (the next worker start tries again)")
        while not stop.is_set():
            try:
                lease = await self._claim(wait=BLOCK_MAX)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ingress claim failed")
                await asyncio.sleep(1.0)
                continue
            if lease is not None:
                await self._serve(lease, handler)

    async def _serve(self, lease: _Lease, handler: Handler) -> None:
        beat = _Beat(self, lease)
        try:
            item = await self._head(lease)
            if item is None:
                return
            later = await self._process(lease, item, handler)
            beat.cancel()
            if later is None:
                await self._release(lease)
            else:
                await self._park(lease, later)
        except asyncio.CancelledError:  # the worker is stopping: hand the person over now, not after the lease
            beat.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._park(lease, 0.0), 2.0)
            raise
        except LeaseLost:
            log.warning("ingress lease of %s lost: another worker goes on", masked(lease.user))
        except Exception:
            log.exception("ingress worker failed; the lease will expire and another worker takes over")
        finally:
            beat.cancel()

    async def _heartbeat(self, lease: _Lease) -> None:
        while True:
            try:
                if not await self._renew(lease):
                    lease.lost = True
                    log.warning("ingress lease lost")
                    return
            except Exception:
                log.exception("ingress lease renewal failed")
            await asyncio.sleep(self.lease / 3)

    def send_backoff(self, fails: int) -> float:
        """Seconds before sending again after ``fails`` failures in a row (doubling, capped, jittered)."""
        base = min(self.backoff * 2 ** max(fails - 1, 0), self.send_backoff_max)
        return base * random.uniform(0.8, 1.0)

    async def _process(self, lease: _Lease, item: Item, handler: Handler) -> float | None:
        """Work on the head item; None when it is done (acked), else seconds to park the person."""
        if item.ops is None:
            if not item.counted:
                item.attempts += 1  # counted before the work, so a crash loop ends in the dead list too
                await self._progress(lease, item)
            if item.attempts > self.max_attempts:
                log.error("update %s parked after %d attempts", item.id, item.attempts - 1)
                await self._ack(lease, item, dead="too many attempts (worker crashes)")
                return None
            try:
                ops = await handler.prepare(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("update %s of %s failed (attempt %d): %r", item.id, masked(item.user),
                            item.attempts, exc, exc_info=True)
                if item.attempts >= self.max_attempts:
                    await self._ack(lease, item, dead=f"{type(exc).__name__}: {exc}"[:500])
                    return None
                return self.backoff * 2 ** (item.attempts - 1)
            item.ops, item.sent = ops, 0
            await self._progress(lease, item)
        while item.sent < len(item.ops):
            if lease.lost:
                raise LeaseLost(item.id)
            try:
                with deferring():
                    await handler.deliver(item, item.sent, item.ops[item.sent])
            except Deferred as wait:
                return wait.seconds
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                return await self._send_failed(lease, item, exc)
            item.sent, item.fails, item.since = item.sent + 1, 0, 0.0
            if item.sent < len(item.ops):  # after the last send the ack follows (and deletes the progress)
                await self._progress(lease, item)
        await self._ack(lease, item)
        return None

    async def _send_failed(self, lease: _Lease, item: Item, exc: Exception) -> float | None:
        now = time.time()
        item.fails += 1
        item.since = item.since or now
        if now - item.since >= self.send_give_up:
            log.error("update %s of %s: sending failed for %.0f s; parked in the dead letters",
                      item.id, masked(item.user), now - item.since)
            await self._ack(lease, item, dead=f"send failed for {now - item.since:.0f}s: {type(exc).__name__}")
            return None
        await self._progress(lease, item)
        wait = self.send_backoff(item.fails)
        log.warning("update %s of %s: send failed (%s, %d in a row); again in %.1f s", item.id,
                    masked(item.user), type(exc).__name__, item.fails, wait)
        return wait


class _Beat:
    """The lease's renewals every third of it, started only when a turn lasts that long (most turns end
    before: no task is made for them)."""

    def __init__(self, ingress: Ingress, lease: _Lease) -> None:
        self.task: asyncio.Task | None = None
        self.timer = asyncio.get_running_loop().call_later(ingress.lease / 3, self._start, ingress, lease)

    def _start(self, ingress: Ingress, lease: _Lease) -> None:
        self.task = asyncio.create_task(ingress._heartbeat(lease))

    def cancel(self) -> None:
        self.timer.cancel()
        if self.task is not None:
            self.task.cancel()


class MemoryIngress(Ingress):
    """Per-user queues in this process: the embedded default. NOT durable: a restart loses them."""

    def __init__(self, max_attempts: int = 4, backoff: float = 0.5, lease: float = 6.0, seen: int = 50_000,
                 **kw: Any) -> None:
        super().__init__(max_attempts, backoff, lease, **kw)
        self._inbox: dict[str, deque[Item]] = {}
        self._scheduled: set[str] = set()
        self._ready: asyncio.Queue[str] | None = None
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._seen_max = seen
        self._dead: list[dict[str, Any]] = []

    @property
    def ready(self) -> asyncio.Queue[str]:
        if self._ready is None:  # made in the running loop
            self._ready = asyncio.Queue()
        return self._ready

    async def accept(self, item: Item) -> bool:
        if item.id in self._seen:
            return False
        self._seen[item.id] = time.time()
        while len(self._seen) > self._seen_max:
            self._seen.popitem(last=False)
        self._queue(item)
        return True

    def _queue(self, item: Item) -> None:
        self._inbox.setdefault(item.user, deque()).append(item)
        if item.user not in self._scheduled:
            self._scheduled.add(item.user)
            self.ready.put_nowait(item.user)

    async def _claim(self, wait: float) -> _Lease | None:
        try:
            return _Lease(await asyncio.wait_for(self.ready.get(), wait))
        except TimeoutError:
            return None

    async def _head(self, lease: _Lease) -> Item | None:
        box = self._inbox.get(lease.user)
        if box:
            return box[0]
        self._inbox.pop(lease.user, None)
        self._scheduled.discard(lease.user)
        return None

    async def _progress(self, lease: _Lease, item: Item) -> None:
        return None  # the item itself is the record

    async def _ack(self, lease: _Lease, item: Item, dead: str | None = None) -> None:
        box = self._inbox.get(lease.user)
        if box and box[0] is item:
            box.popleft()
        if dead is not None:
            self._dead.append({"item": json.loads(item.entry()), "error": dead, "at": time.time()})

    async def _renew(self, lease: _Lease) -> bool:
        return True

    async def _release(self, lease: _Lease) -> None:
        if self._inbox.get(lease.user):
            self.ready.put_nowait(lease.user)
        else:
            self._inbox.pop(lease.user, None)
            self._scheduled.discard(lease.user)

    async def _park(self, lease: _Lease, seconds: float) -> None:
        asyncio.get_running_loop().call_later(seconds, self.ready.put_nowait, lease.user)

    async def dead_letters(self) -> list[dict[str, Any]]:
        return list(self._dead)

    async def dead_count(self) -> int:
        return len(self._dead)

    async def redrive(self, limit: int = 10_000) -> int:
        moved, self._dead = self._dead[:limit], self._dead[limit:]
        for rec in moved:
            d = rec["item"]
            self._queue(Item(d["id"], d["user"], d["channel"], d["payload"]))
        return len(moved)


BLOCK_MAX = 4.0  # the longest wait on the wake-up list (under the Redis client's 5 s socket deadline)


class IdleSweeps:
    """When a process's workers look through every shard (the safety net under the wake-ups): at once after
    a sweep found work, else after a pause that doubles from 50 ms up to ``idle_max`` seconds (and never
    past the next parked person or lease known to be due). Workers claim where wake-ups point; a wake-up
    that was lost is made up for by the next sweep (at most ``idle_max`` later)."""

    FIRST = 0.05

    def __init__(self, idle_max: float = 8.0) -> None:
        self.idle_max = max(float(idle_max), self.FIRST)
        self.backoff = self.FIRST
        self.at = 0.0  # monotonic time of the next sweep (0: now)

    def sweep_due(self) -> bool:
        """Is it time to look through every shard?"""
        return time.monotonic() >= self.at

    def sweeping(self) -> None:
        """A sweep starts: the process's other workers wait for wake-ups meanwhile."""
        self.at = time.monotonic() + self.backoff

    def found(self) -> None:
        """A sweep found work (a wake-up was lost, or a backlog): the next claim sweeps at once."""
        self.backoff, self.at = self.FIRST, 0.0

    def empty(self, next_ms: float) -> None:
        """A sweep found nobody: pause longer, but not past what is due in ``next_ms`` (-1: nothing)."""
        pause = self.backoff
        if next_ms >= 0:
            pause = min(pause, max(next_ms / 1000, 0.01))
        self.at = time.monotonic() + pause
        self.backoff = min(self.backoff * 2, self.idle_max)

    def due_in(self, seconds: float) -> None:
        """Someone was parked for ``seconds``: sweep no later than then."""
        self.at = min(self.at, time.monotonic() + max(seconds, 0.0)) if self.at else self.at

    def pause(self, wait: float) -> float:
        """How long to block on the wake-up list now (at most ``wait`` and ``BLOCK_MAX``)."""
        return max(min(self.at - time.monotonic(), wait, BLOCK_MAX), 0.01)


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _hint(value: Any) -> tuple[int, bool]:
    """The shard number a wake-up names (-1: none), and whether it is for someone who just wrote."""
    if value is None:
        return -1, False
    text = _str(value)
    try:
        return int(text.removesuffix("r")), not text.endswith("r")
    except ValueError:
        return -1, False


class RedisIngress(Ingress):
    """Durable per-user queues in Redis shared by every worker process on every machine.

    The keys are spread over ``shards`` hash tags (``bot/channels/ingress_lua.py``), so on a Redis
    Cluster they live on every master; a person's keys are all in one shard, so their order holds.
    On a plain Redis server the turn's calls go through the lean client (``basics.resp``: one pipelined
    connection, and one connection per worker blocked on the wake-up list); on a Cluster through redis-py.
    """

    durable = True

    def __init__(self, redis, prefix: str = "tamin:ing", max_attempts: int = 4, backoff: float = 0.5,
                 lease: float = 6.0, dedup_seconds: int = 24 * 3600, shards: int = 16, congested: float = 1.0,
                 idle_max: float = 8.0, fast: Resp | None | bool = True, **kw: Any) -> None:
        super().__init__(max_attempts, backoff, lease, **kw)
        self.redis, self.prefix = redis, prefix
        self.shards = [f"{prefix}:{{{tag}}}" for tag in lua.shard_tags(max(int(shards), 1))]
        self.wake_key = f"{prefix}:{{wake}}"
        self.dedup_seconds, self.congested = dedup_seconds, congested
        self._turn = random.randrange(len(self.shards))  # where the next sweep starts looking
        self.idle = IdleSweeps(idle_max)
        self._worker_id, self._tokens = uuid.uuid4().hex[:16], itertools.count()  # lease tokens: unique, cheap
        self._cluster = hasattr(redis, "get_nodes")  # a RedisCluster client
        self._scripts = {name: redis.register_script(src) for name, src in lua.SCRIPTS.items()}
        if fast is True:
            fast = None if self._cluster else Resp.like(redis)
        self.fast: Resp | None = fast or None
        self._blockers: list[Resp] = []  # idle lean connections for BLPOP (one per blocked worker)
        self._keys = {p: [p, self.wake_key] if self.fast is not None else [p] for p in self.shards}

    @classmethod
    def from_url(cls, url: str, cluster: bool = False, **kw: Any) -> RedisIngress:
        """An ingress on the Redis (or Redis Cluster) at ``url``."""
        return cls(redis_client(url, cluster), **kw)

    def shard(self, user: str) -> str:
        """The key prefix (with its hash tag) of ``user``'s shard."""
        return self.shards[lua.shard_of(user, len(self.shards))]

    async def _run(self, name: str, p: str, *args: Any) -> Any:
        """A script on shard ``p`` (with the wake-up list as its second key on a plain Redis)."""
        if self.fast is not None:
            return await self.fast.script(lua.SCRIPTS[name], self._keys[p], [p, *args])
        return await self._scripts[name](keys=[p], args=[p, *args])

    async def _wake(self, shard: int = -1, kind: str = "") -> None:
        """Tell an idle worker where there is work (a hint: a lost one costs at most a sweep interval;
        ``kind`` "r": not for someone who just wrote)."""
        value = f"{shard}{kind}"
        if self.fast is not None:
            await self.fast.pipeline(("LPUSH", self.wake_key, value), ("LTRIM", self.wake_key, 0, lua.WAKE_MAX - 1))
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.lpush(self.wake_key, value)
        pipe.ltrim(self.wake_key, 0, lua.WAKE_MAX - 1)
        await pipe.execute()

    async def _woken(self, n: int, got: int, kind: str = "r") -> None:
        """After a script answered ``got``: push the wake-up it could not (3: on a Cluster)."""
        if got == 3:
            with contextlib.suppress(Exception):  # only a hint: the next sweep makes up for a lost one
                await self._wake(n, kind)

    async def accept(self, item: Item) -> bool:
        n = lua.shard_of(item.user, len(self.shards))
        got = int(await self._run("accept", self.shards[n], item.user, item.id, self.dedup_seconds, item.entry(), n))
        await self._woken(n, got, "")
        return got > 0

    async def _claim(self, wait: float) -> _Lease | None:
        """Claim where a wake-up points; look through every shard only when the safety net's sweep is due
        and no wake-up waits (so someone who just wrote is not served after a backlog the sweeps find)."""
        hint, fresh = -1, False
        if self.idle.sweep_due():
            hint, fresh = await self._next_wake(0)
            if hint < 0:
                lease = await self._sweep()
                if lease is not None:
                    return lease
        if hint < 0:
            hint, fresh = await self._next_wake(self.idle.pause(wait))
        if 0 <= hint < len(self.shards):
            lease, _ = await self._claim_in(hint, f"{self._worker_id}{next(self._tokens)}", fresh)
            return lease
        if self.idle.sweep_due():
            return await self._sweep()
        return None

    async def _next_wake(self, timeout: float) -> tuple[int, bool]:
        """The next wake-up (``_hint``), waiting up to ``timeout`` s for one (0: not at all; (-1, False):
        none came)."""
        if timeout <= 0:
            if self.fast is not None:
                return _hint(await self.fast.call("LPOP", self.wake_key))
            return _hint(await self.redis.lpop(self.wake_key))
        if self.fast is None:
            got = await self.redis.blpop([self.wake_key], timeout=timeout)
            return _hint(got[1] if got else None)
        blocker = self._blockers.pop() if self._blockers else self.fast.another(timeout=BLOCK_MAX + 2.0)
        try:
            got = await blocker.call("BLPOP", self.wake_key, f"{timeout:.3f}")
        except BaseException:
            blocker.abort()  # the connection may still be blocked in BLPOP: never lend it again
            raise
        self._blockers.append(blocker)
        return _hint(got[1] if got else None)

    async def _sweep(self) -> _Lease | None:
        """Look through every shard once from the next in turn (one round trip of read-only probes), claim
        where someone is waiting."""
        self.idle.sweeping()
        token, n, wait = f"{self._worker_id}{next(self._tokens)}", len(self.shards), -1.0
        start, self._turn = self._turn, (self._turn + 1) % n
        order = [(start + k) % n for k in range(n)]
        for s, ms in zip(order, await self._probe(order), strict=True):
            if ms == 0:
                lease, ms = await self._claim_in(s, token)
                if lease is not None:
                    self.idle.found()  # found without a wake-up (a lost one, or a backlog): look again at once
                    return lease
            if ms >= 0 and (wait < 0 or ms < wait):
                wait = ms
        self.idle.empty(wait)
        return None

    async def _claim_in(self, s: int, token: str, fresh: bool = False) -> tuple[_Lease | None, float]:
        """Claim someone in shard ``s`` (with their head item; ``fresh``: a fresh turn, for the wake-up of
        someone who just wrote); (lease, 0) or (None, ms until one is due)."""
        res = await self._run("claim_head", self.shards[s], token, int(self.lease * 1000),
                              int(self.congested * 1000), s, "1" if fresh else "")
        if int(res[0]):
            if res[2]:  # the claim took someone without a wake-up of their own while more wait
                await self._woken(s, 3)
            lease = _Lease(_str(res[1]), token, shard=self.shards[s], index=s)
            lease.head = self._item(res[3:], counted=True)
            return lease, 0.0
        return None, float(_str(res[1]))

    async def _probe(self, order: list[int], again: bool = True) -> list[float]:
        """For each shard of ``order``: 0 when someone can be claimed now, else ms until due (-1: nobody)."""
        from redis.exceptions import NoScriptError  # here: a server without Redis never imports redis-py

        probe = self._scripts["probe"]
        if self.fast is not None:
            sha = self.fast.sha(lua.PROBE)
            got = await self.fast.pipeline(*[("EVALSHA", sha, 1, self.shards[s], self.shards[s]) for s in order])
            if any(isinstance(x, RespError) for x in got):
                if not again or not all(str(x).startswith("NOSCRIPT") for x in got if isinstance(x, RespError)):
                    raise next(x for x in got if isinstance(x, RespError))
                await self.fast.call("SCRIPT", "LOAD", lua.PROBE)  # a restarted or flushed Redis forgot it
                return await self._probe(order, again=False)
            return [float(x) for x in got]
        if self._cluster:  # a Cluster pipeline refuses EVALSHA: the probes go at once, each to its master
            return [float(x) for x in await asyncio.gather(*(self._run("probe", self.shards[s]) for s in order))]
        pipe = self.redis.pipeline(transaction=False)
        for s in order:
            pipe.evalsha(probe.sha, 1, self.shards[s], self.shards[s])
        try:
            got = await pipe.execute()
        except NoScriptError:  # a restarted or flushed Redis forgot the script: load it and ask again
            if not again:
                raise
            probe.sha = await self.redis.script_load(probe.script)
            return await self._probe(order, again=False)
        return [float(x) for x in got]

    async def _head(self, lease: _Lease) -> Item | None:
        if lease.head is not None:  # read by the claim
            item, lease.head = lease.head, None
            return item
        res = await self._run("head", lease.shard, lease.user, lease.token)
        if int(res[0]) != 1:
            if int(res[0]) == -1:
                log.warning("ingress lease of %s lost", masked(lease.user))
            return None
        return self._item(res[1:])

    @staticmethod
    def _item(res: list[Any], counted: bool = False) -> Item:
        """An item from a script's ``entry, attempts, ops, sent, fails, since``."""
        entry = json.loads(res[0])
        ops = _str(res[2])
        return Item(entry["id"], entry["user"], entry["channel"], entry["payload"],
                    ops=json.loads(ops) if ops else None, sent=int(res[3]), attempts=int(res[1]),
                    fails=int(res[4]), since=float(res[5]), counted=counted)

    async def _progress(self, lease: _Lease, item: Item) -> None:
        ops = "" if item.ops is None else json.dumps(item.ops, ensure_ascii=False)
        await self._run("progress", lease.shard, item.id, item.attempts, item.sent, item.fails, repr(item.since),
                        ops, "" if item.ops is None else "1")

    async def _ack(self, lease: _Lease, item: Item, dead: str | None = None) -> None:
        record = ""
        if dead is not None:
            record = json.dumps({"item": json.loads(item.entry()), "entry": item.entry(), "error": dead,
                                 "at": time.time()}, ensure_ascii=False)
        got = int(await self._run("ack_release", lease.shard, lease.user, lease.token, item.id, record, lease.index))
        lease.done = True  # handed back with the ack
        if not got:
            log.warning("ack of %s refused: the lease of %s was lost", item.id, masked(lease.user))
        await self._woken(lease.index, got)  # the person has more waiting: a wake-up for them

    async def _renew(self, lease: _Lease) -> bool:
        return bool(await self._run("renew", lease.shard, lease.user, lease.token, int(self.lease * 1000)))

    async def _release(self, lease: _Lease) -> None:
        if lease.done:
            return
        await self._woken(lease.index, int(await self._run("release", lease.shard, lease.user, lease.token,
                                                           lease.index)))

    async def _park(self, lease: _Lease, seconds: float) -> None:
        await self._run("park", lease.shard, lease.user, lease.token, max(int(seconds * 1000), 1))
        self.idle.due_in(seconds)

    async def adopt_legacy(self) -> int:
        """Move what the old single-slot layout (``<prefix>:{q}``) still holds into the shards; how many.

        Run by every worker before its first claim (one at a time: a lock in the old slot)."""
        old, r = f"{self.prefix}:{{q}}", self.redis
        if not await r.exists(f"{old}:sched", f"{old}:dead") or not await r.set(f"{old}:adopting", "1", nx=True,
                                                                                   ex=120):
            return 0
        moved = 0
        try:
            for raw in await r.smembers(f"{old}:sched"):
                user = _str(raw)
                entries = [_str(e) for e in await r.lrange(f"{old}:in:{user}", 0, -1)]
                p = self.shard(user)
                for e in entries:  # the progress of a head item (what was already sent) goes along
                    item_id = json.loads(e)["id"]
                    progress = await r.hgetall(f"{old}:p:{item_id}")
                    if progress:
                        await r.hset(f"{p}:p:{item_id}", mapping=progress)
                        await r.expire(f"{p}:p:{item_id}", 7 * 24 * 3600)
                        await r.delete(f"{old}:p:{item_id}")
                if entries:
                    moved += int(await self._run("adopt", p, user, *entries))
                await r.delete(f"{old}:in:{user}")
                await r.srem(f"{old}:sched", user)
            while (rec := await r.lpop(f"{old}:dead")) is not None:
                user = str(json.loads(rec).get("item", {}).get("user", ""))
                await r.rpush(f"{self.shard(user)}:dead", rec)
                moved += 1
            await r.delete(*[f"{old}:{k}" for k in ("ready", "leases", "owners", "later", "wake")])
        finally:
            await r.delete(f"{old}:adopting")
        if moved:
            log.warning("ingress: %d updates of the old single-slot layout moved into the shards", moved)
            await self._wake()
        return moved

    async def dead_letters(self) -> list[dict[str, Any]]:
        out = []
        for p in self.shards:
            out += [json.loads(x) for x in await self.redis.lrange(f"{p}:dead", 0, -1)]
        return sorted(out, key=lambda rec: float(rec.get("at") or 0))

    async def dead_count(self) -> int:
        return sum([int(await self.redis.llen(f"{p}:dead")) for p in self.shards])

    async def redrive(self, limit: int = 10_000) -> int:
        moved = 0
        for p in self.shards:
            if moved < limit:
                moved += int(await self._run("redrive", p, limit - moved))
        if moved:
            await self._wake()
        return moved

    async def aclose(self) -> None:
        for client in [self.fast, *self._blockers]:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.close()
        self._blockers.clear()
        with contextlib.suppress(Exception):
            await self.redis.aclose()


def redis_client(url: str, cluster: bool = False) -> Any:
    """The ingress's client (``basics.redis_client``: deadlines, reconnect on a dropped connection)."""
    from basics.redis_client import redis_client as make

    return make(url, cluster)
