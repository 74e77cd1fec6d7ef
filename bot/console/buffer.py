"""The last turns of each conversation, kept off the database: per conversation one short string in Redis
(when the engine's sessions live there) or an entry in this process's memory, holding the service step the
person is at, whether a human holds the conversation, and the last turns as compact lines
(``bot.console.compact``) capped in bytes, so it stays small however long the conversation. Written once
per turn in one round trip. Keys an older version wrote (``cb:`` list, ``cm:`` hash) are still read."""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from dataclasses import dataclass

from bot.console import index

MAX_ENTRIES = 40  # entries of a conversation kept in the database once a human holds it
MAX_BYTES = 252  # bytes of a conversation's Redis value (first line, then the newest compact lines that fit): one 256 B allocation
HEAD_ROOM = 64  # bytes a first line «flow|step|last seen|held» may take; a turn's line gets the rest at most
BUFFER_TTL = 2 * 3600  # the transcript of a conversation nobody handed over is forgotten after this
META_TTL = 24 * 3600  # the service step, kept as long as the engine keeps the session
MAX_MEMORY_CONVERSATIONS = 10_000


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


def trim(lines: list[str], max_bytes: int = MAX_BYTES) -> list[str]:
    """The newest lines whose bytes (with their separators) fit in ``max_bytes``; at least the newest one."""
    total, keep = 0, 0
    for line in reversed(lines):
        total += len(line.encode()) + (1 if keep else 0)
        if keep and total > max_bytes:
            break
        keep += 1
    return lines[len(lines) - keep:]


def channel_of(key: str) -> str:
    """The channel of a conversation key (``web:…``)."""
    return key.split(":", 1)[0]


class MemoryBuffer:
    """Transcripts in this process: an LRU of conversations, each a few compact lines."""

    def __init__(self, store, capacity: int = MAX_MEMORY_CONVERSATIONS, ttl: float = BUFFER_TTL,
                 max_bytes: int = MAX_BYTES) -> None:
        self.store = store
        self.capacity, self.ttl, self.max_bytes = capacity, ttl, max_bytes
        self._turns: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._flows: dict[str, Left] = {}  # oldest activity first
        self._held: set[str] = set()

    async def record(self, key: str, channel: str, line: str | None, flow: str | None, now: float,
                     cutoff: float) -> Recorded:
        """Append the turn's line and note the service step; return what was there before."""
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
        if line:
            self._push(key, line, now)
        return Recorded(key in self._held, left)

    def _push(self, key: str, line: str, now: float) -> None:
        item = self._turns.pop(key, None)
        lines = item[1] if item is not None and item[0] > now - self.ttl else []
        self._turns[key] = (now, trim([*lines, line], self.max_bytes))
        while len(self._turns) > self.capacity:
            self._turns.popitem(last=False)

    async def note(self, key: str, line: str) -> None:
        """Append a line that is not a turn (an agent's reply, a notice)."""
        self._push(key, line, time.time())

    async def read(self, key: str) -> list:
        """The conversation's compact lines, oldest first."""
        item = self._turns.get(key)
        if item is None or item[0] <= time.time() - self.ttl:
            return []
        return list(item[1])

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


# One string per conversation: «flow|step|last seen|held» on the first line, then the compact lines.
_SPLIT = r"""
local function split(raw)
  if not raw then return '', '', '', '', '' end
  local nl = string.find(raw, '\n', 1, true)
  local head, body = raw, ''
  if nl then head, body = string.sub(raw, 1, nl - 1), string.sub(raw, nl + 1) end
  local f, s, t, h = string.match(head, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if not f then return '', '', '', '', body end
  return f, s, t, h, body
end
local function append(head, body, line, max)
  if line == '' then return body end
  max = max - #head - 1
  if body == '' then body = line else body = body .. '\n' .. line end
  while #body > max do
    local nl = string.find(body, '\n', 1, true)
    if not nl then break end
    body = string.sub(body, nl + 1)
  end
  return body
end
local function put(key, f, s, t, h, body, ttl)
  if body == '' and f == '' and h ~= '1' then
    redis.call('DEL', key)
  else
    redis.call('SET', key, f .. '|' .. s .. '|' .. t .. '|' .. h .. '\n' .. body, 'EX', ttl)
  end
end
"""

