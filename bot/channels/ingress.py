"""Durable ingress: accepted updates wait in per-user inboxes and workers handle them in order.

Redis layout (one hash tag, so it also runs on a Redis Cluster slot):
  in:<user>  list   the user's updates, oldest first; the head stays until it is done
  sched      set    users that are in ``ready``, leased or parked (each user at most once)
  ready      list   users with work and no worker
  leases     zset   leased users scored by lease expiry (ms); ``owners`` hash user -> worker token
  later      zset   parked users (a send must wait: rate limit, 429, Bot API down) by due time (ms)
  wake       list   tokens that wake idle workers (BLPOP)
  seen:<id>  string an update id already accepted (duplicates are dropped)
  p:<id>     hash   progress of the head item: attempts, rendered ops, ops sent, send failures
  dead       list   updates that failed every attempt (``tamin-bot ingress dead-letters --redrive``)
A worker claims a user, works on their head item, and hands them back: to the end of ``ready``
when more items wait (people take turns), to ``later`` when a send must wait, or unscheduled.
Each claim first moves due parked users and expired leases (a crashed worker's) to the front of
``ready``: nothing is lost, at worst one message is sent twice (when the Bot API cannot be asked).
"""

from __future__ import annotations

import asyncio
import contextlib
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

    async def run(self, handler: Handler, stop: asyncio.Event) -> None:
        """One worker: claim a person, handle their first item, give them back, repeat until ``stop``."""
        while not stop.is_set():
            try:
                lease = await self._claim(wait=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ingress claim failed")
                await asyncio.sleep(1.0)
                continue
            if lease is not None:
                await self._serve(lease, handler)

    async def _serve(self, lease: _Lease, handler: Handler) -> None:
        beat = asyncio.create_task(self._heartbeat(lease))
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
            await asyncio.sleep(self.lease / 3)
            try:
                if not await self._renew(lease):
                    lease.lost = True
                    log.warning("ingress lease lost")
                    return
            except Exception:
                log.exception("ingress lease renewal failed")

    def send_backoff(self, fails: int) -> float:
        """Seconds before sending again after ``fails`` failures in a row (doubling, capped, jittered)."""
        base = min(self.backoff * 2 ** max(fails - 1, 0), self.send_backoff_max)
        return base * random.uniform(0.8, 1.0)

    async def _process(self, lease: _Lease, item: Item, handler: Handler) -> float | None:
        """Work on the head item; None when it is done (acked), else seconds to park the person."""
        if item.ops is None:
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


_ACCEPT = """
local p = ARGV[1]
if ARGV[3] ~= '' then
  if not redis.call('SET', p .. ':seen:' .. ARGV[3], '1', 'NX', 'EX', ARGV[4]) then return 0 end
end
redis.call('RPUSH', p .. ':in:' .. ARGV[2], ARGV[5])
if redis.call('SADD', p .. ':sched', ARGV[2]) == 1 then
  redis.call('RPUSH', p .. ':ready', ARGV[2])
  redis.call('LPUSH', p .. ':wake', '1')
  redis.call('LTRIM', p .. ':wake', 0, 63)
end
return 1
"""

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# Every claim first puts due parked people and expired leases at the FRONT of ``ready`` (they
# waited already), so a dead worker's people are served again at once even behind a long queue.
_CLAIM = _NOW + """
local p = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', p .. ':later', '-inf', now, 'LIMIT', 0, 100)
for i = #due, 1, -1 do
  redis.call('ZREM', p .. ':later', due[i])
  redis.call('LPUSH', p .. ':ready', due[i])
end
local gone = redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now, 'LIMIT', 0, 100)
for i = #gone, 1, -1 do
  redis.call('ZREM', p .. ':leases', gone[i])
  redis.call('HDEL', p .. ':owners', gone[i])
  redis.call('LPUSH', p .. ':ready', gone[i])
end
local user = redis.call('LPOP', p .. ':ready')
if not user then
  local wait = -1
  for _, key in ipairs({p .. ':later', p .. ':leases'}) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if first[2] then
      local w = math.max(tonumber(first[2]) - now, 0)
      if wait < 0 or w < wait then wait = w end
    end
  end
  return {0, tostring(wait)}
end
redis.call('ZADD', p .. ':leases', now + tonumber(ARGV[3]), user)
redis.call('HSET', p .. ':owners', user, ARGV[2])
return {1, user}
"""

_HEAD = """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return {-1} end
local entry = redis.call('LINDEX', p .. ':in:' .. user, 0)
if entry then
  local id = cjson.decode(entry)['id']
  local v = redis.call('HMGET', p .. ':p:' .. id, 'attempts', 'ops', 'sent', 'fails', 'since')
  return {1, entry, v[1] or '0', v[2] or '', v[3] or '0', v[4] or '0', v[5] or '0'}
end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
redis.call('SREM', p .. ':sched', user)
return {0}
"""

_ACK = """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
local box = p .. ':in:' .. user
local entry = redis.call('LINDEX', box, 0)
if not entry or cjson.decode(entry)['id'] ~= ARGV[4] then return 0 end
redis.call('LPOP', box)
redis.call('DEL', p .. ':p:' .. ARGV[4])
if ARGV[5] ~= '' then
  redis.call('RPUSH', p .. ':dead', ARGV[5])
  redis.call('LTRIM', p .. ':dead', -10000, -1)
end
return 1
"""

_RENEW = _NOW + """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
redis.call('ZADD', p .. ':leases', 'XX', now + tonumber(ARGV[4]), user)
return 1
"""

# After one item: more waiting -> the END of ready (round-robin between people); none -> unscheduled.
_RELEASE = """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
if redis.call('LLEN', p .. ':in:' .. user) > 0 then
  redis.call('RPUSH', p .. ':ready', user)
  redis.call('LPUSH', p .. ':wake', '1')
  redis.call('LTRIM', p .. ':wake', 0, 63)
else
  redis.call('SREM', p .. ':sched', user)
end
return 1
"""

_PARK = _NOW + """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
redis.call('ZADD', p .. ':later', now + tonumber(ARGV[4]), user)
return 1
"""

# Dead letters back into their person's inbox (at its end), oldest first.
_REDRIVE = """
local p, n = ARGV[1], 0
for i = 1, tonumber(ARGV[2]) do
  local rec = redis.call('LPOP', p .. ':dead')
  if not rec then break end
  local d = cjson.decode(rec)
  local item = d['item']
  redis.call('RPUSH', p .. ':in:' .. item['user'], d['entry'] or cjson.encode(item))
  if redis.call('SADD', p .. ':sched', item['user']) == 1 then
    redis.call('RPUSH', p .. ':ready', item['user'])
  end
  n = n + 1
end
if n > 0 then
  redis.call('LPUSH', p .. ':wake', '1')
  redis.call('LTRIM', p .. ':wake', 0, 63)
end
return n
"""


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisIngress(Ingress):
    """Durable per-user queues in Redis shared by every worker process on every machine.

    Every key carries the ``{q}`` hash tag, so the scripts also run on a Redis Cluster (one slot).
    """

    durable = True

    def __init__(self, redis, prefix: str = "tamin:ing", max_attempts: int = 4, backoff: float = 0.5,
                 lease: float = 6.0, dedup_seconds: int = 24 * 3600, **kw: Any) -> None:
        super().__init__(max_attempts, backoff, lease, **kw)
        self.redis = redis
        self.p = f"{prefix}:{{q}}"
        self.dedup_seconds = dedup_seconds
        self._scripts = {name: redis.register_script(src) for name, src in
                         {"accept": _ACCEPT, "claim": _CLAIM, "head": _HEAD, "ack": _ACK, "renew": _RENEW,
                          "release": _RELEASE, "park": _PARK, "redrive": _REDRIVE}.items()}

    @classmethod
    def from_url(cls, url: str, cluster: bool = False, **kw: Any) -> RedisIngress:
        """An ingress on the Redis (or Redis Cluster) at ``url``."""
        return cls(redis_client(url, cluster), **kw)

    async def _run(self, name: str, *args: Any) -> Any:
        return await self._scripts[name](keys=[self.p], args=[self.p, *args])

    async def accept(self, item: Item) -> bool:
        return bool(await self._run("accept", item.user, item.id, self.dedup_seconds, item.entry()))

    async def _claim(self, wait: float) -> _Lease | None:
        lease = _Lease("")
        got, user = await self._run("claim", lease.token, int(self.lease * 1000))
        if not int(got):
            next_ms = float(_str(user))
            pause = wait if next_ms < 0 else min(wait, max(next_ms / 1000, 0.01))
            await self.redis.blpop([f"{self.p}:wake"], timeout=pause)
            got, user = await self._run("claim", lease.token, int(self.lease * 1000))
            if not int(got):
                return None
        lease.user = _str(user)
        return lease

    async def _head(self, lease: _Lease) -> Item | None:
        res = await self._run("head", lease.user, lease.token)
        if int(res[0]) != 1:
            if int(res[0]) == -1:
                log.warning("ingress lease of %s lost", masked(lease.user))
            return None
        entry = json.loads(res[1])
        ops = _str(res[3])
        return Item(entry["id"], entry["user"], entry["channel"], entry["payload"],
                    ops=json.loads(ops) if ops else None, sent=int(res[4]), attempts=int(res[2]),
                    fails=int(res[5]), since=float(res[6]))

    async def _progress(self, lease: _Lease, item: Item) -> None:
        key = f"{self.p}:p:{item.id}"
        fields: dict[str, Any] = {"attempts": item.attempts, "sent": item.sent, "fails": item.fails,
                                  "since": item.since}
        if item.ops is not None:
            fields["ops"] = json.dumps(item.ops, ensure_ascii=False)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, 7 * 24 * 3600)
        await pipe.execute()

    async def _ack(self, lease: _Lease, item: Item, dead: str | None = None) -> None:
        record = ""
        if dead is not None:
            record = json.dumps({"item": json.loads(item.entry()), "entry": item.entry(), "error": dead,
                                 "at": time.time()}, ensure_ascii=False)
        if not await self._run("ack", lease.user, lease.token, item.id, record):
            log.warning("ack of %s refused: the lease of %s was lost", item.id, masked(lease.user))

    async def _renew(self, lease: _Lease) -> bool:
        return bool(await self._run("renew", lease.user, lease.token, int(self.lease * 1000)))

    async def _release(self, lease: _Lease) -> None:
        await self._run("release", lease.user, lease.token)

    async def _park(self, lease: _Lease, seconds: float) -> None:
        await self._run("park", lease.user, lease.token, max(int(seconds * 1000), 1))

    async def dead_letters(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self.redis.lrange(f"{self.p}:dead", 0, -1)]

    async def dead_count(self) -> int:
        return int(await self.redis.llen(f"{self.p}:dead"))

    async def redrive(self, limit: int = 10_000) -> int:
        return int(await self._run("redrive", limit))

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.redis.aclose()


def redis_client(url: str, cluster: bool = False) -> Any:
    """An asyncio Redis (or Redis Cluster) client with deadlines on every call; a dropped connection
    (a restarted or failed-over Redis) is retried on a new one."""
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialWithJitterBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    retry = Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.02), 3, supported_errors=(RedisConnectionError,))
    if cluster:
        from redis.asyncio.cluster import RedisCluster

        return RedisCluster.from_url(url, socket_timeout=5, socket_connect_timeout=2, retry=retry)
    from redis.asyncio import Redis

    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=15, retry=retry)
