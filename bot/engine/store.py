"""Session stores (memory and Redis) with a per-user lock, and small shared counters."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from basics.redis_client import redis_client
from basics.resp import Resp
from bot.engine.session import Session


class StoreUnavailable(RuntimeError):
    """The session store cannot be reached."""


class SessionStore(Protocol):
    """Where sessions live between turns."""

    async def load(self, key: str) -> Session: ...
    async def save(self, key: str, session: Session) -> None: ...
    async def delete(self, key: str) -> None: ...
    def lock(self, key: str, timeout: float = 30.0) -> AsyncIterator[None]: ...
    async def update_many(self, changes: dict[str, Callable[[Session], bool]]) -> dict[str, bool | None]:
        """Apply each change to its session where no turn holds the person's lock; True: changed and saved,
        False: left as it was, None: busy (a turn holds the lock)."""
        out: dict[str, bool | None] = {}
        for key, change in changes.items():
            lock = self._locks.get(key)
            if lock is not None and lock.locked():
                out[key] = None
                continue
            session = await self.load(key)
            out[key] = bool(change(session))
            if out[key]:
                await self.save(key, session)
        return out

    async def hit(self, key: str, window: int) -> int: ...
    async def count(self, key: str) -> int: ...
    async def unhit(self, key: str) -> None: ...
    async def close(self) -> None: ...
    async def clear(self, key: str) -> None: ...
    async def reserve(self, key: str, spacing: float, window: int) -> float: ...
    async def release(self, key: str, spacing: float) -> None: ...


class MemoryStore:
    """Sessions in this process's memory, with expiry: the embedded default."""

    def __init__(self, ttl: int = 24 * 3600) -> None:
        self.ttl = ttl
        self._data: dict[str, tuple[float, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._counters: dict[str, tuple[float, int]] = {}

    async def load(self, key: str) -> Session:
        item = self._data.get(key)
        if not item or item[0] < time.time():
            self._data.pop(key, None)
            return Session()
        return Session.loads(item[1])

    async def save(self, key: str, session: Session) -> None:
        self._data[key] = (time.time() + self.ttl, session.dumps())
        if len(self._data) > 100_000:
            self._evict()

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def _evict(self) -> None:
        now = time.time()
        for k in [k for k, (exp, _) in self._data.items() if exp < now]:
            del self._data[k]

    @asynccontextmanager
    async def lock(self, key: str, timeout: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        await asyncio.wait_for(lock.acquire(), timeout)
        try:
            yield
        finally:
            lock.release()
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._locks.pop(key, None)

    async def hit(self, key: str, window: int) -> int:
        now = time.time()
        exp, n = self._counters.get(key, (0.0, 0))
        if exp < now:
            exp, n = now + window, 0
        self._counters[key] = (exp, n + 1)
        return n + 1

    async def count(self, key: str) -> int:
        exp, n = self._counters.get(key, (0.0, 0))
        return n if exp >= time.time() else 0

    async def unhit(self, key: str) -> None:
        exp, n = self._counters.get(key, (0.0, 0))
        if n > 0:
            self._counters[key] = (exp, n - 1)

    async def close(self) -> None:
        return None

    # ---- limits: counters that can be cleared, and turns spaced out in time ----------------

    async def clear(self, key: str) -> None:
        """Forget the counter ``key``."""
        self._counters.pop(key, None)

    async def reserve(self, key: str, spacing: float, window: int) -> float:
        """Take the next turn on ``key``, one per ``spacing`` seconds: how long to wait for it."""
        now = time.time()
        exp, nxt = self._counters.get(f"turn:{key}", (0.0, 0))
        start = max(now, float(nxt) if exp >= now else 0.0)
        self._counters[f"turn:{key}"] = (now + window, start + spacing)  # type: ignore[assignment]
        return start - now

    async def release(self, key: str, spacing: float) -> None:
        """Give back a turn taken by ``reserve`` and not used."""
        exp, nxt = self._counters.get(f"turn:{key}", (0.0, 0))
        if nxt:
            self._counters[f"turn:{key}"] = (exp, nxt - spacing)  # type: ignore[assignment]


# Taking a person's lock and reading their session is one round trip; so is saving and letting go.
_ACQUIRE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) or redis.call('get', KEYS[1]) == ARGV[1] then
  return {1, redis.call('get', KEYS[2])}
end
return {0, false}
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_SAVE_RELEASE = """
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
return 1
"""
# The same, with another script riding on it (``RedisStore.ride``): its KEYS and ARGV follow the save's,
# it runs between the save and the release, and an error in it neither stops the release nor undoes the save.
_RIDING = """
local function ride(KEYS, ARGV)
%s
end
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
local rk, ra = {}, {}
for i = 3, #KEYS do rk[i - 2] = KEYS[i] end
for i = 4, #ARGV do ra[i - 3] = ARGV[i] end
local ok, out = pcall(ride, rk, ra)
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
if ok then return {1, out} end
if type(out) == 'table' then out = out.err end
return {0, tostring(out)}
"""


_PROCESS = os.urandom(8).hex()  # lock tokens: this process's random part, then a counter (unique, and cheap)
_COUNT = itertools.count()


def _token() -> str:
    """A lock token no other turn, in this process or another, holds."""
    return f"{_PROCESS}{next(_COUNT):x}"


class _Held:
    """A lock this process holds: its token, the session read with it, the session to write back."""

    __slots__ = ("token", "raw", "loaded", "pending", "rider")

    def __init__(self, token: str, raw: bytes | None) -> None:
        self.token, self.raw, self.loaded, self.pending = token, raw, False, ""
        self.rider: tuple[str, list, list, asyncio.Future] | None = None


class _Watchdog:
    """Renews a held lock from a third of its lease on; a turn shorter than that costs one timer, not a task."""

    __slots__ = ("handle", "task")

    def __init__(self, store: RedisStore, name: str, token: str, lease: float) -> None:
        self.task: asyncio.Task | None = None
        self.handle = asyncio.get_running_loop().call_later(lease / 3, self._start, store, name, token, lease)

    def _start(self, store: RedisStore, name: str, token: str, lease: float) -> None:
        self.task = asyncio.get_running_loop().create_task(store._keep(name, token, lease))

    def cancel(self) -> None:
        self.handle.cancel()
        if self.task is not None:
            self.task.cancel()


class RedisStore:
    """Sessions in Redis with a TTL, and a Redis lock per user shared by every worker.

    While a lock is held, ``load`` returns the session read together with the lock and ``save``
    is written together with the release: two round trips a turn instead of four. On a plain Redis
    server those two go through ``basics.resp`` (one pipelined connection) instead of redis-py.
    """

    def __init__(self, redis, ttl: int = 24 * 3600, prefix: str = "tamin:") -> None:
        self.redis = redis
        self.ttl = ttl
        self.prefix = prefix
        self.fast = Resp.like(redis)
        self._acquire = self._script(_ACQUIRE)
        self._save_release = self._script(_SAVE_RELEASE)
        self._renew = self._script(_RENEW)
        self._held: dict[str, _Held] = {}
        self._riding: dict[str, str] = {}

    def _script(self, body: str):
        """A script called as ``await run(keys=…, args=…)``, on the lean client where there is one."""
        fast = self.fast
        if fast is None:
            return self.redis.register_script(body)

        async def run(keys: list, args: list):
            return await fast.script(body, keys, args)

        return run

    @classmethod
    def from_url(cls, url: str, ttl: int = 24 * 3600, prefix: str = "tamin:", cluster: bool = False) -> RedisStore:
        """A store on the Redis (or Redis Cluster) at ``url``: 2 s deadlines, a dropped connection (a
        restarted Redis) retried at once on a new one, so the first turn after a restart is answered."""
        return cls(redis_client(url, cluster, socket_timeout=2.0, connect_timeout=2.0), ttl=ttl, prefix=prefix)

    def _k(self, kind: str, key: str) -> str:
        # the braces keep one user's keys in one Redis Cluster slot
        return f"{self.prefix}{kind}:{{{key}}}"

    async def load(self, key: str) -> Session:
        held = self._held.get(key)
        if held is not None and not held.loaded:
            held.loaded = True
            return Session.loads(held.raw)
        try:
            raw = await self.redis.get(self._k("s", key))
        except Exception as exc:  # connection refused, timeout, cluster down
            raise StoreUnavailable(str(exc)) from exc
        return Session.loads(raw)

    async def save(self, key: str, session: Session) -> None:
        held = self._held.get(key)
        if held is not None:
            held.pending = session.dumps()
            return
        try:
            await self.redis.set(self._k("s", key), session.dumps().encode(), ex=self.ttl)
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def delete(self, key: str) -> None:
        await self.redis.delete(self._k("s", key))

    @asynccontextmanager
    async def lock(self, key: str, timeout: float = 30.0) -> AsyncIterator[None]:
        """Hold ``key``'s lock (SET NX with an expiry, polled until ``timeout``), reading the session with it."""
        name, token = self._k("l", key), _token()
        keys = [name, self._k("s", key)]
        deadline = time.monotonic() + timeout
        delay = 0.002
        try:
            while True:
                got, raw = await self._acquire(keys=keys, args=[token, int(timeout * 1000)])
                if got:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"lock {key} busy")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
        except TimeoutError:
            raise
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc
        held = self._held[key] = _Held(token, raw)
        watchdog = _Watchdog(self, name, token, timeout)
        try:
            yield
        finally:
            watchdog.cancel()
            self._held.pop(key, None)
            try:
                if held.rider is None:
                    await self._save_release(keys=keys, args=[token, held.pending, self.ttl])
                else:
                    await self._save_release_riding(keys, [token, held.pending, self.ttl], held.rider)
            except Exception as exc:
                if held.pending:
                    raise StoreUnavailable(str(exc)) from exc  # the turn's session was not written

    def ride(self, key: str, script: str, keys: list, args: list) -> asyncio.Future | None:
        """Run the Lua ``script`` in the call that saves ``key``'s session and lets its lock go (one round trip
        for both), where this process holds that lock on the lean client: a future of its reply, or None."""
        held = self._held.get(key)
        if held is None or self.fast is None or held.rider is not None:
            return None
        fut = asyncio.get_running_loop().create_future()
        held.rider = (script, keys, args, fut)
        return fut

    async def _save_release_riding(self, keys: list, args: list, rider: tuple) -> None:
        script, rkeys, rargs, fut = rider
        body = self._riding.get(script)
        if body is None:
            body = self._riding[script] = _RIDING % script
        try:
            ok, reply = await self.fast.script(body, [*keys, *rkeys], [*args, *rargs])
        except Exception as exc:
            fut.set_exception(exc)
            fut.exception()  # read, so a turn that failed before its hooks logs nothing more
            raise
        if ok == 1:
            fut.set_result(reply)
        else:
            fut.set_exception(RuntimeError(f"script riding on the save failed: {reply!r}"))
            fut.exception()

    async def _keep(self, name: str, token: str, lease: float) -> None:
        """While the turn runs, renew the lock's lease every third of it: a long turn never loses its lock."""
        while True:
            try:
                if not await self._renew(keys=[name], args=[token, int(lease * 1000)]):
                    return  # released, or taken over after Redis lost it: nothing left to renew
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis briefly unreachable: try again at the next beat
                pass
            await asyncio.sleep(lease / 3)

    async def update_many(self, changes: dict[str, Callable[[Session], bool]]) -> dict[str, bool | None]:
        """Apply each change to its session under the person's lock, for many people in two round trips
        (take every lock and read every session in one pipeline; write and let go in another).

        True: changed and saved; False: left as it was; None: busy (a turn holds the lock), untouched.
        """
        if not changes:
            return {}
        keys = list(changes)
        if _is_cluster(self.redis):  # a cluster pipeline spreads scripts over nodes: one person at a time
            return {k: await self._update_one(k, changes[k]) for k in keys}
        tokens = [uuid.uuid4().hex for _ in keys]
        lease = 5000
        try:
            taken = await self._batch(self._acquire, [([self._k("l", k), self._k("s", k)], [t, lease])
                                                      for k, t in zip(keys, tokens, strict=True)])
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc
        out: dict[str, bool | None] = {}
        writes: list[tuple[str, str, str]] = []
        for key, token, (got, raw) in zip(keys, tokens, taken, strict=True):
            if not got:
                out[key] = None
                continue
            session = Session.loads(raw)
            try:
                out[key] = bool(changes[key](session))
            except Exception:
                out[key] = False
            writes.append((key, token, session.dumps() if out[key] else ""))
        try:
            await self._batch(self._save_release, [([self._k("l", k), self._k("s", k)], [t, pending, self.ttl])
                                                   for k, t, pending in writes])
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc
        return out

    async def _batch(self, script, calls: list[tuple[list, list]]) -> list:
        """Run ``script`` once per (keys, args) in one round trip: the lean client pipelines calls made
        together; redis-py needs a pipeline."""
        if not calls:
            return []
        if self.fast is not None:
            return list(await asyncio.gather(*(script(keys=k, args=a) for k, a in calls)))
        async with self.redis.pipeline(transaction=False) as pipe:
            for k, a in calls:
                await script(keys=k, args=a, client=pipe)
            return await pipe.execute()

    async def _update_one(self, key: str, change: Callable[[Session], bool]) -> bool | None:
        try:
            async with self.lock(key, timeout=0.01):
                session = await self.load(key)
                if not change(session):
                    return False
                await self.save(key, session)
                return True
        except TimeoutError:
            return None

    async def hit(self, key: str, window: int) -> int:
        name = self._k("n", key)
        try:
            pipe = self.redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            n, _ = await pipe.execute()
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc
        return int(n)

    async def count(self, key: str) -> int:
        try:
            raw = await self.redis.get(self._k("n", key))
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc
        return int(raw or 0)

    async def unhit(self, key: str) -> None:
        name = self._k("n", key)
        try:
            await self.redis.eval(
                "if tonumber(redis.call('get', KEYS[1]) or '0') > 0 then return redis.call('decr', KEYS[1]) end return 0",
                1, name)
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def close(self) -> None:
        if self.fast is not None:
            await self.fast.close()
        await self.redis.aclose()

    # ---- limits: counters that can be cleared, and turns spaced out in time ----------------

    async def clear(self, key: str) -> None:
        """Forget the counter ``key``."""
        try:
            await self.redis.delete(self._k("n", key))
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def reserve(self, key: str, spacing: float, window: int) -> float:
        """Take the next turn on ``key``, one per ``spacing`` seconds, for every worker: how long to wait."""
        try:
            wait = await self.redis.eval(_RESERVE, 1, self._k("t", key), time.time(), spacing, window)
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc
        return float(wait)

    async def release(self, key: str, spacing: float) -> None:
        """Give back a turn taken by ``reserve`` and not used."""
        try:
            await self.redis.eval(_RELEASE, 1, self._k("t", key), spacing)
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc


def _is_cluster(client: object) -> bool:
    try:
        from redis.asyncio.cluster import RedisCluster
    except ImportError:  # pragma: no cover
        return False
    return isinstance(client, RedisCluster)


_RESERVE = """
local now, spacing = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = math.max(now, tonumber(redis.call('get', KEYS[1]) or '0'))
redis.call('set', KEYS[1], tostring(start + spacing), 'EX', ARGV[3])
return tostring(start - now)
"""
_RELEASE = """
local v = tonumber(redis.call('get', KEYS[1]) or '0')
if v > 0 then redis.call('set', KEYS[1], tostring(v - tonumber(ARGV[1])), 'KEEPTTL') end
return 1
"""