# KEYS: the conversation, its session, an older version's meta hash[, the index's sorted set]. ARGV: flow,
# now, cutoff, buffer ttl, meta ttl, max bytes, the line[, the index's member] (the index is written first,
# so a sweep never drops a fresh service from it).
_TURN = _SPLIT + """
if ARGV[1] ~= '' and KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[2], ARGV[8]) end
local raw = redis.call('GET', KEYS[1])
local f, s, t, h, body = split(raw)
if not raw then
  local m = redis.call('HMGET', KEYS[3], 'f', 's', 't', 'h')
  if m[1] or m[4] then
    f, s, t, h = m[1] or '', m[2] or '', m[3] or '', m[4] and '1' or ''
    redis.call('DEL', KEYS[3])
  end
end
local out = {h == '1' and 1 or 0, '', '', ''}
if f ~= '' and t ~= '' and tonumber(t) < tonumber(ARGV[3]) then out[2], out[3], out[4] = f, s, t end
if ARGV[1] ~= '' then
  local step = ''
  local session = redis.call('GET', KEYS[2])
  if session then
    local ok, d = pcall(cjson.decode, session)
    if ok and type(d) == 'table' and type(d.f) == 'table' and type(d.f.a) == 'string' then step = d.f.a end
  end
  f, s, t = ARGV[1], step, ARGV[2]
else
  f, s, t = '', '', ''
end
body = append(f .. '|' .. s .. '|' .. t .. '|' .. h, body, ARGV[7], tonumber(ARGV[6]))
put(KEYS[1], f, s, t, h, body, (f ~= '' or h == '1') and ARGV[5] or ARGV[4])
return out
"""

# KEYS: the conversation. ARGV: the line, max bytes, buffer ttl.
_NOTE = _SPLIT + """
local raw = redis.call('GET', KEYS[1])
local f, s, t, h, body = split(raw)
local ttl = math.max(redis.call('TTL', KEYS[1]), tonumber(ARGV[3]))
put(KEYS[1], f, s, t, h, append(f .. '|' .. s .. '|' .. t .. '|' .. h, body, ARGV[1], tonumber(ARGV[2])), ttl)
return 1
"""

# KEYS: the conversation, an older version's meta hash. ARGV: '1' held or '' not, meta ttl, buffer ttl.
_HELD = _SPLIT + """
local raw = redis.call('GET', KEYS[1])
local f, s, t, h, body = split(raw)
if ARGV[1] ~= '1' then redis.call('HDEL', KEYS[2], 'h') end
if not raw and ARGV[1] ~= '1' then return 0 end
put(KEYS[1], f, s, t, ARGV[1], body, (f ~= '' or ARGV[1] == '1') and ARGV[2] or ARGV[3])
return 1
"""

