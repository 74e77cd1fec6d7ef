"""The queue: two Redis Streams (urgent, bulk) with one consumer group, a delayed set and dead letters."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from bot.notify.model import BULK, URGENT, Notice

log = logging.getLogger("tamin.notify.queue")

# KEYS: delayed set, urgent stream, bulk stream. ARGV: now, limit, compact ('1': one JSON field).
# Moves due notices back to their stream.
_DUE = """
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(items) do
  local d = cjson.decode(m)
  local stream = KEYS[3]
  if d['p'] == 'urgent' then stream = KEYS[2] end
  if ARGV[3] == '1' then
    redis.call('XADD', stream, '*', 'n', m)
  else
    local args = {}
    for k, v in pairs(d) do
      table.insert(args, k)
      table.insert(args, v)
    end
    redis.call('XADD', stream, '*', unpack(args))
  end
  redis.call('ZREM', KEYS[1], m)
end
return #items
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """A notice read from a stream, with what is needed to acknowledge it."""

    stream: str
    id: str
    notice: Notice | None  # None: the entry is unreadable or was deleted


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NoticeQueue:
    """Where notices wait for a worker; shared by every worker on every machine."""

    def __init__(self, redis, prefix: str = "tamin:notify", group: str = "dispatch", consumer: str = "worker",
                 compact: bool = False) -> None:
        self.redis, self.group, self.consumer = redis, group, consumer
        self.compact = compact  # write entries as one JSON field (every reader reads both forms)
        base = f"{prefix}:{{q}}"  # one Redis Cluster slot for all, so the Lua script may touch them
        self.streams = {URGENT: f"{base}:urgent", BULK: f"{base}:bulk"}
        self.delayed, self.dead_key = f"{base}:delayed", f"{base}:dead"
        self._due = redis.register_script(_DUE)
        self._claim_from = {name: "0-0" for name in self.streams.values()}

    async def ensure_group(self) -> None:
        """Create the streams and the consumer group if missing."""
        from redis.exceptions import ResponseError  # here: the in-memory queue never imports redis-py

        for stream in self.streams.values():
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def _healing(self, call):
        """Run ``call()``; if Redis lost the group (flushed, replaced, restarted empty), recreate it and retry once."""
        from redis.exceptions import ResponseError

        try:
            return await call()
        except ResponseError as exc:  # NOGROUP; or UNBLOCKED: a blocked read's stream was deleted under it
            if "NOGROUP" not in str(exc) and "no longer exists" not in str(exc):
                raise
        log.warning("notice queue: the consumer group was missing (Redis emptied?); recreated it")
        await self.ensure_group()
        self._claim_from = {name: "0-0" for name in self.streams.values()}
        return await call()

    async def put(self, notices: list[Notice]) -> None:
        """Add notices to their priority's stream."""
        pipe = self.redis.pipeline(transaction=False)
        for n in notices:
            pipe.xadd(self.streams[URGENT if n.priority == URGENT else BULK], n.entry() if self.compact else n.fields())
        await pipe.execute()

    def _entries(self, stream: str, items) -> list[Entry]:
        out = []
        for entry_id, fields in items or []:
            try:
                notice = Notice.from_fields(fields) if fields else None
            except (KeyError, ValueError):
                log.error("unreadable stream entry %s", _s(entry_id))
                notice = None
            out.append(Entry(stream, _s(entry_id), notice))
        return out

    async def read(self, count: int, block_ms: int) -> list[Entry]:
        """New entries for this consumer, urgent ones first; waits up to ``block_ms`` when both are empty."""
        urgent = self.streams[URGENT]
        got = await self._healing(lambda: self.redis.xreadgroup(self.group, self.consumer, {urgent: ">"},
                                                                count=count))
        if not got:  # block=None: answer at once (Redis reads BLOCK 0 as "forever")
            got = await self._healing(lambda: self.redis.xreadgroup(
                self.group, self.consumer, {urgent: ">", self.streams[BULK]: ">"},
                count=count, block=block_ms if block_ms > 0 else None))
        out: list[Entry] = []
        for stream, items in got or []:
            out.extend(self._entries(_s(stream), items))
        out.sort(key=lambda e: e.stream != urgent)
        return out

    async def claim(self, min_idle_ms: int, count: int) -> list[Entry]:
        """Entries another consumer took but did not acknowledge in time (a crashed worker's)."""
        out: list[Entry] = []
        for stream in self.streams.values():
            res = await self._healing(lambda s=stream: self.redis.xautoclaim(
                s, self.group, self.consumer, min_idle_ms, start_id=self._claim_from[s], count=count))
            next_id, items = res[0], res[1]
            self._claim_from[stream] = _s(next_id)
            out.extend(self._entries(stream, items))
        return out

    async def ack(self, entries: list[Entry]) -> None:
        """Acknowledge and delete handled entries."""
        if not entries:
            return
        by_stream: dict[str, list[str]] = {}
        for e in entries:
            by_stream.setdefault(e.stream, []).append(e.id)

        async def acked() -> None:  # one XACK and one XDEL per stream, whatever the batch's size
            pipe = self.redis.pipeline(transaction=False)
            for stream, ids in by_stream.items():
                pipe.xack(stream, self.group, *ids)
                pipe.xdel(stream, *ids)
            await pipe.execute()

        await self._healing(acked)  # XACK answers 0 (not NOGROUP) for a missing group; kept for safety

    async def delay(self, notices: list[Notice], due: float) -> None:
        """Put notices aside until ``due`` (quiet hours, retries)."""
        if notices:
            await self.redis.zadd(self.delayed, {n.dumps(): due for n in notices})

    async def release_due(self, now: float, limit: int = 500) -> int:
        """Move notices whose time has come back to their stream."""
        keys = [self.delayed, self.streams[URGENT], self.streams[BULK]]
        return int(await self._due(keys=keys, args=[now, limit, "1" if self.compact else "0"]))

    async def dead(self, notice: Notice, error: str) -> None:
        """Keep a notice that could not be sent in the dead-letter list."""
        await self.redis.rpush(self.dead_key, json.dumps({"notice": notice.fields(), "error": error[:200]},
                                                         ensure_ascii=False))

    async def depth(self) -> dict[str, int]:
        """Entries waiting: per stream (including unacknowledged), delayed and dead."""
        out = {}
        for name, stream in self.streams.items():
            out[name] = int(await self.redis.xlen(stream))
        out["delayed"] = int(await self.redis.zcard(self.delayed))
        out["dead"] = int(await self.redis.llen(self.dead_key))
        return out
