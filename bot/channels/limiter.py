"""Outbound flow control: token buckets per bot and per chat, shared through Redis by all workers."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from basics.resp import Resp
from bot.channels.deferral import wait_or_defer

# KEYS: global bucket, chat bucket. ARGV: global rate, global burst, chat rate, chat burst.
# Each bucket is a hash {tokens, ts}. Takes one token from both or none; returns the wait in ms, negative
# when only the bot's shared bucket is short (the chat itself may send).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil then return burst end
  return math.min(burst, tokens + (now - ts) * rate / 1000)
end
local gr, gb, cr, cb = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local g, c = level(KEYS[1], gr, gb), level(KEYS[2], cr, cb)
if g >= 1 and c >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', g - 1, 'ts', now)
  redis.call('HSET', KEYS[2], 'tokens', c - 1, 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(gb * 1000 / gr) + 1000)
  redis.call('PEXPIRE', KEYS[2], math.ceil(cb * 1000 / cr) + 1000)
  return 0
end
if c >= 1 then return -math.ceil((1 - g) * 1000 / gr) end
local wait = (1 - c) * 1000 / cr
if g < 1 then wait = math.max(wait, (1 - g) * 1000 / gr) end
return math.ceil(wait)
"""

SHARED_SLEEP_MAX = 1.0  # a wait for the bot's shared rate up to this is slept, holding the person


async def _pause(ms: int) -> None:
    """Wait ``|ms|``: the bot's shared rate (``ms`` < 0) is slept, so a worker keeps the person it claimed
    (whoever it served instead would wait for the same token); the chat's own rate parks the person."""
    if ms < 0 and -ms / 1000 <= SHARED_SLEEP_MAX:
        await asyncio.sleep(-ms / 1000)
    else:
        await wait_or_defer(abs(ms) / 1000)  # an ingress worker parks the person instead of sleeping


class Limiter(Protocol):
    """Waits until one more message may go to ``chat`` of ``bot`` (or raises ``Deferred`` in a worker)."""

    async def acquire(self, bot: str, chat: str) -> None: ...


class _Rates:
    def __init__(self, global_rate: float, chat_rate: float, chat_burst: int) -> None:
        self.global_rate, self.global_burst = global_rate, max(int(global_rate), 1)
        self.chat_rate, self.chat_burst = chat_rate, max(chat_burst, 1)


class RedisLimiter(_Rates):
    """A Lua token bucket in Redis: one limit for every worker on every machine (through the lean client,
    ``basics.resp``, on a plain Redis server; ``fast``: a lean client to share, None for redis-py only)."""

    def __init__(self, redis, global_rate: float = 30.0, chat_rate: float = 1.0, chat_burst: int = 3,
                 prefix: str = "tamin:rl", fast: Resp | None | bool = True) -> None:
        super().__init__(global_rate, chat_rate, chat_burst)
        self.redis, self.prefix = redis, prefix
        self._take = redis.register_script(_TAKE)
        self.fast: Resp | None = (Resp.like(redis) if fast is True else fast) or None
        self._args = [self.global_rate, self.global_burst, self.chat_rate, self.chat_burst]

    async def wait_ms(self, bot: str, chat: str) -> int:
        """Take a token now (0) or say how many milliseconds until one is free."""
        return abs(await self._signed_ms(bot, chat))

    async def _signed_ms(self, bot: str, chat: str) -> int:
        keys = [f"{self.prefix}:{{{bot}}}", f"{self.prefix}:{{{bot}}}:{chat}"]
        if self.fast is not None:
            return int(await self.fast.script(_TAKE, keys, self._args))
        return int(await self._take(keys=keys, args=self._args))

    async def acquire(self, bot: str, chat: str) -> None:
        """Wait for a token of both buckets."""
        while ms := await self._signed_ms(bot, chat):
            await _pause(ms)


class MemoryLimiter(_Rates):
    """The same buckets in this process's memory (the embedded default)."""

    def __init__(self, global_rate: float = 30.0, chat_rate: float = 1.0, chat_burst: int = 3) -> None:
        super().__init__(global_rate, chat_rate, chat_burst)
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, key: str, rate: float, burst: int, now: float) -> float:
        tokens, ts = self._buckets.get(key, (float(burst), now))
        return min(float(burst), tokens + (now - ts) * rate)

    def wait_ms(self, bot: str, chat: str) -> int:
        """Take a token now (0) or say how many milliseconds until one is free."""
        return abs(self._signed_ms(bot, chat))

    def _signed_ms(self, bot: str, chat: str) -> int:
        now = time.monotonic()
        gk, ck = bot, f"{bot}:{chat}"
        g = self._level(gk, self.global_rate, self.global_burst, now)
        c = self._level(ck, self.chat_rate, self.chat_burst, now)
        if g >= 1 and c >= 1:
            self._buckets[gk], self._buckets[ck] = (g - 1, now), (c - 1, now)
            if len(self._buckets) > 50_000:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return 0
        if c >= 1:  # only the bot's shared bucket is short
            return -max(int((1 - g) / self.global_rate * 1000 + 0.999), 1)
        wait = max((1 - g) / self.global_rate if g < 1 else 0, (1 - c) / self.chat_rate)
        return max(int(wait * 1000 + 0.999), 1)

    async def acquire(self, bot: str, chat: str) -> None:
        """Wait for a token of both buckets."""
        while ms := self._signed_ms(bot, chat):
            await _pause(ms)
