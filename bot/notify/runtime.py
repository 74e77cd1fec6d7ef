"""The notifications of one process: Redis, ledger, queue, senders, workers and pollers, built from settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.notify.clock import Clock, system_clock
from bot.notify.config import NotifySettings
from bot.notify.intake import Intake
from bot.notify.ledger import Ledger
from bot.notify.limits import Gate, NoGate, bot_key
from bot.notify.memqueue import MemoryBroker, MemoryQueue
from bot.notify.model import MESSENGERS, SMS, WEB
from bot.notify.poller import EventPoller
from bot.notify.queue import NoticeQueue
from bot.notify.reports import StatusPoller
from bot.notify.senders import BotApiSender, KavenegarSender, OutboxSender, Sender, WebSender
from bot.notify.worker import Dispatcher, consumer_name

log = logging.getLogger("tamin.notify")


def make_redis(url: str, cluster: bool = False) -> Any:
    """A Redis client whose socket timeout outlasts a blocking stream read.

    A dropped connection (Redis restarted) is retried at once on a new one, so the first request
    after a restart does not fail.
    """
    from basics.redis_client import redis_client

    return redis_client(url, cluster, socket_timeout=15.0, connect_timeout=3.0)


def make_senders(settings: Any, cfg: NotifySettings, sms_gateway: Any = None,
                 web_box: Callable[[], Any] | None = None) -> dict[str, Sender]:
    """A sender per channel that has credentials: Bot API for messengers, Kavenegar (or the outbox) for SMS,
    and, given ``web_box`` (the web chat's pending messages), the web chat."""
    bots = {}
    if settings.telegram_bot_token:
        bots["telegram"] = (settings.telegram_api_base, settings.telegram_bot_token)
    if settings.bale_bot_token:
        bots["bale"] = (settings.bale_api_base, settings.bale_bot_token)
    out: dict[str, Sender] = {}
    if bots:
        api = BotApiSender(bots, timeout=cfg.send_timeout_seconds)
        out.update({name: api for name in bots})
    if settings.kavenegar_api_key:
        from bot.notify.transport import AiohttpTransport
        from integrations.kavenegar.client import KavenegarClient

        client = KavenegarClient(settings.kavenegar_api_key, settings.kavenegar_api_base,
                                 timeout=cfg.send_timeout_seconds, transport=AiohttpTransport())
        out[SMS] = KavenegarSender(client, settings.kavenegar_sender)
    elif sms_gateway is not None:
        out[SMS] = OutboxSender(sms_gateway)
    if web_box is not None:
        out[WEB] = WebSender(web_box)
    return out


class Notify:
    """Everything the notifications need; shared by the HTTP routes, workers and commands."""

    def __init__(self, settings: Any, redis: Any, ledger: Ledger, senders: dict[str, Sender], *,
                 cfg: NotifySettings | None = None, store: Any = None, api: Any = None,
                 clock: Clock = system_clock) -> None:
        self.settings, self.redis, self.ledger, self.senders = settings, redis, ledger, senders
        self.cfg = cfg or NotifySettings()
        self.store, self.api, self.clock = store, api, clock
        self.broker = MemoryBroker() if redis is None else None  # the embedded default's queue
        self.reachable = (*MESSENGERS, WEB) if WEB in senders else MESSENGERS  # doors a linked account is on
        self.intake = Intake(ledger, self.queue("intake"), self.reachable)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.dispatchers: list[Dispatcher] = []

    @classmethod
    def from_settings(cls, settings: Any, db: Any, *, cfg: NotifySettings | None = None, store: Any = None,
                      api: Any = None, sms_gateway: Any = None, web_box: Callable[[], Any] | None = None,
                      clock: Clock = system_clock) -> Notify:
        """Built from the bot's settings and a ``bot.storage.Database``; without REDIS_URL the queue is in memory."""
        cfg = cfg or NotifySettings()
        redis = make_redis(settings.redis_url, bool(getattr(settings, "redis_cluster", False))) \
            if settings.redis_url else None
        return cls(settings, redis, Ledger(db.engine),
                   make_senders(settings, cfg, sms_gateway, web_box), cfg=cfg, store=store, api=api, clock=clock)

    def queue(self, consumer: str | None = None) -> NoticeQueue | MemoryQueue:
        """The queue as seen by one consumer: Redis Streams, or this process's memory."""
        if self.broker is not None:
            return MemoryQueue(self.broker, consumer or consumer_name())
        return NoticeQueue(self.redis, self.cfg.prefix, self.cfg.group, consumer or consumer_name(),
                           compact=self.cfg.compact_entries)

    def gate(self) -> Gate | NoGate:
        """The shared limits (or none when they are switched off)."""
        if not self.cfg.limits:
            return NoGate()
        keys = {"telegram": bot_key("telegram", self.settings.telegram_bot_token),
                "bale": bot_key("bale", self.settings.bale_bot_token), SMS: SMS}
        return Gate(self.redis, self.cfg, keys)

    def dispatcher(self, consumer: str | None = None) -> Dispatcher:
        """A new worker on the shared queue."""
        d = Dispatcher(self.queue(consumer), self.ledger, self.senders, self.cfg, gate=self.gate(),
                       store=self.store, clock=self.clock)
        self.dispatchers.append(d)
        return d

    async def prepare(self) -> None:
        """Make the streams and the consumer group."""
        await self.queue("setup").ensure_group()

    def start(self, workers: int, poll: bool = False, reports: bool = False) -> None:
        """Start workers and pollers as tasks of the running loop."""
        self._stop.clear()
        for _ in range(workers):
            self._tasks.append(asyncio.create_task(self.dispatcher().run(self._stop)))
        if poll and self.api is not None:
            poller = EventPoller(self.api, self.intake, self.ledger)
            self._tasks.append(asyncio.create_task(poller.run(self._stop, self.cfg.poll_interval_seconds,
                                                              self.redis, f"{self.cfg.prefix}:poller")))
        sms = self.senders.get(SMS)
        if reports and isinstance(sms, KavenegarSender):
            status = StatusPoller(self.ledger, sms.client, self.clock)
            self._tasks.append(asyncio.create_task(status.run(self._stop, self.cfg.status_poll_interval_seconds)))

    async def stop(self) -> None:
        """Stop the tasks; a notice being handled stays on the queue for another worker."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()

    async def aclose(self) -> None:
        """Stop and close the senders and Redis (the database belongs to the app)."""
        await self.stop()
        closed = set()
        for sender in self.senders.values():
            if id(sender) not in closed:
                closed.add(id(sender))
                with contextlib.suppress(Exception):
                    await sender.aclose()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()