# KEYS: the conversation, an older version's meta hash. ARGV: cutoff, buffer ttl.
_CLAIM = _SPLIT + """
local raw = redis.call('GET', KEYS[1])
if raw then
  local f, s, t, h, body = split(raw)
  if f ~= '' and t ~= '' and tonumber(t) < tonumber(ARGV[1]) then
    put(KEYS[1], '', '', '', h, body, h == '1' and math.max(redis.call('TTL', KEYS[1]), 1) or ARGV[2])
    return {f, s, t}
  end
end
local m = redis.call('HMGET', KEYS[2], 'f', 's', 't')
if m[1] and m[3] and tonumber(m[3]) < tonumber(ARGV[1]) then
  redis.call('HDEL', KEYS[2], 'f', 's', 't', 'c')
  return {m[1], m[2] or '', m[3]}
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
    """Transcripts in Redis next to the session: one short string per conversation (in the person's Cluster
    slot, written by one script), plus an index of conversations inside a service."""

    def __init__(self, store, ttl: int = BUFFER_TTL, meta_ttl: int | None = None, max_bytes: int = MAX_BYTES) -> None:
        self.store = store
        self.redis = store.redis
        self.prefix = store.prefix
        self.ttl = ttl
        self.meta_ttl = max(meta_ttl or getattr(store, "ttl", META_TTL), ttl)
        self.max_bytes = max_bytes
        self._session_key = getattr(store, "_k", None)
        self._sha: dict[str, str] = {}
        self.fast = getattr(store, "fast", None)  # the store's lean client (``basics.resp``), where it has one

    def _key(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{{{key}}}"

    def _session(self, key: str) -> str:
        return self._session_key("s", key) if self._session_key else self._key("s", key)


    async def _load(self) -> None:
        for name, body in (("turn", _TURN), ("note", _NOTE), ("held", _HELD), ("claim", _CLAIM), ("prune", _PRUNE)):
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

    def _turn_call(self, key: str, line: str | None, flow: str | None, now: float, cutoff: float,
                   indexed: bool) -> tuple[list, list]:
        keys = [self._key("cv", key), self._session(key), self._key("cm", key)]
        args = [flow or "", str(int(now)), repr(cutoff), self.ttl, self.meta_ttl, self.max_bytes, line or ""]
        if indexed:
            keys.append(index.shard(self.prefix, key))
            args.append(index.pack(key))
        return keys, args

    def ride(self, key: str, line: str | None, flow: str | None, now: float, cutoff: float) -> asyncio.Future | None:
        """The turn's write, riding on the session's save and release (one round trip for both) where the
        store can carry it: a future of what ``recorded`` reads, or None (then ``record`` after the turn)."""
        ride = getattr(self.store, "ride", None)
        if ride is None:
            return None
        return ride(key, _TURN, *self._turn_call(key, line, flow, now, cutoff, True))

    @staticmethod
    def recorded(key: str, channel: str, res) -> Recorded:
        """What a turn's write replied: the held mark, and the service it found left before it."""
        held, fl, step, at = (_s(v) for v in res)
        left = Left(key, channel_of(key) or channel, fl, step or None, float(at)) if fl else None
        return Recorded(held == "1", left)

    async def record(self, key: str, channel: str, line: str | None, flow: str | None, now: float,
                     cutoff: float) -> Recorded:
        """One round trip: index the service, note its step, append the line, read the held mark."""
        if self.fast is not None:
            keys, args = self._turn_call(key, line, flow, now, cutoff, True)
            res = await self.fast.script(_TURN, keys, args)
        else:  # the index's sorted set may live in another Cluster slot: its own command, first
            keys, args = self._turn_call(key, line, flow, now, cutoff, False)

            def build(pipe) -> None:
                if flow:
                    pipe.zadd(index.shard(self.prefix, key), {index.pack(key): int(now)})
                pipe.evalsha(self._sha["turn"], len(keys), *keys, *args)

            res = (await self._run(build))[-1]
        return self.recorded(key, channel, res)

    async def note(self, key: str, line: str) -> None:
        """Append a line that is not a turn (an agent's reply, a notice)."""
        await self._run(lambda pipe: pipe.evalsha(self._sha["note"], 1, self._key("cv", key), line, self.max_bytes,
                                                  self.ttl))

    async def read(self, key: str) -> list:
        """The conversation's items, oldest first: an older version's entries (dicts), then compact lines."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.lrange(self._key("cb", key), 0, -1)
        pipe.get(self._key("cv", key))
        old, raw = await pipe.execute()
        out: list = []
        for item in old or []:
            try:
                out.append(json.loads(item))
            except ValueError:
                continue
        if raw:
            out += [line for line in _s(raw).split("\n")[1:] if line]
        return out

    async def set_held(self, key: str, held: bool) -> None:
        """Mark whether a handoff of this conversation is open (waiting or taken)."""
        await self._run(lambda pipe: pipe.evalsha(self._sha["held"], 2, self._key("cv", key), self._key("cm", key),
                                                  "1" if held else "", self.meta_ttl, self.ttl))

    async def add_held(self, keys: list[str]) -> None:
        """Mark several conversations held (the database's open handoffs, after Redis lost them)."""
        for i in range(0, len(keys), 200):
            def build(pipe, part=keys[i:i + 200]) -> None:
                for key in part:
                    pipe.evalsha(self._sha["held"], 2, self._key("cv", key), self._key("cm", key), "1",
                                 self.meta_ttl, self.ttl)

            await self._run(build)

    async def claim_left(self, cutoff: float, limit: int = 1000) -> list[Left]:
        """Services untouched since ``cutoff``, each handed out once across every process."""
        shards = [(index.shard_name(self.prefix, n), True) for n in range(index.SHARDS)]
        shards += [(index.old_shard_name(self.prefix, n), False) for n in range(index.OLD_SHARDS)]
        found: list[tuple[str, list[bytes], list[str]]] = []
        for i in range(0, len(shards), 256):  # the index's sets, 256 a round trip
            part = shards[i:i + 256]

            def ranges(pipe, part=part) -> None:
                for name, _ in part:
                    pipe.zrangebyscore(name, "-inf", f"({cutoff!r}", start=0, num=limit)

            for (name, packed), members in zip(part, await self._run(ranges), strict=True):
                if members:
                    found.append((name, members, [index.unpack(m) if packed else _s(m) for m in members]))
        out: list[Left] = []
        for shard, members, keys in found:
            if len(out) >= limit:
                break

            def claims(pipe, keys=keys) -> None:
                for key in keys:
                    pipe.evalsha(self._sha["claim"], 2, self._key("cv", key), self._key("cm", key), repr(cutoff),
                                 self.ttl)

            for key, res in zip(keys, await self._run(claims), strict=True):
                if res:
                    fl, step, at = (_s(v) for v in res[:3])
                    out.append(Left(key, channel_of(key), fl, step or None, float(at)))
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
