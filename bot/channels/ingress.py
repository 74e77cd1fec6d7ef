"""Durable ingress: accepted updates wait in per-user inboxes and workers handle them in order.

Redis layout (one hash tag, so it also runs on a Redis Cluster slot):
  in:<user>  list   the user's updates, oldest first; the head stays until it is done
  sched      set    users that are in ``ready`` or leased (each user at most once)
  ready      list   users with work and no worker
  leases     zset   leased users scored by lease expiry (ms); ``owners`` hash user -> worker token
  wake       list   tokens that wake idle workers (BLPOP)
  seen:<id>  string an update id already accepted (duplicates are dropped)
  p:<id>     hash   progress of the head item: attempts, rendered ops, ops sent
  dead       list   updates that failed every attempt
A worker claims a user, handles the head item, acks it (LPOP) and goes on until the inbox is
empty; only then is the user released. A crashed worker's lease expires and any worker puts the
user back in ``ready``: nothing is lost, at worst one update is handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.engine.fmt import mask_for_log

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
    attempts: int = 0

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
    return f"{channel}:{mask_for_log(uid)}"


class Ingress(ABC):
    """Per-user ordered queues with retries and a dead-letter list; workers call ``run``."""

    durable = False

    def __init__(self, max_attempts: int = 4, backoff: float = 0.5, lease: float = 15.0) -> None:
        self.max_attempts, self.backoff, self.lease = max_attempts, backoff, lease

    @abstractmethod
    async def accept(self, item: Item) -> bool:
        """Queue ``item``; False when its id was seen before (a duplicate)."""

    @abstractmethod
    async def _claim(self, wait: float) -> Any | None: ...

    @abstractmethod
    async def _head(self, lease: Any) -> Item | None:
        """The first item of the leased user, or None (and the user is released, or the lease lost)."""

    @abstractmethod
    async def _progress(self, lease: Any, item: Item) -> None: ...

    @abstractmethod
    async def _ack(self, lease: Any, item: Item, dead: str | None = None) -> None: ...

    @abstractmethod
    async def _renew(self, lease: Any) -> bool: ...

    @abstractmethod
    async def dead_letters(self) -> list[dict[str, Any]]:
        """The updates parked after failing every attempt."""

    async def aclose(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""

    async def run(self, handler: Handler, stop: asyncio.Event) -> None:
        """One worker: claim a user, handle their items in order, repeat until ``stop``."""
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

    async def _serve(self, lease: Any, handler: Handler) -> None:
        beat = asyncio.create_task(self._heartbeat(lease))
        try:
            while (item := await self._head(lease)) is not None:
                await self._process(lease, item, handler)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ingress worker failed; the lease will expire and another worker takes over")
        finally:
            beat.cancel()

    async def _heartbeat(self, lease: Any) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                if not await self._renew(lease):
                    log.warning("ingress lease lost")
                    return
            except Exception:
                log.exception("ingress lease renewal failed")

    async def _process(self, lease: Any, item: Item, handler: Handler) -> None:
        while True:
            item.attempts += 1  # counted before the work, so a crash loop ends in the dead list too
            await self._progress(lease, item)
            if item.attempts > self.max_attempts:
                log.error("update %s parked after %d attempts", item.id, item.attempts - 1)
                await self._ack(lease, item, dead="too many attempts (worker crashes)")
                return
            try:
                if item.ops is None:
                    item.ops = await handler.prepare(item)
                    item.sent = 0
                    await self._progress(lease, item)
                while item.sent < len(item.ops):
                    await handler.deliver(item, item.sent, item.ops[item.sent])
                    item.sent += 1
                    await self._progress(lease, item)
                await self._ack(lease, item)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("update %s of %s failed (attempt %d): %r", item.id, masked(item.user),
                            item.attempts, exc, exc_info=True)
                if item.attempts >= self.max_attempts:
                    await self._ack(lease, item, dead=f"{type(exc).__name__}: {exc}"[:500])
                    return
                await asyncio.sleep(self.backoff * 2 ** (item.attempts - 1))


class MemoryIngress(Ingress):
    """Per-user queues in this process: the embedded default. NOT durable: a restart loses them."""

    def __init__(self, max_attempts: int = 4, backoff: float = 0.5, lease: float = 15.0, seen: int = 50_000) -> None:
        super().__init__(max_attempts, backoff, lease)
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
        self._inbox.setdefault(item.user, deque()).append(item)
        if item.user not in self._scheduled:
            self._scheduled.add(item.user)
            self.ready.put_nowait(item.user)
        return True

    async def _claim(self, wait: float) -> str | None:
        try:
            return await asyncio.wait_for(self.ready.get(), wait)
        except TimeoutError:
            return None

    async def _head(self, lease: str) -> Item | None:
        box = self._inbox.get(lease)
        if box:
            return box[0]
        self._inbox.pop(lease, None)
        self._scheduled.discard(lease)
        return None

    async def _progress(self, lease: str, item: Item) -> None:
        return None  # the item itself is the record

    async def _ack(self, lease: str, item: Item, dead: str | None = None) -> None:
        box = self._inbox.get(lease)
        if box and box[0] is item:
            box.popleft()
        if dead is not None:
            self._dead.append({"item": json.loads(item.entry()), "error": dead, "at": time.time()})

    async def _renew(self, lease: str) -> bool:
        return True

    async def dead_letters(self) -> list[dict[str, Any]]:
        return list(self._dead)


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

_CLAIM = _NOW + """
local p = ARGV[1]
local user = redis.call('LPOP', p .. ':ready')
if not user then return false end
redis.call('ZADD', p .. ':leases', now + tonumber(ARGV[3]), user)
redis.call('HSET', p .. ':owners', user, ARGV[2])
return user
"""

_REAP = _NOW + """
local p = ARGV[1]
local users = redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now, 'LIMIT', 0, 100)
for _, user in ipairs(users) do
  redis.call('ZREM', p .. ':leases', user)
  redis.call('HDEL', p .. ':owners', user)
  redis.call('RPUSH', p .. ':ready', user)
  redis.call('LPUSH', p .. ':wake', '1')
