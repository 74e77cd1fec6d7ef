"""Knobs of the notifications, read from ``NOTIFY_*`` environment variables (none is needed)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    """Queue, rates, retries, quiet hours and intake of the notifications."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=None, extra="ignore", case_sensitive=False)

    prefix: str = "tamin:notify"  # Redis keys: streams, delayed set, dead letters
    group: str = "dispatch"  # the consumer group every worker joins
    workers: int = 1  # dispatch tasks inside the server process (0: separate workers only)
    batch: int = 100  # stream entries read at once
    concurrency: int = 64  # sends in flight per worker
    claim_idle_seconds: float = 60.0  # a stream entry unacked this long is taken over (XAUTOCLAIM)
    lease_seconds: float = 120.0  # a notice being sent is not sent by another worker before this
    block_ms: int = 1000  # how long a worker waits on an empty stream

    limits: bool = True  # shared rate limits on; off only for measurements
    messenger_rate: float = 30.0  # messages a second per bot (Telegram's bulk limit)
    sms_rate: float = 20.0  # messages a second through the SMS gateway
    chat_rate: float = 1.0  # messages a second to one chat or mobile
    chat_burst: int = 3

    max_attempts: int = 5  # then the notice fails and goes to the dead-letter list
    backoff_seconds: float = 5.0  # doubled after each failed attempt
    backoff_max_seconds: float = 3600.0
    send_timeout_seconds: float = 10.0

    timezone: str = "Asia/Tehran"
    quiet_start: str = "22:00"  # SMS waits from here …
    quiet_end: str = "07:00"  # … until here; messengers may go any time

    replay_window_seconds: int = 300  # signed events older or newer than this are refused
    poll: bool = False  # read the back-end's event feed (for back-ends that cannot push)
    poll_interval_seconds: float = 15.0
    status_poll_interval_seconds: float = 120.0  # Kavenegar delivery reports
