"""The channels' shared machinery in one process: ingress, limiter, doors and worker tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Protocol

from basics.resp import Resp
from bot.channels.config import ChannelSettings
from bot.channels.ingress import Ingress, Item, MemoryIngress, RedisIngress, redis_client
from bot.channels.limiter import Limiter, MemoryLimiter, RedisLimiter

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.engine.dialogue import Engine
    from bot.settings import Settings

log = logging.getLogger("tamin.channels")


class Door(Protocol):
    """One channel: runs the engine for an update and sends what it answered."""

    channel: str
    receives: bool  # can updates reach this door here (a webhook with its secret configured)?

    async def prepare(self, payload: dict[str, Any]) -> list[dict[str, Any]]: ...
    async def deliver(self, op: dict[str, Any], op_id: str) -> None: ...
    async def aclose(self) -> None: ...


class Runtime:
    """Ingress + limiter + the doors of this process; also the ingress's handler."""

    def __init__(self, settings: Settings, engine: Engine, cfg: ChannelSettings | None = None) -> None:
        self.settings, self.engine = settings, engine
        self.cfg = cfg or settings.channels
        self.doors: dict[str, Door] = {}
        self._redis = None
        retry = {"max_attempts": self.cfg.ingress_max_attempts, "backoff": self.cfg.ingress_backoff_seconds,
                 "lease": self.cfg.ingress_lease_seconds,
                 "send_backoff_max": self.cfg.ingress_send_backoff_max_seconds,
                 "send_give_up": self.cfg.ingress_send_give_up_seconds}
        if settings.redis_url:
            self._redis = redis_client(settings.redis_url, bool(getattr(settings, "redis_cluster", False)))
            fast = Resp.like(self._redis)  # one lean connection for the ingress and the limiter (None on a Cluster)
            self.ingress: Ingress = RedisIngress(self._redis, prefix=self.cfg.ingress_prefix, fast=fast,
                                                 dedup_seconds=self.cfg.ingress_dedup_seconds,
                                                 shards=self.cfg.ingress_shards,
                                                 congested=self.cfg.ingress_congested_seconds,
                                                 idle_max=self.cfg.ingress_idle_sweep_max_seconds, **retry)
            self.limiter: Limiter = RedisLimiter(self._redis, self.cfg.rate_global_per_second,
                                                 self.cfg.rate_chat_per_second, self.cfg.rate_chat_burst, fast=fast)
        else:
            self.ingress = MemoryIngress(**retry)
            self.limiter = MemoryLimiter(self.cfg.rate_global_per_second, self.cfg.rate_chat_per_second,
                                         self.cfg.rate_chat_burst)
        _dead_letter_metric(self.ingress)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def add(self, door: Door) -> None:
        """Handle ``door.channel``'s updates with ``door``."""
        self.doors[door.channel] = door

    def receiving(self) -> list[str]:
        """The channels whose updates can come in through this process (their webhook is configured)."""
        return sorted(name for name, door in self.doors.items() if getattr(door, "receives", True))

    async def accept(self, channel: str, user: str, update_id: str, payload: dict[str, Any]) -> bool:
        """Queue an update durably (with Redis) before the webhook answers; False for a duplicate."""
        return await self.ingress.accept(Item(f"{channel}:{update_id}", f"{channel}:{user}", channel, payload))

    async def prepare(self, item: Item) -> list[dict[str, Any]]:
        """Run the engine for ``item`` through its door."""
        return await self._door(item).prepare(item.payload)

    async def deliver(self, item: Item, index: int, op: dict[str, Any]) -> None:
        """Send one rendered message of ``item``."""
        await self._door(item).deliver(op, f"{item.id}:{index}")

    def _door(self, item: Item) -> Door:
        door = self.doors.get(item.channel)
        if door is None:
            raise LookupError(f"no door for channel {item.channel} in this process")
        return door

    def start(self, tasks: int) -> None:
        """Start ``tasks`` worker tasks in the running loop."""
        self._stop.clear()
        for _ in range(tasks):
            self._tasks.append(asyncio.create_task(self.ingress.run(self, self._stop)))

    def spawn(self, coro: Any) -> None:
        """Run another long-lived task (a poller) until ``stop``."""
        self._tasks.append(asyncio.create_task(coro))

    @property
    def stopping(self) -> asyncio.Event:
        """Set when the workers are told to stop."""
        return self._stop

    @property
    def running(self) -> int:
        """Tasks running (workers and pollers)."""
        return len(self._tasks)

    async def stop(self) -> None:
        """Stop the workers (an update being handled is taken over by another worker) and close."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()
        for door in self.doors.values():
            try:
                await door.aclose()
            except Exception:
                log.exception("closing the %s door failed", door.channel)
        await self.ingress.aclose()


def _dead_letter_metric(ingress: Ingress) -> None:
    """``tamin_queue_depth{queue="ingress_dead_letters"}`` on /metrics (read at scrape time)."""
    try:
        from bot.ops.metrics import GAUGE_SOURCES
    except ImportError:
        return
    GAUGE_SOURCES["ingress_dead_letters"] = ingress.dead_count


def runtime_of(app: FastAPI) -> Runtime:
    """The app's runtime, made on first use; its workers start and stop with the app."""
    rt = getattr(app.state, "channels", None)
    if rt is not None:
        return rt
    rt = Runtime(app.state.settings, app.state.engine)
    app.state.channels = rt

    async def start(app: FastAPI) -> None:
        if rt.cfg.ingress_workers > 0 and not rt.receiving():
            log.info("no messenger or SMS webhook is configured here: no ingress workers in this process")
        elif rt.cfg.ingress_workers > 0:
            rt.start(rt.cfg.ingress_workers)
        elif not rt.ingress.durable:
            log.warning("no ingress workers and no Redis: messenger and SMS updates will not be answered")

    async def stop(app: FastAPI) -> None:
        await rt.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
    return rt
