"""The last turns of each conversation, kept off the database: a capped list per conversation in Redis
(when the engine's sessions live there) or in this process's memory, with the service step the person is
at and whether a human holds the conversation. Written once per turn in one round trip."""

from __future__ import annotations

import json
import time
import zlib
from collections import OrderedDict, deque
from dataclasses import dataclass

MAX_ENTRIES = 40
BUFFER_TTL = 2 * 3600  # the transcript of a conversation nobody handed over is forgotten after this
META_TTL = 24 * 3600  # the service step, kept as long as the engine keeps the session
MAX_MEMORY_CONVERSATIONS = 10_000
SHARDS = 8  # the index of conversations inside a service, spread over Redis Cluster slots


@dataclass(frozen=True, slots=True)
class Left:
    """A service left untouched: who, on which channel, which service and step, and when last seen."""

    key: str
    channel: str
    flow: str
    step: str | None
    at: float


@dataclass(frozen=True, slots=True)
class Recorded:
    """What one turn's write learned: a human holds the conversation, or a service was left before it."""

    held: bool
    left: Left | None


def _dumps(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


class MemoryBuffer:
    """Transcripts in this process: an LRU of conversations, each a capped deque."""

    def __init__(self, store, capacity: int = MAX_MEMORY_CONVERSATIONS, ttl: float = BUFFER_TTL) -> None:
        self.store = store
        self.capacity, self.ttl = capacity, ttl
        self._turns: OrderedDict[str, tuple[float, deque]] = OrderedDict()
        self._flows: dict[str, Left] = {}  # oldest activity first
        self._held: set[str] = set()

    async def record(self, key: str, channel: str, entries: list[dict], flow: str | None, now: float,
                     cutoff: float) -> Recorded:
        """Append the turn's entries and note the service step; return what was there before."""
        old = self._flows.pop(key, None)
        left = old if old is not None and old.at < cutoff else None
        if flow:
            step = None
            try:
                session = await self.store.load(key)
                step = session.flow.awaiting if session.flow else None
            except Exception:
                pass
            self._flows[key] = Left(key, channel, flow, step, now)
        if entries:
            self._push(key, entries, now)
        return Recorded(key in self._held, left)

    def _push(self, key: str, entries: list[dict], now: float) -> None:
        item = self._turns.pop(key, None)
        turns = item[1] if item is not None and item[0] > now - self.ttl else deque(maxlen=MAX_ENTRIES)
        turns.extend(entries)
        self._turns[key] = (now, turns)
        while len(self._turns) > self.capacity:
            self._turns.popitem(last=False)

    async def note(self, key: str, entries: list[dict]) -> None:
        """Append lines that are not a turn (an agent's reply, a notice)."""
        self._push(key, entries, time.time())

    async def read(self, key: str) -> list[dict]:
        """The conversation's last entries, oldest first."""
        item = self._turns.get(key)
        if item is None or item[0] <= time.time() - self.ttl:
            return []
        return [dict(e) for e in item[1]]

    async def set_held(self, key: str, held: bool) -> None:
        """Mark whether a handoff of this conversation is open (waiting or taken)."""
        if held:
            self._held.add(key)
        else:
            self._held.discard(key)

    async def add_held(self, keys: list[str]) -> None:
        """Mark several conversations held (the database's open handoffs, after a restart)."""
        self._held.update(keys)

    async def claim_left(self, cutoff: float, limit: int = 1000) -> list[Left]:
        """Services untouched since ``cutoff``, each handed out once and forgotten."""
        out: list[Left] = []
        for key, item in list(self._flows.items()):
            if item.at >= cutoff or len(out) >= limit:
                break
            out.append(self._flows.pop(key))
        return out

    async def close(self) -> None:
        return None


_TURN = """
local m = redis.call('HMGET', KEYS[2], 'f', 's', 't', 'c', 'h')
local out = {m[5] and 1 or 0, '', '', '', ''}
if m[1] and m[3] and tonumber(m[3]) < tonumber(ARGV[4]) then
  out[2], out[3], out[4], out[5] = m[1], m[2] or '', m[3], m[4] or ''
end
if ARGV[1] ~= '' then
  local step = ''
  local raw = redis.call('GET', KEYS[3])
  if raw then
    local ok, d = pcall(cjson.decode, raw)
    if ok and type(d) == 'table' and type(d.f) == 'table' and type(d.f.a) == 'string' then step = d.f.a end
  end
  redis.call('HSET', KEYS[2], 'f', ARGV[1], 's', step, 't', ARGV[3], 'c', ARGV[2])
elseif m[1] then
  redis.call('HDEL', KEYS[2], 'f', 's', 't', 'c')
end
if m[5] or ARGV[1] ~= '' then redis.call('EXPIRE', KEYS[2], ARGV[6]) end
if #ARGV >= 8 then
  redis.call('RPUSH', KEYS[1], unpack(ARGV, 8))
  redis.call('LTRIM', KEYS[1], -tonumber(ARGV[7]), -1)
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return out
"""

_CLAIM = """
local m = redis.call('HMGET', KEYS[1], 'f', 's', 't', 'c')
if m[1] and m[3] and tonumber(m[3]) < tonumber(ARGV[1]) then
  redis.call('HDEL', KEYS[1], 'f', 's', 't', 'c')
  return {m[1], m[2] or '', m[3], m[4] or ''}
end
return {}
"""

_PRUNE = """
local n = 0
for i = 2, #ARGV do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) < tonumber(ARGV[1]) then n = n + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return n
"""


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBuffer:
    """Transcripts in Redis next to the session: a capped list and a small hash per conversation (both in
    the person's Cluster slot, written by one script), plus an index of conversations inside a service."""

    def __init__(self, store, ttl: int = BUFFER_TTL, meta_ttl: int | None = None) -> None:
        self.redis = store.redis
        self.prefix = store.prefix
        self.ttl = ttl
        self.meta_ttl = max(meta_ttl or getattr(store, "ttl", META_TTL), ttl)
        self._session_key = getattr(store, "_k", None)
        self._sha: dict[str, str] = {}

    def _key(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{{{key}}}"

    def _session(self, key: str) -> str:
        return self._session_key("s", key) if self._session_key else self._key("s", key)

    def _shard(self, key: str) -> str:
        n = zlib.crc32(key.encode()) % SHARDS
        return f"{self.prefix}console:idle:{{console-idle-{n}}}"

    async def _load(self) -> None:
        for name, body in (("turn", _TURN), ("claim", _CLAIM), ("prune", _PRUNE)):
            self._sha[name] = await self.redis.script_load(body)

    async def _run(self, build) -> list:
        """Run a pipeline built by ``build``; load the scripts once (and again after a Redis restart)."""
        from redis.exceptions import NoScriptError

        if not self._sha:
            await self._load()
        for attempt in (1, 2):
            pipe = self.redis.pipeline(transaction=False)
            build(pipe)
            try:
                return await pipe.execute()
            except NoScriptError:
                if attempt == 2:
                    raise
                await self._load()
        return []

    async def record(self, key: str, channel: str, entries: list[dict], flow: str | None, now: float,
                     cutoff: float) -> Recorded:
        """One round trip: index the service, note its step, append the entries, read the held mark."""
        args = [flow or "", channel, repr(now), repr(cutoff), self.ttl, self.meta_ttl, MAX_ENTRIES,
                *(_dumps(e) for e in entries)]
        keys = [self._key("cb", key), self._key("cm", key), self._session(key)]

        def build(pipe) -> None:
            if flow:  # first, so a sweep between the two never drops a fresh service from the index
                pipe.zadd(self._shard(key), {key: now})
            pipe.evalsha(self._sha["turn"], len(keys), *keys, *args)

        res = (await self._run(build))[-1]
        held, fl, step, at, ch = (_s(v) for v in res)
        left = Left(key, ch or channel, fl, step or None, float(at)) if fl else None
        return Recorded(held == "1", left)

    async def note(self, key: str, entries: list[dict]) -> None:
        """Append lines that are not a turn (an agent's reply, a notice)."""
        name = self._key("cb", key)
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(name, *(_dumps(e) for e in entries))
        pipe.ltrim(name, -MAX_ENTRIES, -1)
        pipe.expire(name, self.ttl)
        await pipe.execute()

    async def read(self, key: str) -> list[dict]:
        """The conversation's last entries, oldest first."""
        out = []
        for raw in await self.redis.lrange(self._key("cb", key), 0, -1):
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
        return out

    async def set_held(self, key: str, held: bool) -> None:
        """Mark whether a handoff of this conversation is open (waiting or taken)."""
        name = self._key("cm", key)
        if held:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(name, "h", "1")
            pipe.expire(name, self.meta_ttl)
            await pipe.execute()
        else:
            await self.redis.hdel(name, "h")

    async def add_held(self, keys: list[str]) -> None:
        """Mark several conversations held (the database's open handoffs, after Redis lost them)."""
        for i in range(0, len(keys), 200):
            pipe = self.redis.pipeline(transaction=False)
            for key in keys[i:i + 200]:
                pipe.hset(self._key("cm", key), "h", "1")
                pipe.expire(self._key("cm", key), self.meta_ttl)
            await pipe.execute()

    async def claim_left(self, cutoff: float, limit: int = 1000) -> list[Left]:
        """Services untouched since ``cutoff``, each handed out once across every process."""
        out: list[Left] = []
        for n in range(SHARDS):
            shard = f"{self.prefix}console:idle:{{console-idle-{n}}}"
            members = [_s(m) for m in await self.redis.zrangebyscore(shard, "-inf", f"({cutoff!r}", start=0, num=limit)]
            if not members:
                continue

            def claims(pipe, members=members) -> None:
                for key in members:
                    pipe.evalsha(self._sha["claim"], 1, self._key("cm", key), repr(cutoff))

            for key, res in zip(members, await self._run(claims), strict=True):
                if res:
                    fl, step, at, ch = (_s(v) for v in res)
                    out.append(Left(key, ch, fl, step or None, float(at)))
            await self._run(lambda pipe, shard=shard, members=members: pipe.evalsha(
                self._sha["prune"], 1, shard, repr(cutoff), *members))
        return out

    async def close(self) -> None:
        return None


def buffer_for(store) -> MemoryBuffer | RedisBuffer:
    """Redis when the engine's sessions live there (every worker sees the same), else this process."""
    if getattr(store, "redis", None) is not None and hasattr(store, "prefix"):
        return RedisBuffer(store)
    return MemoryBuffer(store)