end
redis.call('LTRIM', p .. ':wake', 0, 63)
return #users
"""

_HEAD = """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return {-1} end
local entry = redis.call('LINDEX', p .. ':in:' .. user, 0)
if entry then
  local id = cjson.decode(entry)['id']
  return {1, entry, redis.call('HGET', p .. ':p:' .. id, 'attempts') or '0',
          redis.call('HGET', p .. ':p:' .. id, 'ops') or '', redis.call('HGET', p .. ':p:' .. id, 'sent') or '0'}
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


@dataclass
class _Lease:
    user: str
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


class RedisIngress(Ingress):
    """Durable per-user queues in Redis shared by every worker process on every machine."""

    durable = True

    def __init__(self, redis, prefix: str = "tamin:ing", max_attempts: int = 4, backoff: float = 0.5,
                 lease: float = 15.0, dedup_seconds: int = 24 * 3600) -> None:
        super().__init__(max_attempts, backoff, lease)
        self.redis = redis
        self.p = f"{prefix}:{{q}}"
        self.dedup_seconds = dedup_seconds
        self._scripts = {name: redis.register_script(src) for name, src in
                         {"accept": _ACCEPT, "claim": _CLAIM, "reap": _REAP, "head": _HEAD, "ack": _ACK,
                          "renew": _RENEW}.items()}

    @classmethod
    def from_url(cls, url: str, **kw: Any) -> RedisIngress:
        """An ingress on the Redis at ``url``."""
        from redis.asyncio import Redis

        return cls(Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=15), **kw)

    async def _run(self, name: str, *args: Any) -> Any:
        return await self._scripts[name](keys=[self.p], args=[self.p, *args])

    async def accept(self, item: Item) -> bool:
        return bool(await self._run("accept", item.user, item.id, self.dedup_seconds, item.entry()))

    async def _claim(self, wait: float) -> _Lease | None:
        lease = _Lease("")
        user = await self._run("claim", lease.token, int(self.lease * 1000))
        if user is None:
            await self._run("reap")
            await self.redis.blpop([f"{self.p}:wake"], timeout=wait)
            user = await self._run("claim", lease.token, int(self.lease * 1000))
            if user is None:
                return None
        lease.user = user.decode() if isinstance(user, bytes) else user
        return lease

    async def _head(self, lease: _Lease) -> Item | None:
        res = await self._run("head", lease.user, lease.token)
        if int(res[0]) != 1:
            if int(res[0]) == -1:
                log.warning("ingress lease of %s lost", masked(lease.user))
            return None
        entry = json.loads(res[1])
        ops = res[3].decode() if isinstance(res[3], bytes) else res[3]
        return Item(entry["id"], entry["user"], entry["channel"], entry["payload"],
                    ops=json.loads(ops) if ops else None, sent=int(res[4]), attempts=int(res[2]))

    async def _progress(self, lease: _Lease, item: Item) -> None:
        key = f"{self.p}:p:{item.id}"
        fields: dict[str, Any] = {"attempts": item.attempts, "sent": item.sent}
        if item.ops is not None:
            fields["ops"] = json.dumps(item.ops, ensure_ascii=False)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, 7 * 24 * 3600)
        await pipe.execute()

    async def _ack(self, lease: _Lease, item: Item, dead: str | None = None) -> None:
        record = ""
        if dead is not None:
            record = json.dumps({"item": json.loads(item.entry()), "error": dead, "at": time.time()},
                                ensure_ascii=False)
        if not await self._run("ack", lease.user, lease.token, item.id, record):
            log.warning("ack of %s refused: the lease of %s was lost", item.id, masked(lease.user))

    async def _renew(self, lease: _Lease) -> bool:
        return bool(await self._run("renew", lease.user, lease.token, int(self.lease * 1000)))

    async def dead_letters(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self.redis.lrange(f"{self.p}:dead", 0, -1)]

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.redis.aclose()
