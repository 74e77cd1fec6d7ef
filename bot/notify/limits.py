"""Shared outbound rates per channel, on the channel adapters' Redis token buckets."""

from __future__ import annotations

from bot.channels.limiter import MemoryLimiter, RedisLimiter
from bot.notify.config import NotifySettings
from bot.notify.model import SMS, Notice

PREFIX = "tamin:rl"  # the channel adapters' buckets: notices and replies share one limit per bot


def bot_key(channel: str, token: str | None) -> str:
    """The bucket name the messenger door uses for a bot (``telegram:<bot id>``); ``sms`` for SMS."""
    if channel == SMS or not token:
        return channel
    return f"{channel}:{token.split(':', 1)[0]}"


class Gate:
    """Waits until a notice may go: the bot's (or SMS line's) rate and the chat's own (Redis, or memory)."""

    def __init__(self, redis, cfg: NotifySettings, keys: dict[str, str] | None = None, prefix: str = PREFIX) -> None:
        self.keys = keys or {}
        if redis is None:  # the embedded default: one process, buckets in memory
            self.messenger: RedisLimiter | MemoryLimiter = MemoryLimiter(cfg.messenger_rate, cfg.chat_rate,
                                                                         cfg.chat_burst)
            self.sms: RedisLimiter | MemoryLimiter = MemoryLimiter(cfg.sms_rate, cfg.chat_rate, cfg.chat_burst)
            return
        self.messenger = RedisLimiter(redis, cfg.messenger_rate, cfg.chat_rate, cfg.chat_burst, prefix=prefix)
        self.sms = RedisLimiter(redis, cfg.sms_rate, cfg.chat_rate, cfg.chat_burst, prefix=prefix)

    async def acquire(self, notice: Notice) -> None:
        """Wait for a token of the channel's bucket and of the recipient's bucket."""
        limiter = self.sms if notice.channel == SMS else self.messenger
        await limiter.acquire(self.keys.get(notice.channel, notice.channel), notice.address)


class NoGate:
    """No limits (measurements only)."""

    async def acquire(self, notice: Notice) -> None:
        return None
